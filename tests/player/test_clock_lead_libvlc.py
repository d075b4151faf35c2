"""The clock lead (player.media_timing) against real libVLC: a deck started as the slot
loop starts it shows its pictures on their instants, from a file's start and after a
seek, on the committed WebM clips whose sound starts before their picture."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest

from player.engine import START_LEAD_MS, VlcEngine
from player.frames import FrameLog
from player.media_timing import media_timing

MATRIX = Path(__file__).resolve().parents[2] / "assets/sync/matrix"


async def lateness_ms(path: Path, position_ms: int) -> float:
    """Median lateness of the pictures (ms) against `join + (p - position)`."""
    timing = media_timing(path)
    frames = FrameLog()
    engine = VlcEngine(output="headless", sink_size=(64, 36), frame_log=frames,
                       read_numbers=True, realtime=True)
    try:
        deck = await engine.preroll(path, path.name, timing.seek_ms(position_ms))
        assert deck is not None
        join_ns = time.monotonic_ns() + 400_000_000
        start_ns = join_ns - (START_LEAD_MS + timing.clock_lead_ms(position_ms)) * 1e6
        await asyncio.sleep((start_ns - time.monotonic_ns()) / 1e9 - 0.005)
        while time.monotonic_ns() < start_ns:
            pass
        engine.unpause(deck)
        while time.monotonic_ns() < join_ns:
            pass
        engine.show(deck)
        await asyncio.sleep(1.5)
        frame_ms = 1000 / 30
        late = [(f.monotonic_ns - join_ns) / 1e6 - (f.number * frame_ms - position_ms)
                for f in frames.frames if f.number >= 0]
        return statistics.median(late[5:])
    finally:
        engine.close()


@pytest.mark.parametrize("name,position_ms,unled_ms", [
    ("small-webm720-vp9.webm", 0, 13.5),  # sound from -6.5 ms, picture from +7 ms
    ("small-webm720-vp9.webm", 1067, 6.5),  # a join at a keyframe: a seek
    ("small-webm720-vp8.webm", 0, 3.0),
])
async def test_pictures_land_on_their_instants_once_the_clock_lead_is_taken(
        name, position_ms, unled_ms):
    timing = media_timing(MATRIX / name)
    assert timing.clock_lead_ms(position_ms) == unled_ms  # what it would be off by
    # Up to three tries, the best kept: a busy machine only ever makes pictures later
    # (6.4 ms once in a CI run beside other work), while a lead not taken is off by
    # `unled_ms` on every try.
    tries = []
    for _ in range(3):
        tries.append(await lateness_ms(MATRIX / name, position_ms))
        if abs(tries[-1]) < 2.0:
            break
    assert min(map(abs, tries)) < 2.0, f"{name} at {position_ms} ms: {tries} ms late"
