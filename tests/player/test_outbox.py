"""The POP outbox, and its recovery after a real kill -9 of a running player."""

from __future__ import annotations

import time
import signal
import sqlite3

from player.outbox import Outbox
from tests.player.harness import playing_status, start_player, wait_for, write_config


def open_one(outbox: Outbox, start: int) -> str:
    return outbox.open_record(filename="a.mp4", asset_id="A1", ti_number="TI-1",
                              start_ms=start, screen_state="Full", site_id="S",
                              screen_id="T1")


def test_lifecycle_and_recovery(tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    done = open_one(outbox, 1_000)
    outbox.mark_progress(done, 1_500)
    outbox.close_record(done, 2_000)
    cut = open_one(outbox, 3_000)
    outbox.mark_progress(cut, 3_900)
    outbox.mark_progress(cut, 3_400)  # progress never moves back
    assert outbox.pending_count() == 2
    assert outbox.recover() == 1
    rows = {r.record_id: r for r in outbox.rows()}
    assert (rows[done].start_ms, rows[done].end_ms) == (1_000, 2_000)
    assert (rows[cut].start_ms, rows[cut].end_ms) == (3_000, 3_900)
    assert outbox.recover() == 0
    outbox.close_record(cut, 9_999)  # a closed record is never reopened or moved
    assert {r.record_id: r for r in outbox.rows()}[cut].end_ms == 3_900
    outbox.close()
    db = sqlite3.connect(tmp_path / "outbox.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_kill_9_leaves_records_that_are_closed_at_their_progress_mark(tmp_path):
    config_path = write_config(tmp_path)
    outbox_path = tmp_path / "state" / "outbox.db"
    player = start_player(config_path)
    try:
        wait_for(tmp_path / "status.sock")
        time.sleep(3.5)
        killed_ms = time.time() * 1000
    finally:
        player.send_signal(signal.SIGKILL)
        player.wait()
    outbox = Outbox(outbox_path)
    before = outbox.rows()
    outbox.close()
    open_rows = [r for r in before if r.end_ms is None]
    assert len(open_rows) == 1, "the asset on screen at the kill has an open record"
    assert killed_ms - 1_500 <= open_rows[0].progress_ms <= killed_ms

    # A restart closes it at its progress mark, and plays on.
    player = start_player(config_path)
    try:
        wait_for(tmp_path / "status.sock")
        status = playing_status(config_path)
    finally:
        player.send_signal(signal.SIGTERM)
    assert player.wait(timeout=15) == 0
    log = (tmp_path / "player.log").read_text()
    assert "pop_recovered_after_crash records=1" in log
    assert status["state"] == "playing" and status["outbox_pending"] >= len(before)
    outbox = Outbox(outbox_path)
    after = {r.record_id: r for r in outbox.rows()}
    outbox.close()
    recovered = after[open_rows[0].record_id]
    assert recovered.end_ms == open_rows[0].progress_ms
    assert all(r.end_ms is not None for r in after.values())  # SIGTERM closed the last one
    db = sqlite3.connect(outbox_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
