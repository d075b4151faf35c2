"""The network configuration procedure at the terminal (GSTV's
`upstream/configuration-network.md`), with that document's notifications.

The document splits the work between a cloud and the terminal; here the terminal does
all of its part, in this order:
1. CONFIGURATION_VALIDATION success, or failure with the document's text.
   Stale (older `updatedOn` than the network configuration in force): not applied,
   CONFIGURATION_ACCEPTED_BY_TERMINAL failure "Update is older than the network
   configuration in force" (our text; the document has none).
2. MEDIA_CHECK for each evergreen and swap file, with `siteId` and `terminalId`: present,
   or fetched now (three attempts), not when its swap falls due: success, or failure
   "Video File is Missing - {filename}". A missing file does not refuse the
   configuration (the playlist procedure's rule for missing media: the spot is
   treated as a missing file when it comes).
3. CONFIGURATION_PULLED_BY_TERMINAL: the configuration stored at the terminal, staged
   atomically as `active/network.json` beside the site configuration; failure with the
   error (a full disk).
4. CONFIGURATION_ACCEPTED_BY_TERMINAL success: the staged file reads back as valid,
   the form the player loads at its next slot boundary.

On any failure nothing is staged: the previous network configuration stays in force,
or the default (no shutdown, no swaps) when there never was one (player.content).
The site configuration keeps seed 003's notifications (CONFIGURATION_PUSH_TO_PLAYERS,
...); these names are the network document's own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from scheduler.network import NetworkUpdate
from scheduler.notifications import Notification, new_notification
from scheduler.validation import validate_update, validation_notification
from sync_agent.media_download import DownloadResult
from sync_agent.staged import in_force, utc_now
from sync_agent.staging import stage_atomically

log = logging.getLogger(__name__)

STALE_TEXT = "Update is older than the network configuration in force"
STAGED_NAME = "network.json"


class NetworkProcedure:
    def __init__(self, *, site_id: str, terminal_id: str, active_dir: Path, media: Path,
                 fetch: Callable[[str], Awaitable[DownloadResult]],
                 notify: Callable[[Notification], None]) -> None:
        self._site_id = site_id
        self._terminal_id = terminal_id
        self._active = active_dir
        self._media = media
        self._fetch = fetch
        self._notify = notify

    async def run(self, body: Any) -> bool:
        """Process one update; True when it was applied."""
        outcome = validate_update("network", body)
        self._notify(validation_notification("network", outcome, now=utc_now()))
        if not outcome.ok or not isinstance(outcome.update, NetworkUpdate):
            log.warning("network_configuration_rejected guid=%s error=%s", outcome.guid,
                        outcome.error)
            return False
        update = outcome.update
        common = {"guid": update.guid, "siteId": self._site_id,
                  "terminalId": self._terminal_id}
        current = in_force(self._active / STAGED_NAME, "network", self._site_id)
        if isinstance(current, NetworkUpdate) and update.updatedOn < current.updatedOn:
            log.warning("network_configuration_stale guid=%s", update.guid)
            self._notify(new_notification("CONFIGURATION_ACCEPTED_BY_TERMINAL", "failure",
                                          now=utc_now(), additionalInformation=STALE_TEXT,
                                          **common))
            return False
        for name in update.files():
            if (self._media / name).is_file() or (await self._fetch(name)).ok:
                self._notify(new_notification("MEDIA_CHECK", "success", now=utc_now(),
                                              filename=name, **common))
            else:
                self._notify(new_notification(
                    "MEDIA_CHECK", "failure", now=utc_now(), filename=name,
                    additionalInformation=f"Video File is Missing - {name}", **common))
        try:
            stage_atomically(self._active / STAGED_NAME,
                             json.dumps(update.to_message()).encode())
        except OSError as exc:
            self._notify(new_notification(
                "CONFIGURATION_PULLED_BY_TERMINAL", "failure", now=utc_now(),
                additionalInformation=f"Could not store the configuration: "
                                      f"{exc.strerror or exc}", **common))
            return False
        self._notify(new_notification("CONFIGURATION_PULLED_BY_TERMINAL", "success",
                                      now=utc_now(), **common))
        if in_force(self._active / STAGED_NAME, "network", self._site_id) != update:
            self._notify(new_notification(
                "CONFIGURATION_ACCEPTED_BY_TERMINAL", "failure", now=utc_now(),
                additionalInformation="The stored configuration does not read back", **common))
            return False
        self._notify(new_notification("CONFIGURATION_ACCEPTED_BY_TERMINAL", "success",
                                      now=utc_now(), **common))
        log.info("network_configuration_applied guid=%s shutdown_hours=%s evergreen=%d",
                 update.guid, update.configuration.shutdownHours,
                 len(update.configuration.evergreen))
        return True
