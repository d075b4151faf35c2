"""Outbound delivery: POP records and notifications from the outbox to the cloud, at
least once, oldest first, retried forever with capped exponential backoff and jitter.

- POP goes in batches of `POP_BATCH` (`POST /pop`); the batch is marked sent only when
  the cloud answered 2xx. Notifications go one by one (`POST /notifications`), each
  marked sent on its 2xx.
- After `POP_FAILURES_BEFORE_NOTICE` failed attempts in a row at the same POP batch,
  the terminal queues the "Failed to post POP" notification (type `POP_DELIVERY`,
  status failure: seed 002 leaves the type "TBD"; ours is documented in
  scheduler.notifications), once per streak of failures, and keeps retrying. Both then
  go out as soon as the cloud answers again.
- POP timestamps go in the site's local time (`[agent] pop_time = "local"`, the
  default: GSTV's later POP document says local time, and dayparts are sold in it), or
  in UTC (`"utc"`), in the seed's form `yyyy-mm-dd HH:MM:SS`. The outbox keeps its
  instants as epoch milliseconds; only the uploaded form depends on the setting. In
  the hour a DST change repeats, two local times may read the same: `recordId` and
  the upload order still tell the records apart.
- A 4xx other than 408/429 means the cloud will never take that payload as it is; it
  is still retried (never dropped: the record is proof of something shown), with the
  same backoff, and logged as `pop_rejected` so a technician sees it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo

import httpx

from scheduler.notifications import new_notification
from scheduler.pop import PopRecord
from sync_agent.backoff import retry_delay
from terminal.outbox import Outbox, PopRow

log = logging.getLogger(__name__)

POP_BATCH = 500
POP_FAILURES_BEFORE_NOTICE = 3
NOTIFICATION_BATCH = 100


def pop_json(row: PopRow, tz: tzinfo = UTC) -> dict:
    def at(ms: int) -> datetime:
        return datetime.fromtimestamp(ms / 1000, tz)

    assert row.end_ms is not None
    return PopRecord(
        recordId=row.record_id, filename=row.filename, assetId=row.asset_id,
        tiNumber=row.ti_number, startTimestamp=at(row.start_ms),
        endTimestamp=at(row.end_ms), screenState=row.screen_state, siteId=row.site_id,
        screenId=row.screen_id).to_json()


class Delivery:
    def __init__(self, store: Outbox, client: httpx.AsyncClient, *, site_id: str,
                 terminal_id: str, rng: random.Random | None = None,
                 now_ms: Callable[[], int] = lambda: int(time.time() * 1000),
                 pop_tz: tzinfo = UTC, on_contact: Callable[[], None] = lambda: None) -> None:
        self._store = store
        self._on_contact = on_contact  # the cloud answered (terminal.cloud_contact)
        self._pop_tz = pop_tz  # the zone POP timestamps are written in
        self._client = client
        self._site_id = site_id
        self._terminal_id = terminal_id
        self._rng = rng or random.Random()
        self._now_ms = now_ms
        self.pop_failures = 0  # failed attempts in a row
        self._noticed = False  # the "Failed to post POP" notification of this streak
        self.sent_pop = 0
        self.sent_notifications = 0

    async def deliver_once(self) -> bool:
        """Send everything pending now; True when all of it was acknowledged."""
        try:
            self._store.store_held()
            self._store.enforce_cap(self._now_ms())
            return await self._send_notifications() & await self._send_pop()
        except sqlite3.Error as exc:
            # A full disk: what was sent but not marked goes again (the cloud drops
            # the duplicates); nothing is lost, and the next round tries again.
            log.error("outbox_write_failed error=%s", exc)
            return False

    async def run(self, stop: asyncio.Event, *, idle_s: float = 5.0,
                  pause: Callable[[float], Awaitable[None]] | None = None) -> None:
        """Deliver until `stop`, backing off after failures. `pause(seconds)` waits
        between rounds; by default for that long or until `stop`. A simulation passes
        its own, which moves simulated time instead (bench/reliability.py: an hour
        without the cloud in seconds)."""
        attempt = 0
        while not stop.is_set():
            ok = await self.deliver_once()
            attempt = 0 if ok else attempt + 1
            wait = idle_s if ok else retry_delay(attempt, rng=self._rng)
            if pause is not None:
                await pause(wait)
                continue
            try:
                await asyncio.wait_for(stop.wait(), wait)
            except TimeoutError:
                pass

    async def _send_pop(self) -> bool:
        while rows := self._store.unsent_pop(POP_BATCH):
            if not await self._post("/pop", [pop_json(row, self._pop_tz) for row in rows], kind="pop"):
                self.pop_failures += 1
                if self.pop_failures >= POP_FAILURES_BEFORE_NOTICE and not self._noticed:
                    self._noticed = True
                    now = datetime.fromtimestamp(self._now_ms() / 1000, UTC)
                    notice = new_notification(
                        "POP_DELIVERY", "failure", now=now, siteId=self._site_id,
                        terminalId=self._terminal_id, additionalInformation="Failed to post POP")
                    self._store.queue_notification(notice.to_json(), self._now_ms())
                    log.error("pop_delivery_failing attempts=%d pending=%d", self.pop_failures,
                              self._store.unsent_pop_count())
                return False
            if self.pop_failures:
                log.info("pop_delivery_recovered after_attempts=%d", self.pop_failures)
            self.pop_failures, self._noticed = 0, False
            self._store.mark_pop_sent([row.record_id for row in rows], self._now_ms())
            self.sent_pop += len(rows)
        return True

    async def _send_notifications(self) -> bool:
        while pending := self._store.unsent_notifications(NOTIFICATION_BATCH):
            for notification in pending:
                if not await self._post("/notifications", notification, kind="notification"):
                    return False
                self._store.mark_notification_sent(notification["id"], self._now_ms())
                self.sent_notifications += 1
        return True

    async def _post(self, path: str, payload: object, *, kind: str) -> bool:
        try:
            response = await self._client.post(path, json=payload)
        except httpx.HTTPError as exc:
            log.warning("%s_delivery_failed error=%s", kind, type(exc).__name__)
            return False
        if response.is_success:
            self._on_contact()
            return True
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            log.error("%s_rejected status=%d", kind, response.status_code)
        else:
            log.warning("%s_delivery_failed status=%d", kind, response.status_code)
        return False
