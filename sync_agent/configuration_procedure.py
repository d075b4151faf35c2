"""The site configuration procedure at the terminal (seed 003), with its notifications.

1. Validate: CONFIGURATION_VALIDATION success, or failure with the seed's text.
   Stale (older `updatedOn` than the configuration in force): not applied,
   CONFIGURATION_ACCEPTED_BY_PLAYERS failure "Update is older than the configuration in
   force" (our text; the seed has none).
2. Blankout video: present, or fetched (three attempts): MEDIA_CHECK success; else
   MEDIA_CHECK failure "Blankout Video File is Missing - {filename}", and the update is
   not applied (seed 003 sends this case to "Default Configuration Error Handling").
   No blankout video: nothing to check, no MEDIA_CHECK.
3. Push: staged atomically as `active/config.json`: CONFIGURATION_PUSH_TO_PLAYERS
   success, or failure with the error (a full disk).
4. CONFIGURATION_ACCEPTED_BY_PLAYERS success once staged: the player takes a staged
   configuration at its next slot boundary and validates it with the same code.

On any failure nothing is staged: the player keeps the previous configuration, or the
default initialization configuration if it never had one (player.content).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from scheduler.configuration import ConfigurationUpdate
from scheduler.notifications import Notification, new_notification
from scheduler.validation import validate_update, validation_notification
from sync_agent.media_download import DownloadResult
from sync_agent.staged import in_force, utc_now
from sync_agent.staging import stage_atomically

log = logging.getLogger(__name__)

STALE_TEXT = "Update is older than the configuration in force"
STAGED_NAME = "config.json"


class ConfigurationProcedure:
    def __init__(self, *, site_id: str, active_dir: Path, media: Path,
                 fetch: Callable[[str], Awaitable[DownloadResult]],
                 notify: Callable[[Notification], None]) -> None:
        self._site_id = site_id
        self._active = active_dir
        self._media = media
        self._fetch = fetch
        self._notify = notify

    async def run(self, body: Any) -> bool:
        outcome = validate_update("configuration", body, site_id=self._site_id)
        self._notify(validation_notification("configuration", outcome, now=utc_now()))
        if not outcome.ok or not isinstance(outcome.update, ConfigurationUpdate):
            log.warning("configuration_rejected guid=%s error=%s", outcome.guid, outcome.error)
            return False
        update = outcome.update
        common = {"guid": update.guid, "siteId": self._site_id}
        current = in_force(self._active / STAGED_NAME, "configuration", self._site_id)
        if isinstance(current, ConfigurationUpdate) and update.updatedOn < current.updatedOn:
            log.warning("configuration_stale guid=%s", update.guid)
            self._notify(new_notification("CONFIGURATION_ACCEPTED_BY_PLAYERS", "failure",
                                          now=utc_now(), additionalInformation=STALE_TEXT,
                                          **common))
            return False
        site = update.site(self._site_id) or update.configuration[0]
        blankout = site.blankoutVideo
        if blankout is not None:
            if not (self._media / blankout).is_file() and not (await self._fetch(blankout)).ok:
                self._notify(new_notification(
                    "MEDIA_CHECK", "failure", now=utc_now(),
                    additionalInformation=f"Blankout Video File is Missing - {blankout}",
                    **common))
                log.warning("configuration_not_applied guid=%s reason=blankout_missing",
                            update.guid)
                return False
            self._notify(new_notification("MEDIA_CHECK", "success", now=utc_now(), **common))
        try:
            stage_atomically(self._active / STAGED_NAME,
                             json.dumps(update.model_dump(mode="json")).encode())
        except OSError as exc:
            self._notify(new_notification(
                "CONFIGURATION_PUSH_TO_PLAYERS", "failure", now=utc_now(),
                additionalInformation=f"Could not store the configuration: "
                                      f"{exc.strerror or exc}", **common))
            return False
        self._notify(new_notification("CONFIGURATION_PUSH_TO_PLAYERS", "success",
                                      now=utc_now(), **common))
        self._notify(new_notification("CONFIGURATION_ACCEPTED_BY_PLAYERS", "success",
                                      now=utc_now(), **common))
        log.info("configuration_applied guid=%s", update.guid)
        return True
