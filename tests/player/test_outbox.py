"""The POP outbox, and its recovery after a real kill -9 of a running player."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from player.outbox import Outbox
from tests.player.harness import asset, stage, terminal_config

GSTV = Path(sys.executable).parent / "gstv"


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


def write_config(tmp_path: Path) -> Path:
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3"), asset("two.mp4", "A2")])
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    return path


def start_player(config_path: Path) -> subprocess.Popen:
    """`gstv player` with its log appended to `player.log` beside the config."""
    with open(config_path.parent / "player.log", "ab") as log:
        return subprocess.Popen([str(GSTV), "player", "--config", str(config_path)],
                                stdout=subprocess.DEVNULL, stderr=log)


def wait_for(path: Path, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


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


def playing_status(config_path: Path, timeout_s: float = 10) -> dict:
    """`gstv status --json` once the player has started playing."""
    deadline = time.monotonic() + timeout_s
    while True:
        proc = subprocess.run([str(GSTV), "status", "--config", str(config_path), "--json"],
                              capture_output=True, text=True, timeout=30)
        # Not answering yet (a stale socket of the killed player) counts as not playing.
        status = json.loads(proc.stdout) if proc.returncode == 0 else {"state": None}
        if status["state"] == "playing":
            return status
        assert time.monotonic() < deadline, f"never playing: {status} {proc.stderr}"
        time.sleep(0.2)


def test_status_command_renders_a_table(tmp_path):
    config_path = write_config(tmp_path)
    player = start_player(config_path)
    try:
        wait_for(tmp_path / "status.sock")
        playing_status(config_path)
        proc = subprocess.run([str(GSTV), "status", "--config", str(config_path)],
                              capture_output=True, text=True, timeout=30)
    finally:
        player.send_signal(signal.SIGTERM)
        player.wait(timeout=15)
    assert proc.returncode == 0, proc.stderr
    assert "SITE-0042 / T1" in proc.stdout and "now playing" in proc.stdout
    assert "NOT trusted" in proc.stdout  # no NTP yet: the player says it runs on system time
    assert "alone (a site of one)" in proc.stdout  # no [sync] peers
    assert ("three.mp4" in proc.stdout) or ("two.mp4" in proc.stdout)


def test_status_without_a_player_says_so(tmp_path):
    config_path = write_config(tmp_path)
    proc = subprocess.run([str(GSTV), "status", "--config", str(config_path)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "not answering" in proc.stderr
