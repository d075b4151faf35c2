"""The proof-of-play outbox: `state_dir/outbox.db`, SQLite in WAL mode with
`synchronous=FULL`, shared with the agent that uploads it.

A record is written when an asset appears on screen (start, no end), its progress mark
is moved forward while it stays on screen, and its end is written when it leaves.
After a kill -9 or a power cut, `recover()` closes each unfinished record at its
progress mark: the last moment the player knew the asset was showing. Nothing is lost
that was committed, and nothing is invented beyond what was seen.

The agent marks records sent (`sent_ms`) after the cloud acknowledged them; the player
never deletes anything.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

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
"""


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
    sent_ms: int | None


def connect(path: Path) -> sqlite3.Connection:
    """One connection per thread; every write is its own durable transaction."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=True)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(SCHEMA)
    return db


class Outbox:
    def __init__(self, path: Path) -> None:
        self._db = connect(path)

    def close(self) -> None:
        self._db.close()

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

    def pending_count(self) -> int:
        return self._db.execute("SELECT count(*) FROM pop WHERE sent_ms IS NULL").fetchone()[0]

    def rows(self) -> list[PopRow]:
        cursor = self._db.execute(
            "SELECT record_id, filename, asset_id, ti_number, start_ms, progress_ms, end_ms,"
            " screen_state, site_id, screen_id, sent_ms FROM pop ORDER BY start_ms, rowid"
        )
        return [PopRow(*row) for row in cursor]
