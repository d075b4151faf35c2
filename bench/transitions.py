"""Benchmark: slot transitions on a headless player.

N transitions (default 50) between short clips (1-2 s, 30 fps) played by a real player.
From the displayed frames' monotonic times: the gap between the last frame of one asset
and the first frame of the next, and the error of that first frame against the slot's
site-time instant. Targets: gap <= 1.5 frame intervals (50 ms), start error p99 <= 5 ms.
The last line is a JSON object.

    python bench/transitions.py [--transitions N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from gstv_rigs.inprocess import running_player
from gstv_rigs.staging import headless_config, loop_asset, stage_loop
from _common import machine, percentile

CLIPS = Path(__file__).resolve().parent.parent / "tests" / "data"
FRAME_MS = 1000 / 30


async def measure(count: int) -> dict:
    names = ["one.mp4", "two.mp4", "three.mp4"]
    with tempfile.TemporaryDirectory() as base:
        config = headless_config(Path(base), headless_size=(160, 90))
        stage_loop(config, [loop_asset(n, f"A{i}") for i, n in enumerate(names)],
                   media=[CLIPS / n for n in names])
        async with running_player(config) as player:
            # One pass of the loop is 4.5 s and holds 3 transitions.
            await asyncio.sleep(2 + (count + 2) * 4.5 / 3)
            frames = player.frames
            timeline, clock = player.timeline, player.clock
            now_ns, now_ms = time.monotonic_ns(), clock.now_exact_ms()
    gaps, errors = [], []
    for before, after in zip(frames, frames[1:]):
        if before.label == after.label:
            continue
        gaps.append((after.monotonic_ns - before.monotonic_ns) / 1e6)
        shown_ms = now_ms - (now_ns - after.monotonic_ns) / 1e6
        slot = timeline.slot_at(int(shown_ms) + 50)
        errors.append(shown_ms - slot.start)
    # The first change follows the join (mid-slot start); it is not a scheduled transition.
    gaps, errors = gaps[1:count + 1], errors[1:count + 1]
    return {
        "benchmark": "transitions",
        "transitions": len(gaps),
        "gap_ms": {"p50": round(statistics.median(gaps), 2), "max": round(max(gaps), 2)},
        "gap_frames_max": round(max(gaps) / FRAME_MS, 2),
        "start_error_ms": {"p50": round(statistics.median(errors), 2),
                           "p99_abs": round(percentile([abs(e) for e in errors], 0.99), 2),
                           "max_abs": round(max(abs(e) for e in errors), 2)},
        "targets": {"gap_frames_max": 1.5, "start_error_ms_p99": 5},
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=50)
    result = asyncio.run(measure(parser.parse_args().transitions))
    print(f"{result['transitions']} transitions: gap max {result['gap_ms']['max']} ms, "
          f"start error p99 {result['start_error_ms']['p99_abs']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
