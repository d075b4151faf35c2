"""`gstv status` against a real running player, and without one."""

from __future__ import annotations

import signal
import subprocess

from tests.player.harness import GSTV, playing_status, start_player, wait_for, write_config


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
