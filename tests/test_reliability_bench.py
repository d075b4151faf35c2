"""`bench/reliability.py --quick`: every scenario of the campaign runs against the real
programs and reports. Each must hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_quick_campaign_runs_every_scenario_and_they_hold():
    run = subprocess.run([sys.executable, str(ROOT / "bench/reliability.py"), "--quick",
                          "--no-write"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.splitlines()[-1])
    scenarios = result["scenarios"]
    assert set(scenarios) == {"player_kill", "agent_kill", "update_burst", "bad_media",
                              "payment_crash", "disk_full", "cloud_down", "hostile_cloud",
                              "leader_loss", "follower_restart", "split_site", "fuzz_payment",
                              "fuzz_payment_bytes", "fuzz_updates", "fuzz_filenames"}
    for name, outcome in scenarios.items():
        assert outcome["count"] > 0, name
        assert outcome["held"], (name, outcome["findings"])
    assert scenarios["agent_kill"]["pop_at_cloud_unique"] == scenarios["agent_kill"][
        "pop_created"]
