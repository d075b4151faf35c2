"""The media update procedure at the terminal, for both forms (scheduler.media).

GSTV's one-file message (`upstream/media.md`). The document splits the work between a
cloud and the terminal; here the terminal does all of it, and sends, in this order:
1. MEDIA_VALIDATION: success, or failure with the document's text (or ours where it
   has none, scheduler.media_validation).
   Stale: an update whose `updatedOn` is older than the one in force for that file name
   (sync_agent.media_store's record) is not applied: MEDIA_ACCEPTED_BY_TERMINAL failure
   "Update is older than the file in force - {filename}" (our text), nothing fetched.
2. MEDIA_DOWNLOAD: the bytes fetched from the cloud, with three attempts
   (sync_agent.media_download): success, or failure with the last attempt's error.
3. MEDIA_CHECKSUM_VALIDATION: the MD5 of the bytes against the message's `checksum`.
   On a mismatch the file is downloaded once more, and that second download sends
   nothing of its own until its checksum result: success, or failure "Checksum does not
   Match - {filename}" (our text) with both digests, or with the error that ended the
   second download.
4. MEDIA_PULLED_BY_TERMINAL: the file stored under `media/`, the version it replaces
   kept for as long as the site may still play it (sync_agent.media_store); failure
   with the error (a full disk), the file in force untouched.
5. MEDIA_ACCEPTED_BY_TERMINAL: the file is in the inventory the player plays from (the
   media directory and its record), which the player takes at its next boundary, on
   every screen of the site at the same one (player.media_files).
The last two carry `siteId` and `terminalId`; all but the first failure carry
`filename`. MEDIA_TRANSCODED is the cloud's step, never sent by a terminal. The
document's success example names the last step MEDIA_ACCEPTED_BY_SITE; its glossary
says MEDIA_ACCEPTED_BY_TERMINAL, which is used (`shared/seeds/README.md`).

Bytes the terminal already holds (the record's MD5 is the message's): nothing is
fetched; MEDIA_DOWNLOAD success says "Already at the terminal", and the steps after it
follow as above, the record taking the message's `updatedOn`.

Our own list form: MEDIA_VALIDATION, then for each file, when missing, a download
(three attempts) and one MEDIA_CHECK, success or "Video File is Missing - {filename}".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from scheduler.media import MediaFileUpdate, MediaUpdate
from scheduler.notifications import Notification, new_notification
from scheduler.timeformats import format_timestamp
from scheduler.validation import validate_update, validation_notification
from sync_agent.media_download import DownloadResult, partial_path
from sync_agent.media_store import MediaStore, md5_of
from sync_agent.staged import utc_now

log = logging.getLogger(__name__)

# name, place: whether the download puts the file in place itself
Fetch = Callable[..., Awaitable[DownloadResult]]


class MediaProcedure:
    def __init__(self, *, site_id: str, terminal_id: str, media: Path, fetch: Fetch,
                 notify: Callable[[Notification], None]) -> None:
        self._site_id = site_id
        self._terminal_id = terminal_id
        self._media = media
        self._store = MediaStore(media)
        self._fetch = fetch
        self._notify = notify

    async def run(self, body: Any) -> bool:
        """Process one update; True when it was applied."""
        outcome = validate_update("media", body)
        self._notify(validation_notification("media", outcome, now=utc_now()))
        if not outcome.ok:
            log.warning("media_update_rejected guid=%s error=%s", outcome.guid, outcome.error)
            return False
        if isinstance(outcome.update, MediaUpdate):
            return await self._files(outcome.update)
        assert isinstance(outcome.update, MediaFileUpdate)
        return await self._one_file(outcome.update)

    # -- GSTV's one-file message ------------------------------------------------------
    async def _one_file(self, update: MediaFileUpdate) -> bool:
        name = update.filename
        about = {"guid": update.guid, "filename": name}
        at_terminal = {**about, "siteId": self._site_id, "terminalId": self._terminal_id}
        updated_on = format_timestamp(update.updatedOn)
        held = self._store.entry(name)
        if held is not None and held.updated_on is not None and updated_on < held.updated_on:
            log.warning("media_update_stale guid=%s file=%s in_force=%s", update.guid, name,
                        held.updated_on)
            self._say("MEDIA_ACCEPTED_BY_TERMINAL", "failure", at_terminal,
                      f"Update is older than the file in force - {name}")
            return False
        if await asyncio.to_thread(self._store.md5, name) == update.checksum:
            self._say("MEDIA_DOWNLOAD", "success", about, "Already at the terminal")
            self._say("MEDIA_CHECKSUM_VALIDATION", "success", about)
            self._say("MEDIA_PULLED_BY_TERMINAL", "success", at_terminal)
            return self._accept(name, update, at_terminal, noted=True)
        checked = await self._fetch_checked(update, about)
        if checked is None:
            return False
        try:
            self._store.place(partial_path(self._media, name), name, md5=checked,
                              now_ms=int(utc_now().timestamp() * 1000),
                              updated_on=updated_on, guid=update.guid)
        except OSError as exc:
            partial_path(self._media, name).unlink(missing_ok=True)
            self._say("MEDIA_PULLED_BY_TERMINAL", "failure", at_terminal,
                      f"Could not store the file: {exc.strerror or exc}")
            return False
        self._say("MEDIA_PULLED_BY_TERMINAL", "success", at_terminal)
        return self._accept(name, update, at_terminal, noted=False)

    async def _fetch_checked(self, update: MediaFileUpdate, about: dict) -> str | None:
        """Download, and again once on an MD5 mismatch; the matching MD5, or None (the
        failure notified)."""
        name, partial = update.filename, partial_path(self._media, update.filename)
        for round_ in (1, 2):
            result = await self._fetch(name, place=False)
            if not result.ok:
                if round_ == 1:
                    self._say("MEDIA_DOWNLOAD", "failure", about, result.error)
                else:
                    self._say("MEDIA_CHECKSUM_VALIDATION", "failure", about,
                              f"Checksum does not Match - {name}; downloading it again "
                              f"failed: {result.error}")
                return None
            if round_ == 1:
                self._say("MEDIA_DOWNLOAD", "success", about)
            got = await asyncio.to_thread(md5_of, partial)
            if got == update.checksum:
                self._say("MEDIA_CHECKSUM_VALIDATION", "success", about)
                return got
            partial.unlink(missing_ok=True)  # the next attempt starts clean
            log.warning("media_checksum_mismatch file=%s round=%d expected=%s got=%s", name,
                        round_, update.checksum, got)
        self._say("MEDIA_CHECKSUM_VALIDATION", "failure", about,
                  f"Checksum does not Match - {name} (expected {update.checksum}, "
                  f"got {got})")
        return None

    def _accept(self, name: str, update: MediaFileUpdate, fields: dict, *,
                noted: bool) -> bool:
        """MEDIA_ACCEPTED_BY_TERMINAL; `noted`: the bytes were already in place, and only
        the update's `updatedOn` goes into the record."""
        try:
            if noted:
                self._store.note(name, md5=update.checksum,
                                 updated_on=format_timestamp(update.updatedOn),
                                 guid=update.guid)
        except OSError as exc:
            self._say("MEDIA_ACCEPTED_BY_TERMINAL", "failure", fields,
                      f"Could not record the file: {exc.strerror or exc}")
            return False
        self._say("MEDIA_ACCEPTED_BY_TERMINAL", "success", fields)
        log.info("media_accepted file=%s guid=%s", name, update.guid)
        return True

    # -- our list form ----------------------------------------------------------------
    async def _files(self, update: MediaUpdate) -> bool:
        ok = True
        for item in update.media:
            fields = {"guid": update.guid, "filename": item.filename,
                      "siteId": self._site_id, "terminalId": self._terminal_id}
            present = (self._media / item.filename).is_file()
            if present or (await self._fetch(item.filename)).ok:
                self._say("MEDIA_CHECK", "success", fields)
            else:
                ok = False
                self._say("MEDIA_CHECK", "failure", fields,
                          f"Video File is Missing - {item.filename}")
        return ok

    def _say(self, kind, status, fields: dict, text: str | None = None) -> None:
        self._notify(new_notification(kind, status, now=utc_now(),
                                      additionalInformation=text, **fields))
