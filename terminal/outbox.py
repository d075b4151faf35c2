"""The outbox, `state_dir/outbox.db`: the one place its SQL is written.

SQLite in WAL mode with `synchronous=FULL`, shared by the terminal's processes: the
player writes POP records, the agent queues notifications and marks what the cloud
acknowledged, rigs and benchmarks read counts. Every write is its own durable
transaction.

POP records:
- A record is written when an asset appears on screen (start, no end), its progress
  mark moves forward while it stays on screen, and its end is written when it leaves.
- After a kill -9 or a power cut, `recover()` closes each unfinished record at its
  progress mark: the last moment the player knew the asset was showing. Nothing is lost
  that was committed, and nothing is invented beyond what was seen.
- A record is marked sent (`sent_ms`) only after the cloud acknowledged it; until then
  it is sent again (at least once: `recordId` lets the cloud drop duplicates). Only
  finished records are sent: an open one still grows. The player never deletes.

Notifications and bounds (the agent's side):
- Oldest first, by when they happened (POP by start, notifications by creation).
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
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_UNSENT_ROWS = 2_000_000  # about 2 years of one screen's POP
KEEP_SENT_DAYS = 7
MAX_HELD = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS pop (
    record_id    TEXT PRIMARY KEY,
    filename     TEXT NOT NULL,
    asset_id     TEXT NOT NULL,
    ti_number    TEXT,
    start_ms     INTEGER NOT NULL,
    progress_ms  INTEGER NOT NULL,
    end_ms       INTEGER,
    screen_state TEXT NOT NULL,
    site_id      TEXT NOT NULL,
    screen_id    TEXT NOT NULL,
    sent_ms      INTEGER
);
CREATE INDEX IF NOT EXISTS pop_unsent ON pop (sent_ms, end_ms, start_ms);
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


@dataclass(frozen=True)
class PopRow:
    record_id: str
    filename: str
    asset_id: str
    ti_number: str | None
    start_ms: int
    progress_ms: int
    end_ms: int | None
    screen_state: str
    site_id: str
    screen_id: str
    sent_ms: int | None = None


def connect(path: Path) -> sqlite3.Connection:
    """One connection per thread; every write is its own durable transaction."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=True)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(SCHEMA)
    return db


class Outbox:
    def __init__(self, path: Path, *, max_unsent: int = MAX_UNSENT_ROWS) -> None:
        self._db = connect(path)
        self._max_unsent = max_unsent
        self._held: list[tuple[dict[str, Any], int]] = []  # not stored yet: a full disk

    def close(self) -> None:
        if not self.store_held():
            log.error("notifications_lost count=%d reason=disk_full_at_exit", len(self._held))
        self._db.close()

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

    # -- POP: the player's writes ---------------------------------------------------------
    def open_record(
        self, *, filename: str, asset_id: str, ti_number: str | None, start_ms: int,
        screen_state: str, site_id: str, screen_id: str, record_id: str | None = None,
    ) -> str:
        record_id = record_id or str(uuid.uuid4())
        self._db.execute(
            "INSERT INTO pop (record_id, filename, asset_id, ti_number, start_ms, progress_ms,"
            " screen_state, site_id, screen_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record_id, filename, asset_id, ti_number, start_ms, start_ms, screen_state,
             site_id, screen_id),
        )
        return record_id

    def mark_progress(self, record_id: str, at_ms: int) -> None:
        self._db.execute(
            "UPDATE pop SET progress_ms = max(progress_ms, ?) WHERE record_id = ? "
            "AND end_ms IS NULL", (at_ms, record_id),
        )

    def close_record(self, record_id: str, end_ms: int) -> None:
        self._db.execute(
            "UPDATE pop SET end_ms = max(?, start_ms), progress_ms = max(progress_ms, ?) "
            "WHERE record_id = ? AND end_ms IS NULL", (end_ms, end_ms, record_id),
        )

    def recover(self) -> int:
        """Close every record left open by a crash at its progress mark; how many."""
        cursor = self._db.execute("UPDATE pop SET end_ms = progress_ms WHERE end_ms IS NULL")
        return cursor.rowcount

    def add_finished(self, rows: Iterable[PopRow]) -> None:
        """Finished records in one transaction (benchmarks and tests fill an outbox this
        way: a player writes them one by one over weeks)."""
        with self._transaction():
            self._db.executemany(
                f"INSERT INTO pop ({_POP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((r.record_id, r.filename, r.asset_id, r.ti_number, r.start_ms,
                  r.progress_ms, r.end_ms, r.screen_state, r.site_id, r.screen_id, r.sent_ms)
                 for r in rows))

    # -- POP: reads and the agent's delivery ----------------------------------------------
    def pending_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM pop WHERE sent_ms IS NULL").fetchone()[0]

    unsent_pop_count = pending_count

    def rows(self) -> list[PopRow]:
        cursor = self._db.execute(
            f"SELECT {_POP_COLUMNS} FROM pop ORDER BY start_ms, rowid")
        return [PopRow(*row) for row in cursor]

    def unsent_pop(self, limit: int) -> list[PopRow]:
        cursor = self._db.execute(
            f"SELECT {_POP_COLUMNS} FROM pop WHERE sent_ms IS NULL AND end_ms IS NOT NULL "
            "ORDER BY start_ms, rowid LIMIT ?", (limit,))
        return [PopRow(*row) for row in cursor]

    def mark_pop_sent(self, record_ids: list[str], at_ms: int) -> None:
        with self._transaction():
            self._db.executemany("UPDATE pop SET sent_ms = ? WHERE record_id = ?",
                                 [(at_ms, record_id) for record_id in record_ids])

    def integrity(self) -> str:
        """`PRAGMA integrity_check`: "ok", or what is wrong."""
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    # -- notifications ----------------------------------------------------------------------
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


def delivery_counts(path: Path) -> dict[str, int]:
    """POP records (all, finished, sent, pending) and notifications pending, read
    without writing (a rig watching a running terminal's outbox). Zeros when there is
    none, or when it cannot be read now."""
    counts = {"records": 0, "finished": 0, "sent": 0, "pending": 0,
              "notifications_pending": 0}
    if not path.exists():
        return counts
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        records, finished, sent = db.execute(
            "SELECT count(*), count(end_ms), count(sent_ms) FROM pop").fetchone()
        has_notes = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'notifications'"
                               ).fetchone() is not None
        notes = db.execute("SELECT count(*) FROM notifications WHERE sent_ms IS NULL"
                           ).fetchone()[0] if has_notes else 0
    except sqlite3.Error:
        return counts
    finally:
        db.close()
    return {"records": records, "finished": finished, "sent": sent,
            "pending": finished - sent, "notifications_pending": notes}
