"""`gstv sim`: a real site of three `gstv player` processes over loopback, short."""

from __future__ import annotations

import json
import subprocess
import sys


def test_three_players_converge_and_stay_in_step():
    run = subprocess.run(
        [sys.executable, "-m", "gstv", "sim", "--terminals", "3", "--duration", "20",
         "--clock-faults", "--json", "--seed", "7"],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["terminals"] == 3
    # Loose bounds: a shared, busy machine. The targets are checked by bench/site_sync.py.
    assert result["converge_s"] is not None and result["converge_s"] < 15
    assert result["frames_compared"] > 200
    assert result["skew_ms"]["p99"] < 5
    faults = result["faults"].values()
    assert any(abs(f["offset_ms"]) > 100 for f in faults)  # they really started apart


def test_bad_arguments_are_refused_with_a_reason():
    run = subprocess.run([sys.executable, "-m", "gstv", "sim", "--terminals", "40"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "--terminals must be 1 to 16" in run.stderr
    run = subprocess.run([sys.executable, "-m", "gstv", "sim", "--duration", "3"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "--duration must be at least 5 s" in run.stderr
