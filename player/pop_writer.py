"""Proof-of-play writes off the real-time loop.

Each write is a durable SQLite transaction (an fsync, a few ms, more on a busy flash
disk); the slot loop must never wait for one at a slot boundary. Writes go, in order,
to one thread that owns the outbox connection. Record ids are chosen here, before the
write, so the caller never waits for the database to learn one.

A write that fails (a full disk) is counted and logged, never raised into playback.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from terminal.outbox import Outbox

log = logging.getLogger(__name__)


class PopWriter:
    def __init__(self, path: Path, *, site_id: str, screen_id: str) -> None:
        self._site_id = site_id
        self._screen_id = screen_id
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pop-writer")
        self._outbox: Outbox | None = None
        self.failed_writes = 0
        self._submit(self._open, path).result()  # fail at start-up, not at the first slot

    def _open(self, path: Path) -> None:
        self._outbox = Outbox(path)

    def recover(self) -> int:
        return self._submit(lambda: self._outbox.recover()).result()

    def begin(self, *, filename: str, asset_id: str, ti_number: str | None, start_ms: int,
              screen_state: str) -> str:
        record_id = str(uuid.uuid4())
        self._submit(lambda: self._outbox.open_record(
            filename=filename, asset_id=asset_id, ti_number=ti_number, start_ms=start_ms,
            screen_state=screen_state, site_id=self._site_id, screen_id=self._screen_id,
            record_id=record_id))
        return record_id

    def progress(self, record_id: str, at_ms: int) -> None:
        self._submit(lambda: self._outbox.mark_progress(record_id, at_ms))

    def end(self, record_id: str, end_ms: int) -> None:
        self._submit(lambda: self._outbox.close_record(record_id, end_ms))

    def pending_count(self) -> Future:
        return self._submit(lambda: self._outbox.pending_count())

    def close(self) -> None:
        """Finish every queued write, then close the database."""
        self._submit(lambda: self._outbox.close()).result()
        self._executor.shutdown(wait=True)

    def _submit(self, fn, *args: Any) -> Future:
        future = self._executor.submit(fn, *args)
        future.add_done_callback(self._report)
        return future

    def _report(self, future: Future) -> None:
        error = future.exception()
        if isinstance(error, sqlite3.Error):
            self.failed_writes += 1
            log.error("pop_write_failed error=%s failed_total=%d", error, self.failed_writes)
        elif error is not None:
            log.error("pop_writer_error error=%r", error)
