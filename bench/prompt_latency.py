"""Benchmark: how fast a PCI prompt takes picture and sound off a headless player.

N prompts (default 100) against a real player (libVLC headless, real payment socket).
For each: the time from the socket write to the moment the engine had taken the
picture off screen and muted it, and the frames displayed after the write. Target:
p99 <= 20 ms, and no frame later than 20 ms after the write (plain `set_pause` leaves
frames on screen for ~250 ms). The last line is a JSON object.

    python bench/prompt_latency.py [--prompts N]
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
from gstv_rigs.payment import BlockingPaymentLink
from gstv_rigs.staging import headless_config, loop_asset, stage_loop
from _common import machine, percentile

MEDIA = Path(__file__).resolve().parent.parent / "assets" / "media"


def payment_client(path: str, prompts: int, player) -> tuple[list[float], int, list[float]]:
    """The payment software: a blocking client in its own thread, as a separate
    program would be, writing prompts and reading the replies."""
    latencies, late_frames, last_frame_after = [], 0, []
    link = BlockingPaymentLink(Path(path))
    try:
        time.sleep(1.5)
        for _ in range(prompts):
            written = time.monotonic_ns()  # stamped just before the line is written
            assert link.send("prompt_start")["prompt"] is True
            time.sleep(0.3)
            latencies.append((player.engine.hidden_at_ns - written) / 1e6)
            after = [f.monotonic_ns for f in player.frames if f.monotonic_ns > written]
            late_frames += len(after)
            if after:
                last_frame_after.append((after[-1] - written) / 1e6)
            link.send("prompt_end")
            time.sleep(0.8)  # rejoin, show some frames, then the next prompt
    finally:
        link.close()
    return latencies, late_frames, last_frame_after


async def measure(prompts: int) -> dict:
    with tempfile.TemporaryDirectory() as base:
        config = headless_config(Path(base), headless_size=(160, 90))
        stage_loop(config, [loop_asset("gstv-news-open.mp4", "A1"),
                            loop_asset("acme-coffee-15s.mp4", "A2")],
                   media=[MEDIA / "gstv-news-open.mp4", MEDIA / "acme-coffee-15s.mp4"])
        async with running_player(config) as player:
            latencies, late_frames, last_frame_after = await asyncio.to_thread(
                payment_client, str(config.player.payment_socket), prompts, player)
    ordered = sorted(latencies)
    return {
        "benchmark": "prompt_latency",
        "prompts": prompts,
        "hide_ms": {"p50": round(statistics.median(ordered), 2),
                    "p99": round(percentile(ordered, 0.99), 2),
                    "max": round(ordered[-1], 2)},
        "frames_after_write": late_frames,
        "latest_frame_after_write_ms": round(max(last_frame_after), 2) if last_frame_after
        else None,
        "targets": {"hide_ms_p99": 20, "latest_frame_after_write_ms": 20},
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100)
    result = asyncio.run(measure(parser.parse_args().prompts))
    print(f"{result['prompts']} prompts: hidden after p50 {result['hide_ms']['p50']} ms, "
          f"p99 {result['hide_ms']['p99']} ms; {result['frames_after_write']} frames after "
          "the writes")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
