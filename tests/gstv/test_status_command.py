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
