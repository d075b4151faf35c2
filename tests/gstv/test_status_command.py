"""`gstv status` against a real running player, and without one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests import processes
from tests.player.harness import GSTV, playing_status, start_player, wait_for, write_config

ROOT = Path(__file__).resolve().parents[2]


def test_status_command_renders_a_table(tmp_path, procs):
    config_path = write_config(tmp_path)
    start_player(procs, config_path)
    wait_for(tmp_path / "status.sock")
    playing_status(config_path)
    proc = processes.run([str(GSTV), "status", "--config", str(config_path)],
                         capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "SITE-0042 / T1" in proc.stdout and "now playing" in proc.stdout
    assert "NOT trusted" in proc.stdout  # no NTP yet: the player says it runs on system time
    assert "alone (a site of one)" in proc.stdout  # no [sync] peers
    assert "default (shutdownHours 0, 0 evergreen files)" in proc.stdout  # none staged
    assert ("three.mp4" in proc.stdout) or ("two.mp4" in proc.stdout)


def test_status_without_a_player_says_so(tmp_path):
    config_path = write_config(tmp_path)
    proc = processes.run([str(GSTV), "status", "--config", str(config_path)],
                         capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "not answering" in proc.stderr


def test_status_reports_the_staged_network_configuration(tmp_path, procs):
    config_path = write_config(tmp_path)
    sample = ROOT / "assets/samples/network.json"
    shutil.copy(sample, tmp_path / "state/active/network.json")
    start_player(procs, config_path)
    status = playing_status(config_path)
    guid = json.loads(sample.read_text())["guid"]
    assert status["network"] == {"version": f"{guid}@2026-11-22 23:05:00.000",
                                 "shutdown_hours": 72.0, "evergreen": ["gstv-weather.mp4"]}
    proc = processes.run([str(GSTV), "status", "--config", str(config_path)],
                         capture_output=True, text=True, timeout=60)
    assert f"{guid}@2026-11-22 23:05:00.000 (shutdownHours 72, 1 evergreen file)" in proc.stdout


def test_status_says_why_a_halted_screen_is_dark_and_the_journal_says_it_once(tmp_path, procs):
    """A site whose agent last reached the cloud three hours ago, with one shutdown
    hour: the real player halts at once, and says so (GSTV's case 104)."""
    import time

    from sync_agent.staging import stage_atomically
    from terminal.cloud_contact import CONTACT_FILE, contact_record

    config_path = write_config(tmp_path)
    message = json.loads((ROOT / "assets/samples/network.json").read_text())
    message["configuration"][0]["shutdownHours"] = 1
    (tmp_path / "state/active/network.json").write_text(json.dumps(message))
    last = int(time.time() * 1000) - 3 * 3_600_000
    stage_atomically(tmp_path / "state/agent" / CONTACT_FILE, contact_record(last))
    start_player(procs, config_path)
    wait_for(tmp_path / "status.sock")
    deadline = time.monotonic() + 30
    while True:
        proc = processes.run([str(GSTV), "status", "--config", str(config_path), "--json"],
                             capture_output=True, text=True, timeout=60)
        status = json.loads(proc.stdout) if proc.returncode == 0 else {}
        if status.get("halted"):
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.2)
    assert status["state"] == "halted" and status["halted"]["reason"] == "offline"
    assert status["now_playing"]["kind"] == "halted" and status["now_playing"]["file"] is None
    time.sleep(6)  # a few halted slots
    table = processes.run([str(GSTV), "status", "--config", str(config_path)],
                          capture_output=True, text=True, timeout=60).stdout
    assert f"HALTED, the site has been offline since {status['halted']['since']}" in table
    journal = (tmp_path / "player.log").read_text()
    assert journal.count("<4>playback_halted reason=offline since=") == 1, journal
    assert "slot_start kind=asset" not in journal  # nothing played: halted from the start
