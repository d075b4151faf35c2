"""`make systemd-check` as the tests run it: the installed appliance booted under a real
systemd (systemd-nspawn), every check of scripts/systemd_check.py holding."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests import processes

ROOT = Path(__file__).resolve().parents[1]
CHECKS = {"ready", "watchdog", "kill9", "backlog", "prompt_restart", "playing", "hardening",
          "listening", "journal", "security"}


def test_the_appliance_holds_under_a_real_systemd():
    run = processes.run([sys.executable, str(ROOT / "scripts/systemd_check.py")],
                        capture_output=True, text=True, timeout=900)
    result = json.loads(run.stdout.splitlines()[-1])
    failed = {name: r["detail"] for name, r in result["results"].items() if not r["ok"]}
    assert set(result["results"]) == CHECKS
    assert run.returncode == 0 and result["ok"] and not failed, (failed, run.stderr[-2000:])
