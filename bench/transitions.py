"""Benchmark: slot transitions on a headless player, on screen and at the sound sink.

N transitions (default 50) between short clips (1-2 s, 30 fps) played by a real player.
From the displayed frames' monotonic times: the gap between the last frame of one asset
and the first frame of the next, and the error of that first frame against the slot's
site-time instant. Targets: gap <= 1.5 frame intervals (50 ms), start error p99 <= 5 ms.

At the sink (unless `--no-sound`): `--sound-transitions` (default 12) more between the
content matrix's small WebM and MP4 (6 s each, a continuous bed with a burst on every
30th frame, frame 0 included), played into a rig null sink and recorded
(gstv_rigs.sound, CLOCK_MONOTONIC from the server's timing):
- the silence the sink played across each boundary (the clips' own audio is up to
  14 ms shorter than their picture: ffmpeg's WebM puts Opus 7 ms early and VP9 7 ms
  late);
- the slot's first burst (its frame 0) against the show of that frame, minus the same
  for the bursts of the same clip's later seconds: how much a start's sound is placed
  otherwise than steady sound. Measured 2026-12-04: the WebM's starts within 0.3 ms
  of its steady sound; the MP4's (AAC) 21 ms later, with as much silence before, at
  every start: the AAC encoder's 1024 samples of priming, which libVLC 3 plays as
  silence at the start of the track and leaves out once playing.
The last line is a JSON object.

    python bench/transitions.py [--transitions N] [--sound-transitions N] [--no-sound]
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
from gstv_rigs.site import summary_of
from gstv_rigs.sound import one_recorded_sink
from gstv_rigs.sound_figures import read_log
from gstv_rigs.staging import headless_config, loop_asset, stage_loop
from _common import machine, percentile

ROOT = Path(__file__).resolve().parent.parent
CLIPS = ROOT / "tests" / "data"
SOUND_CLIPS = [ROOT / "assets/sync/matrix" / name
               for name in ("small-webm720-vp9.webm", "small-mp4720-h264.mp4")]
SOUND_CLIP_S = 6.0
FRAME_MS = 1000 / 30
NEAR_NS = 100_000_000  # sound events this close to a boundary belong to it


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


async def play_sound_loop(base: Path, count: int):
    """The two sounding clips in a loop for `count` transitions; the frames shown."""
    config = headless_config(base, headless_size=(160, 90), headless_audio="pulse",
                             read_frame_numbers=True)
    stage_loop(config, [loop_asset(p.name, f"S{i}") for i, p in enumerate(SOUND_CLIPS)],
               media=SOUND_CLIPS)
    async with running_player(config) as player:
        await asyncio.sleep(3 + (count + 2) * SOUND_CLIP_S)
        return player.frames


def at_the_sink(frames, events: list[tuple[str, int]], count: int) -> dict:
    """The silence across each boundary and each start's first burst, from the frames
    shown and what the sink played. A start is compared with the steady bursts of the
    same clip: each file has its own offset between sound and picture (the WebM's Opus
    starts 7 ms before its VP9; the MP4's AAC carries its encoder's priming)."""
    shows = [(f.monotonic_ns, f.label) for f in frames if f.held and f.number == 0]
    shows = shows[1:count + 1]
    onsets = [at for kind, at in events if kind == "onset"]
    steady: dict[str, list[float]] = {}
    for f in frames:
        if not f.held and f.number > 0 and f.number % 30 == 0:
            near = [at for at in onsets if abs(at - f.monotonic_ns) <= NEAR_NS]
            if near:
                steady.setdefault(f.label, []).append((near[0] - f.monotonic_ns) / 1e6)
    typical = {label: statistics.median(v) for label, v in steady.items()}
    gaps, errors = [], []
    for show, label in shows:
        silent = [at for kind, at in events
                  if kind == "silent" and show - NEAR_NS <= at <= show + NEAR_NS]
        back = [at for kind, at in events if kind == "sound" and silent and at > silent[0]]
        gaps.append((back[0] - silent[0]) / 1e6 if silent and back else 0.0)
        first = [at for at in onsets if show - NEAR_NS <= at <= show + NEAR_NS]
        if first and label in typical:
            errors.append(abs((first[0] - show) / 1e6 - typical[label]))
    return {"transitions": len(shows), "silence_ms": summary_of(gaps),
            "starts_heard": len(errors),
            "steady_av_ms": {label: round(v, 3) for label, v in typical.items()},
            "start_minus_steady_ms": summary_of(errors)}


async def measure_sound(count: int) -> dict:
    with tempfile.TemporaryDirectory() as base:
        with one_recorded_sink(Path(base)) as log:
            frames = await play_sound_loop(Path(base), count)
        return at_the_sink(frames, read_log(log), count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transitions", type=int, default=50)
    parser.add_argument("--sound-transitions", type=int, default=12)
    parser.add_argument("--no-sound", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(measure(args.transitions))
    print(f"{result['transitions']} transitions: gap max {result['gap_ms']['max']} ms, "
          f"start error p99 {result['start_error_ms']['p99_abs']} ms")
    if not args.no_sound:
        sound = result["sound"] = asyncio.run(measure_sound(args.sound_transitions))
        print(f"at the sink, {sound['transitions']} transitions: silence across a boundary "
              f"max {sound['silence_ms']['max']} ms; a start's first burst placed "
              f"{sound['start_minus_steady_ms']['max']} ms at most from steady sound's")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
