"""Benchmark: how soon a deck's sound is heard at the sink when its slot starts.

Three slots on a headless player's two decks, as a site plays them: deck 0 for 3 s,
deck 1 for `--idle` seconds (default 21: a 20 s slot, GSTV's usual), deck 0 again.
Each start is unpaused as the slot loop does it and shown `START_LEAD_MS` later; the
rig's recorder (gstv_rigs.sound, a PulseAudio null sink, CLOCK_MONOTONIC from the
server's timing) says when the sink played the clip's first burst after it (the
matrix's small WebM has one on frame 0, as on every 30th: gstv_rigs.sound).

Why: with the player's own output (`--sound-timing player`), a deck that was idle for
a whole slot was heard only ~2 s into its next one (found 2026-12-03, not fixed:
PulseAudio reports no latency and the writes never block, as if what is written were
dropped). libVLC's own output is the reference. Target: every start heard within 50 ms.
The first start is the rig's fresh sound server's (it stalls the first writes about a
second) and is reported apart. The last line is a JSON object.

    python bench/sound_restart.py [--sound-timing libvlc|player] [--idle S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from gstv_rigs.sound import one_recorded_sink
from gstv_rigs.sound_figures import read_log
from _common import machine

ROOT = Path(__file__).resolve().parent.parent
CLIP = ROOT / "assets" / "sync" / "matrix" / "small-webm720-vp9.webm"
TARGET_MS = 50


async def play_three_slots(scheduled_sound: bool, idle_s: float) -> list[int]:
    """The three slots; the monotonic ns of each unpause."""
    from player.engine import START_LEAD_MS, VlcEngine

    engine = VlcEngine(output="headless", sink_size=(64, 36), headless_audio="pulse",
                       scheduled_sound=scheduled_sound)
    starts = []
    try:
        engine.set_volume(100)
        for hold_s in (3.0, idle_s, 4.0):
            deck = await engine.preroll(CLIP, CLIP.name, 0)
            assert deck is not None, "the clip would not open"
            await asyncio.sleep(0.3)
            starts.append(time.monotonic_ns())
            engine.unpause(deck)
            await asyncio.sleep(START_LEAD_MS / 1000)
            engine.show(deck)
            await asyncio.sleep(hold_s)
    finally:
        engine.close()
    return starts


def first_sounds_ms(events: list[tuple[str, int]], starts: list[int]) -> list[float | None]:
    """For each start, ms until the sink played the first burst after it (None: none
    before the next start, or the end). Not the first `sound`: a deck taking over from
    one still playing leaves no silence between them."""
    out = []
    for i, start in enumerate(starts):
        until = starts[i + 1] if i + 1 < len(starts) else None
        heard = [at for kind, at in events
                 if kind == "onset" and at >= start and (until is None or at < until)]
        out.append(round((heard[0] - start) / 1e6, 1) if heard else None)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sound-timing", choices=("libvlc", "player"), default="player")
    parser.add_argument("--idle", type=float, default=21.0, metavar="S",
                        help="how long the second slot keeps deck 0 idle")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as base:
        with one_recorded_sink(Path(base)) as log:
            starts = asyncio.run(play_three_slots(args.sound_timing == "player", args.idle))
        firsts = first_sounds_ms(read_log(log), starts)
    later = firsts[1:]
    result = {
        "benchmark": "sound_restart",
        "sound_timing": args.sound_timing,
        "idle_s": args.idle,
        "fresh_server_start_ms": firsts[0],
        # the second start is a deck's first use; the third, a deck idle for a slot
        "first_sound_ms": {"first_use": later[0], "after_idle": later[1]},
        "over_target": sum(f is None or f > TARGET_MS for f in later),
        "target_ms": TARGET_MS,
        "machine": machine(),
    }
    print(f"sound heard after a start: first use {later[0]} ms, after {args.idle:g} s "
          f"idle {later[1]} ms (None: never in the slot)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
