"""`gstv agent`'s work: take updates from the cloud feed and the drop folder, process
them one at a time in the seed's order, and deliver what the terminal owes the cloud.

Kinds: each follows its procedure: playlist (sync_agent.playlist_procedure), site
configuration (sync_agent.configuration_procedure), network configuration
(sync_agent.network_procedure), media in either form (sync_agent.media_procedure). A
message of no known kind (from the drop folder) is logged and dropped
(`update_unknown_kind`): no notification fits it.

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

import asyncio
import logging
import time
from datetime import UTC, date
from typing import Any, TextIO

import httpx

from scheduler.notifications import Notification
from sync_agent.configuration_procedure import ConfigurationProcedure
from sync_agent.delivery import Delivery
from sync_agent.download_progress import DownloadProgress
from sync_agent.intake import CloudPoller, Inbox
from sync_agent.media_cleanup import MediaCleaner
from sync_agent.media_download import download
from sync_agent.media_procedure import MediaProcedure
from sync_agent.network_procedure import NetworkProcedure
from sync_agent.playlist_procedure import PlaylistProcedure
from sync_agent.staged import utc_now
from sync_agent.staging import stage_atomically
from sync_agent.update_queue import UpdateQueue
from terminal.cloud_contact import CONTACT_FILE, contact_record
from terminal.config import TerminalConfig
from terminal.notify import notify
from terminal.outbox import Outbox

log = logging.getLogger(__name__)

CONTACT_EVERY_S = 10  # the cloud-contact record is rewritten at most this often


class Agent:
    def __init__(self, config: TerminalConfig, client: httpx.AsyncClient, *,
                 tty: TextIO | None = None) -> None:
        self._config = config
        self._client = client
        self.store = Outbox(config.outbox_path)
        self.queue = UpdateQueue(config.agent_dir / "queue")
        self.poller = CloudPoller(client, config.site_id, self.queue,
                                  config.agent_dir / "cursor")
        self.inbox = Inbox(config.inbox, config.media, self.queue)
        self.delivery = Delivery(self.store, client, site_id=config.site_id,
                                 terminal_id=config.terminal_id,
                                 pop_tz=config.tz if config.agent.pop_time == "local" else UTC,
                                 on_contact=self._contact)
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
        self._network = NetworkProcedure(
            site_id=config.site_id, terminal_id=config.terminal_id,
            active_dir=config.active_dir, media=config.media, fetch=fetch,
            notify=self._notify)
        self._media = MediaProcedure(
            site_id=config.site_id, terminal_id=config.terminal_id, media=config.media,
            fetch=fetch, notify=self._notify)
        self.failures = 0  # updates rejected or not fully applied in this run
        self._contacted = float("-inf")  # wall-clock s of the contact last recorded

    def close(self) -> None:
        self.store.close()

    # -- the two ways to run ---------------------------------------------------------------
    async def once(self) -> bool:
        """One poll of the cloud and one look at the drop folder, every queued update
        processed, unreferenced media swept, everything owed delivered; whether all of
        that succeeded (nothing is lost otherwise: the queue and the outbox keep it)."""
        polled = await self._poll()
        await self.process_queue()
        self.clean_media()
        delivered = await self.delivery.deliver_once()
        ok = polled is not None and self.failures == 0 and delivered
        log.info("agent_once ok=%s failures=%d pending_pop=%d", ok, self.failures,
                 self.store.unsent_pop_count())
        return ok

    async def run(self, stop: asyncio.Event) -> None:
        """The same until `stop`: polling every `[agent] poll_interval_s`, waking at once
        for the drop folder, delivering with backoff alongside."""
        wake = asyncio.Event()
        self.inbox.watch(asyncio.get_running_loop(), wake)
        delivery = asyncio.create_task(self.delivery.run(stop))
        notify("READY=1", "STATUS=running")
        log.info("agent_started site=%s terminal=%s cloud_host=%s", self._config.site_id,
                 self._config.terminal_id, httpx.URL(self._config.agent.cloud_url).host)
        try:
            while not stop.is_set():
                await self._poll()
                wake.clear()
                await self.process_queue()
                self.clean_media()
                waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())]
                await asyncio.wait(waiters, timeout=self._config.agent.poll_interval_s,
                                   return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            self.inbox.stop()
            stop.set()
            await delivery
            log.info("agent_stopped")

    async def _poll(self) -> int | None:
        polled = await self.poller.poll_once()
        if polled is not None:
            self._contact()
        return polled

    def _contact(self) -> None:
        """The cloud answered: a poll, a download, a delivery it accepted. Recorded as
        the last contact (terminal.cloud_contact: what the player's halt and carry-over
        count from), at most every `CONTACT_EVERY_S`. Not the poll alone: polls wait
        behind the update being processed, and a long download must not make an online
        site count as offline."""
        now = time.time()
        if now - self._contacted < CONTACT_EVERY_S:
            return
        try:
            stage_atomically(self._config.agent_dir / CONTACT_FILE,
                             contact_record(int(now * 1000)), durable=False)
            self._contacted = now
        except OSError as exc:
            log.error("cloud_contact_not_recorded error=%s", exc.strerror or exc)

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
        if kind == "network":
            return await self._network.run(body)
        if kind == "media":
            return await self._media.run(body)
        log.error("update_unknown_kind body_type=%s", type(body).__name__)
        return False

    def clean_media(self, now_s: float | None = None) -> list[str]:
        return self.cleaner.run(self.queue.bodies(),
                                time.time() if now_s is None else now_s)

    async def _fetch(self, name: str, *, place: bool = True):
        try:
            fetched = await download(self._client, self._config.media, name,
                                     progress=self.progress, place=place)
            if fetched.ok:
                self._contact()
            return fetched
        finally:
            self.progress.finished(name)

    def _notify(self, notification: Notification) -> None:
        self.store.queue_notification(notification.to_json(),
                                      int(utc_now().timestamp() * 1000))

    def _today(self) -> date:
        return utc_now().astimezone(self._config.tz).date()
