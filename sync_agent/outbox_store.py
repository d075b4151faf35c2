"""The agent's side of `state_dir/outbox.db`: POP records the player wrote, to be sent,
and the notifications the terminal owes the cloud (the agent's own; the player adds
its own the same way).

Decisions:
- Oldest first, by when they happened (POP by start, notifications by creation).
- A record is marked sent only after the cloud acknowledged it; until then it is sent
  again (at least once; `recordId` / `id` let the cloud drop duplicates).
- Only finished POP records are sent: an open one still grows.
- The outbox is capped (`MAX_UNSENT_ROWS` unsent rows per table): past it, the oldest
  unsent rows are evicted, and every eviction is logged and counted in `evictions`
  (table), never silent. Sent rows are kept `KEEP_SENT_DAYS` for technicians, then
  deleted.
- A full disk (found by bench/reliability.py, disk_full): a notification that cannot
  be stored is held in memory (up to `MAX_HELD`) and stored with the next one that can
  be, logged (`notification_held`); a transaction that fails is rolled back so the next
  one can start. Writes raise `sqlite3.Error` to the caller otherwise.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from player.outbox import PopRow, connect

log = logging.getLogger(__name__)

MAX_UNSENT_ROWS = 2_000_000  # about 2 years of one screen's POP
KEEP_SENT_DAYS = 7
MAX_HELD = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    id         TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    body       TEXT NOT NULL,
    sent_ms    INTEGER
);
CREATE INDEX IF NOT EXISTS notifications_unsent ON notifications (sent_ms, created_ms);
CREATE TABLE IF NOT EXISTS evictions (
    at_ms    INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    count    INTEGER NOT NULL
);
"""

_POP_COLUMNS = ("record_id, filename, asset_id, ti_number, start_ms, progress_ms, end_ms,"
                " screen_state, site_id, screen_id, sent_ms")


class OutboxStore:
    def __init__(self, path: Path, *, max_unsent: int = MAX_UNSENT_ROWS) -> None:
        self._db: sqlite3.Connection = connect(path)
        self._db.executescript(SCHEMA)
        self._max_unsent = max_unsent
        self._held: list[tuple[dict[str, Any], int]] = []  # not stored yet: a full disk

    def close(self) -> None:
        if not self.store_held():
            log.error("notifications_lost count=%d reason=disk_full_at_exit", len(self._held))
        self._db.close()

    # -- POP ----------------------------------------------------------------------------
    def unsent_pop(self, limit: int) -> list[PopRow]:
        cursor = self._db.execute(
            f"SELECT {_POP_COLUMNS} FROM pop WHERE sent_ms IS NULL AND end_ms IS NOT NULL "
            "ORDER BY start_ms, rowid LIMIT ?", (limit,))
        return [PopRow(*row) for row in cursor]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN")
        try:
            yield
            self._db.execute("COMMIT")  # on a full disk the commit is what fails
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def mark_pop_sent(self, record_ids: list[str], at_ms: int) -> None:
        with self._transaction():
            self._db.executemany("UPDATE pop SET sent_ms = ? WHERE record_id = ?",
                                 [(at_ms, record_id) for record_id in record_ids])

    def unsent_pop_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM pop WHERE sent_ms IS NULL").fetchone()[0]

    # -- notifications --------------------------------------------------------------------
    def queue_notification(self, notification: dict[str, Any], at_ms: int) -> None:
        self._held.append((notification, at_ms))
        self.store_held()

    def store_held(self) -> bool:
        """Store the notifications held back by a full disk; True when none is left."""
        while self._held:
            notification, at_ms = self._held[0]
            try:
                self._db.execute("INSERT OR IGNORE INTO notifications (id, created_ms, body) "
                                 "VALUES (?, ?, ?)", (notification["id"], at_ms,
                                                      json.dumps(notification)))
            except sqlite3.Error as exc:
                if len(self._held) > MAX_HELD:
                    dropped = self._held.pop(0)[0]
                    log.error("notification_dropped type=%s reason=held_too_long",
                              dropped.get("notificationType"))
                log.error("notification_held held=%d error=%s", len(self._held), exc)
                return False
            self._held.pop(0)
        return True

    def unsent_notifications(self, limit: int) -> list[dict[str, Any]]:
        cursor = self._db.execute("SELECT body FROM notifications WHERE sent_ms IS NULL "
                                  "ORDER BY created_ms, rowid LIMIT ?", (limit,))
        return [json.loads(body) for (body,) in cursor]

    def mark_notification_sent(self, notification_id: str, at_ms: int) -> None:
        self._db.execute("UPDATE notifications SET sent_ms = ? WHERE id = ?",
                         (at_ms, notification_id))

    # -- keeping it bounded ---------------------------------------------------------------
    def enforce_cap(self, now_ms: int | None = None) -> int:
        """Evict the oldest unsent rows beyond the cap, delete old sent ones; how many
        unsent rows were evicted (logged and recorded in `evictions`)."""
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        evicted = 0
        for table, order in (("pop", "start_ms"), ("notifications", "created_ms")):
            excess = self._db.execute(f"SELECT count(*) FROM {table} WHERE sent_ms IS NULL"
                                      ).fetchone()[0] - self._max_unsent
            if excess > 0:
                with self._transaction():
                    self._db.execute(
                        f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} "
                        f"WHERE sent_ms IS NULL ORDER BY {order}, rowid LIMIT ?)", (excess,))
                    self._db.execute("INSERT INTO evictions VALUES (?, ?, ?)",
                                     (now_ms, table, excess))
                log.error("outbox_evicted kind=%s count=%d cap=%d reason=outbox_full",
                          table, excess, self._max_unsent)
                evicted += excess
            self._db.execute(f"DELETE FROM {table} WHERE sent_ms IS NOT NULL AND sent_ms < ?",
                             (now_ms - KEEP_SENT_DAYS * 86_400_000,))
        return evicted

    def evicted_total(self) -> int:
        return self._db.execute("SELECT coalesce(sum(count), 0) FROM evictions").fetchone()[0]
