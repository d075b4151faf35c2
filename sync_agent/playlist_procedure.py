"""The playlist update procedure at the terminal (seed 001, "Standard Operating
Procedure"), step by step, with the notification of each step.

1. Validate. PLAYLIST_VALIDATION success, or failure with the seed's text; a failure
   ends the procedure, playback goes on with the playlist in force.
   Stale: an update whose `updatedOn` is older than the playlist in force is not
   applied (logged; PLAYLIST_ACCEPTED_BY_TERMINAL failure, "Update is older than the
   playlist in force", our text: the seeds have none for it).
2. Pulled: PLAYLIST_PULLED_BY_TERMINAL success.
3. Media at the terminal: every file the site's schedules and banners name is checked
   in the media directory and downloaded when missing (sync_agent.media_download,
   three attempts). One MEDIA_CHECK success per file present or fetched; for a file
   that could not be had, MEDIA_CHECK failure "Video File is Missing - {filename}" with
   the `segmentIds` of the schedules that name it. A missing file does not reject the
   playlist: the player skips it (seed 001, "If a media file is not present at the
   terminal skip it during playback and continue").
4. Apply: merged with the playlist in force (scheduler.merge) and staged atomically as
   `active/playlist.json`. PLAYLIST_ACCEPTED_BY_TERMINAL success (its `filename`, which
   the seed lists without saying what it holds, is the staged file's name), or failure
   with the error and the update's `segmentIds` when staging failed (a full disk):
   the playlist in force stays.

Notifications are queued in the outbox (terminal.outbox) in this order; the
delivery sends them oldest first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scheduler.merge import merge
from scheduler.notifications import Notification, new_notification
from scheduler.playlist import PlaylistUpdate
from scheduler.validation import validate_update, validation_notification
from sync_agent.media_download import DownloadResult
from sync_agent.staged import in_force, utc_now
from sync_agent.staging import stage_atomically

log = logging.getLogger(__name__)

STALE_TEXT = "Update is older than the playlist in force"
STAGED_NAME = "playlist.json"

Fetch = Callable[[str], Awaitable[DownloadResult]]


class PlaylistProcedure:
    def __init__(self, *, site_id: str, terminal_id: str, active_dir: Path, media: Path,
                 fetch: Fetch, notify: Callable[[Notification], None],
                 today: Callable[[], date]) -> None:
        self._site_id = site_id
        self._terminal_id = terminal_id
        self._active = active_dir
        self._media = media
        self._fetch = fetch
        self._notify = notify
        self._today = today

    async def run(self, body: Any) -> bool:
        """Process one update; True when it was applied."""
        outcome = validate_update("playlist", body, site_id=self._site_id)
        self._notify(validation_notification("playlist", outcome, now=utc_now()))
        if not outcome.ok or not isinstance(outcome.update, PlaylistUpdate):
            log.warning("playlist_rejected guid=%s error=%s", outcome.guid, outcome.error)
            return False
        update = outcome.update
        in_force = self._in_force()
        common = {"guid": update.guid, "siteId": self._site_id,
                  "terminalId": self._terminal_id}
        segments = tuple(s.segmentId for s in update.site(self._site_id).schedules)
        if in_force is not None and update.updatedOn < in_force.updatedOn:
            log.warning("playlist_stale guid=%s updated_on=%s in_force=%s", update.guid,
                        update.updatedOn, in_force.updatedOn)
            self._notify(new_notification("PLAYLIST_ACCEPTED_BY_TERMINAL", "failure",
                                          now=utc_now(), segmentIds=segments,
                                          additionalInformation=STALE_TEXT, **common))
            return False
        self._notify(new_notification("PLAYLIST_PULLED_BY_TERMINAL", "success", now=utc_now(),
                                      **common))
        await self._check_media(update, common)
        merged = merge(in_force, update, keep_from=self._today() - timedelta(days=1))
        try:
            stage_atomically(self._active / STAGED_NAME,
                             json.dumps(merged.model_dump(mode="json")).encode())
        except OSError as exc:
            log.error("playlist_not_staged guid=%s error=%s", update.guid, exc.strerror or exc)
            self._notify(new_notification(
                "PLAYLIST_ACCEPTED_BY_TERMINAL", "failure", now=utc_now(), segmentIds=segments,
                additionalInformation=f"Could not store the playlist: {exc.strerror or exc}",
                **common))
            return False
        self._notify(new_notification("PLAYLIST_ACCEPTED_BY_TERMINAL", "success", now=utc_now(),
                                      filename=STAGED_NAME, **common))
        log.info("playlist_applied guid=%s segments=%d", update.guid, len(segments))
        return True

    async def _check_media(self, update: PlaylistUpdate, common: dict[str, Any]) -> None:
        site = update.site(self._site_id)
        naming: dict[str, list[str]] = {}
        for schedule in site.schedules:
            for loop in schedule.loops:
                for asset in loop.assets:
                    naming.setdefault(asset.filename, [])
                    if schedule.segmentId not in naming[asset.filename]:
                        naming[asset.filename].append(schedule.segmentId)
        for banner in site.banners:
            naming.setdefault(banner.filename, [])
        for filename, segment_ids in naming.items():
            if not (self._media / filename).is_file():
                result = await self._fetch(filename)
                if not result.ok:
                    extra = {"segmentIds": tuple(segment_ids)} if segment_ids else {}
                    self._notify(new_notification(
                        "MEDIA_CHECK", "failure", now=utc_now(), filename=filename,
                        additionalInformation=f"Video File is Missing - {filename}",
                        **extra, **common))
                    continue
            self._notify(new_notification("MEDIA_CHECK", "success", now=utc_now(),
                                          filename=filename, **common))

    def _in_force(self) -> PlaylistUpdate | None:
        update = in_force(self._active / STAGED_NAME, "playlist", self._site_id)
        return update if isinstance(update, PlaylistUpdate) else None
