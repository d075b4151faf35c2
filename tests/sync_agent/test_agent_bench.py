"""`bench/agent.py --quick` runs end to end: updates applied beside a playing screen
that never jumps, and every POP record delivered. Its speed figures are the bench's
business (README), not this test's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests import processes

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_applies_every_update_and_delivers_every_record():
    run = processes.run([sys.executable, str(ROOT / "bench/agent.py"), "--quick"],
                        capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    playback, pop = result["playback"], result["pop"]
    assert playback["accepted"] == playback["updates"] == 10 and playback["failed"] == 0
    assert playback["player_ended_on"].startswith("bench-10@")
    assert playback["frames_watched"] > 100 and playback["frame_jumps"] == 0
    assert pop["received_by_cloud"] == pop["records"] == 5_000 and pop["left_unsent"] == 0
