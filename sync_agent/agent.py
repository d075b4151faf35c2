"""`gstv agent`'s work: take updates from the cloud feed and the drop folder, process
them one at a time in the seed's order, and deliver what the terminal owes the cloud.

Kinds: playlist and configuration updates follow their procedures
(sync_agent.playlist_procedure, sync_agent.configuration_procedure). A media update
(scheduler.media) lists files the site should hold: each missing one is downloaded
(three attempts), with one MEDIA_CHECK notification per file, success or "Video File
is Missing - {filename}". A message of no known kind (from the drop folder) is logged
and dropped (`update_unknown_kind`): no seed notification fits it.

The drop folder is looked at again before each update is taken, so a configuration
or media update dropped while a long playlist is being processed goes next, ahead of
playlists queued earlier (the order of update_queue), and the playlist in progress
completes first.

A procedure cut short by a crash runs again from its first step on restart (the
update is still queued): the cloud may then see that update's first notifications
twice, the outcome once. Downloads resume where they were (media_download).

After each round, media nothing references any more are swept (media_cleanup), and
downloads report their progress (download_progress).
"""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any, TextIO

import httpx

from player.config import TerminalConfig
from scheduler.media import MediaUpdate
from scheduler.notifications import Notification, new_notification
from scheduler.validation import validate_update
from sync_agent.configuration_procedure import ConfigurationProcedure
from sync_agent.delivery import Delivery
from sync_agent.download_progress import DownloadProgress
from sync_agent.intake import CloudPoller, Inbox
from sync_agent.media_cleanup import MediaCleaner
from sync_agent.media_download import download
from sync_agent.outbox_store import OutboxStore
from sync_agent.playlist_procedure import PlaylistProcedure
from sync_agent.staged import utc_now
from sync_agent.update_queue import UpdateQueue

log = logging.getLogger(__name__)


class Agent:
    def __init__(self, config: TerminalConfig, client: httpx.AsyncClient, *,
                 tty: TextIO | None = None) -> None:
        self._config = config
        self._client = client
        self.store = OutboxStore(config.outbox_path)
        self.queue = UpdateQueue(config.agent_dir / "queue")
        self.poller = CloudPoller(client, config.site_id, self.queue,
                                  config.agent_dir / "cursor")
        self.inbox = Inbox(config.inbox, config.media, self.queue)
        self.delivery = Delivery(self.store, client, site_id=config.site_id,
                                 terminal_id=config.terminal_id)
        self.progress = DownloadProgress(config.agent_dir / "status.json", tty=tty)
        self.cleaner = MediaCleaner(config.media, config.active_dir,
                                    config.agent_dir / "unreferenced.json",
                                    grace_s=config.agent.media_grace_h * 3600)
        fetch = self._fetch
        self._playlist = PlaylistProcedure(
            site_id=config.site_id, terminal_id=config.terminal_id,
            active_dir=config.active_dir, media=config.media, fetch=fetch,
            notify=self._notify, today=self._today)
        self._configuration = ConfigurationProcedure(
            site_id=config.site_id, active_dir=config.active_dir, media=config.media,
            fetch=fetch, notify=self._notify)
        self.failures = 0  # updates rejected or not fully applied in this run

    def close(self) -> None:
        self.store.close()

    async def process_queue(self) -> None:
        while True:
            self.inbox.scan()
            if (item := self.queue.peek()) is None:
                return
            ok = await self._process(item.kind, item.body)
            self.failures += 0 if ok else 1
            self.queue.done(item)

    async def _process(self, kind: str, body: Any) -> bool:
        if kind == "playlist":
            return await self._playlist.run(body)
        if kind == "configuration":
            return await self._configuration.run(body)
        if kind == "media":
            return await self._media_update(body)
        log.error("update_unknown_kind body_type=%s", type(body).__name__)
        return False

    async def _media_update(self, body: Any) -> bool:
        outcome = validate_update("media", body)
        if not outcome.ok or not isinstance(outcome.update, MediaUpdate):
            log.warning("media_update_rejected error=%s", outcome.error)
            return False
        update, ok = outcome.update, True
        for item in update.media:
            present = (self._config.media / item.filename).is_file()
            if not present and not (await self._fetch(item.filename)).ok:
                ok = False
                self._notify(new_notification(
                    "MEDIA_CHECK", "failure", now=utc_now(), guid=update.guid,
                    filename=item.filename, siteId=self._config.site_id,
                    terminalId=self._config.terminal_id,
                    additionalInformation=f"Video File is Missing - {item.filename}"))
                continue
            self._notify(new_notification(
                "MEDIA_CHECK", "success", now=utc_now(), guid=update.guid,
                filename=item.filename, siteId=self._config.site_id,
                terminalId=self._config.terminal_id))
        return ok

    def clean_media(self, now_s: float | None = None) -> list[str]:
        return self.cleaner.run(self.queue.bodies(),
                                time.time() if now_s is None else now_s)

    async def _fetch(self, name: str):
        try:
            return await download(self._client, self._config.media, name,
                                  progress=self.progress)
        finally:
            self.progress.finished(name)

    def _notify(self, notification: Notification) -> None:
        self.store.queue_notification(notification.to_json(),
                                      int(utc_now().timestamp() * 1000))

    def _today(self) -> date:
        return utc_now().astimezone(self._config.tz).date()
