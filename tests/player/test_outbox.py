"""The POP outbox, and its recovery after a real kill -9 of a running player."""

from __future__ import annotations

import time
import signal
import sqlite3

from terminal.outbox import Outbox
from tests.player.harness import playing_status, start_player, write_config
from tests.waits import STOP_S


def test_kill_9_leaves_records_that_are_closed_at_their_progress_mark(tmp_path, procs):
    config_path = write_config(tmp_path)
    outbox_path = tmp_path / "state" / "outbox.db"
    player = start_player(procs, config_path)
    playing_status(config_path)
    time.sleep(3.5)
    killed_ms = time.time() * 1000
    player.send_signal(signal.SIGKILL)
    player.wait()
    outbox = Outbox(outbox_path)
    before = outbox.rows()
    outbox.close()
    open_rows = [r for r in before if r.end_ms is None]
    assert len(open_rows) == 1, "the asset on screen at the kill has an open record"
    assert killed_ms - 1_500 <= open_rows[0].progress_ms <= killed_ms

    # A restart closes it at its progress mark, and plays on.
    player = start_player(procs, config_path)
    status = playing_status(config_path)
    player.send_signal(signal.SIGTERM)
    assert player.wait(timeout=STOP_S) == 0
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
