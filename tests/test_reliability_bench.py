"""`bench/reliability.py --quick`: every scenario of the campaign runs against the real
programs and reports. Each must hold."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests import processes

ROOT = Path(__file__).resolve().parents[1]


def test_the_quick_campaign_runs_every_scenario_and_they_hold():
    report = (ROOT / "docs/RELIABILITY.md").read_bytes()
    run = processes.run([sys.executable, str(ROOT / "bench/reliability.py"), "--quick"],
                        capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (ROOT / "docs/RELIABILITY.md").read_bytes() == report  # the full run's, kept
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


def test_the_report_is_written_only_by_a_full_run():
    run = processes.run([sys.executable, str(ROOT / "bench/reliability.py"), "--quick",
                        "--write"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert run.returncode == 2 and "--write is for a full run" in run.stderr


def test_player_kill_forgives_only_a_last_start_cut_before_its_picture():
    """The campaign's POP check: a record opens at the first picture, so the last start
    of a killed run may have none, and nothing else may be missing or extra."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from reliability import _match_runs, _starts_per_run
    finally:
        sys.path.remove(str(ROOT / "bench"))
    log = ("<6>player_started site=S terminal=T1\n"
           "<6>slot_start kind=asset file=a.mp4 asset=A loop=1 until=x behind_prompt=false\n"
           "<6>slot_start kind=asset file=b.mp4 asset=B loop=1 until=x behind_prompt=false\n"
           "<6>player_started site=S terminal=T1\n"
           "<6>slot_start kind=asset file=b.mp4 asset=B loop=1 until=x behind_prompt=false\n"
           "<6>slot_start kind=asset file=c.mp4 asset=C loop=1 until=x behind_prompt=true\n"
           "<6>prompt_revealed file=c.mp4 asset=C\n")
    runs = _starts_per_run(log)
    assert runs == [["a.mp4", "b.mp4"], ["b.mp4", "c.mp4"]]
    assert _match_runs(runs, ["a.mp4", "b.mp4", "b.mp4", "c.mp4"]) == 0
    assert _match_runs(runs, ["a.mp4", "b.mp4", "c.mp4"]) == 1  # run 1's b cut, or run 2's b
    assert _match_runs(runs, ["a.mp4", "b.mp4", "b.mp4"]) == 1  # run 2's c
    assert _match_runs(runs, ["a.mp4", "b.mp4"]) == 2  # run 1's b and run 2's c
    assert _match_runs(runs, ["b.mp4", "b.mp4", "c.mp4"]) is None  # a first start lost
    assert _match_runs(runs, ["a.mp4"]) is None  # run 2's first start lost
    assert _match_runs(runs, ["a.mp4", "b.mp4", "b.mp4", "c.mp4", "c.mp4"]) is None
