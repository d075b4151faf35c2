"""Benchmark: how fast a PCI prompt takes picture and sound off a headless player.

N prompts (default 100) against a real player (libVLC headless, real payment socket).
For each:
- the time from the socket write to the moment the engine had taken the picture off
  screen and muted it, and the frames displayed after the write;
- at the sound sink (unless `--no-sound`): the time from the write until the sink went
  silent, and any sound it played later in the prompt (gstv_rigs.sound_figures), as
  the rig's recorder heard it (gstv_rigs.sound: a PulseAudio null sink,
  CLOCK_MONOTONIC from the server's timing), and from the `prompt_end` write until it
  played sound again. The clips are the content matrix's small WebM and MP4, whose
  continuous bed makes silence mean the mute reached the sink.
Targets: hide p99 <= 20 ms, no frame later than 20 ms after the write (plain
`set_pause` leaves frames on screen for ~250 ms), silence at the sink <= 20 ms. Every
prompt counts: one after which the sink never fell silent is measured to the end of
the recording. The last line is a JSON object.

    python bench/prompt_latency.py [--prompts N] [--no-sound] [--sound-timing auto|libvlc|player]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from contextlib import nullcontext

from gstv_rigs.inprocess import running_player
from gstv_rigs.payment import BlockingPaymentLink
from gstv_rigs.site import summary_of
from gstv_rigs.sound import one_recorded_sink
from gstv_rigs.sound_figures import (PROMPT_GRACE_NS, heard_in_prompts, prompt_silences,
                                     read_log, sound_back)
from gstv_rigs.staging import headless_config, loop_asset, stage_loop
from _common import machine, percentile

ROOT = Path(__file__).resolve().parent.parent
MEDIA = ROOT / "assets" / "media"
MATRIX = ROOT / "assets" / "sync" / "matrix"
SOUND_CLIPS = ("small-webm720-vp9.webm", "small-mp4720-h264.mp4")


# The rig's PulseAudio server, just started, stalls its streams for up to a second
# and the recorder's stamps are then up to 0.6 s early (measured 2026-12-03: the
# player's stream blocked 1.16 s on its first write; the sink "heard" the first two
# prompts, in which the player wrote only silence). The prompts begin once the sink
# has played sound for this long.
SINK_SETTLE_S = 2.0
SINK_WAIT_S = 20.0


def sink_settled(sound_log: Path | None) -> None:
    """Until the recorder has heard the player for `SINK_SETTLE_S` (at once without
    sound); a sink that never hears anything is found out by the figures."""
    if sound_log is None:
        time.sleep(1.5)  # the first slot on screen
        return
    deadline = time.monotonic() + SINK_WAIT_S
    while time.monotonic() < deadline:
        if sound_log.exists() and "sound" in sound_log.read_text():
            time.sleep(SINK_SETTLE_S)
            return
        time.sleep(0.05)


def payment_client(path: str, prompts: int, player, writes: dict[str, list[int]],
                   sound_log: Path | None = None) -> tuple[list[float], int, list[float]]:
    """The payment software: a blocking client in its own thread, as a separate
    program would be, writing prompts and reading the replies. `writes` gets the
    instants of its `prompt_start` and `prompt_end` writes."""
    latencies, late_frames, last_frame_after = [], 0, []
    link = BlockingPaymentLink(Path(path))
    try:
        sink_settled(sound_log)
        for _ in range(prompts):
            written = time.monotonic_ns()  # stamped just before the line is written
            writes["start"].append(written)
            assert link.send("prompt_start")["prompt"] is True
            time.sleep(0.3)
            latencies.append((player.engine.hidden_at_ns - written) / 1e6)
            after = [f.monotonic_ns for f in player.frames if f.monotonic_ns > written]
            late_frames += len(after)
            if after:
                last_frame_after.append((after[-1] - written) / 1e6)
            writes["end"].append(time.monotonic_ns())
            link.send("prompt_end")
            time.sleep(0.8)  # rejoin, show some frames, then the next prompt
    finally:
        link.close()
    return latencies, late_frames, last_frame_after


async def measure(prompts: int, sound: bool, sound_timing: str) -> dict:
    writes: dict[str, list[int]] = {"start": [], "end": []}
    with tempfile.TemporaryDirectory() as base:
        audio = {"headless_audio": "pulse", "sound_timing": sound_timing,
                 "default_volume": 100} if sound else {}  # 100: the clip's own levels
        config = headless_config(Path(base), headless_size=(160, 90), **audio)
        if sound:
            names, media = list(SOUND_CLIPS), [MATRIX / n for n in SOUND_CLIPS]
        else:
            names = ["gstv-news-open.mp4", "acme-coffee-15s.mp4"]
            media = [MEDIA / n for n in names]
        stage_loop(config, [loop_asset(n, f"A{i}") for i, n in enumerate(names, 1)],
                   media=media)
        with one_recorded_sink(Path(base)) if sound else nullcontext() as sound_log:
            async with running_player(config) as player:
                latencies, late_frames, last_frame_after = await asyncio.to_thread(
                    payment_client, str(config.player.payment_socket), prompts, player,
                    writes, sound_log)
        events = read_log(sound_log) if sound else []
    ordered = sorted(latencies)
    result = {
        "benchmark": "prompt_latency",
        "prompts": prompts,
        "hide_ms": {"p50": round(statistics.median(ordered), 2),
                    "p99": round(percentile(ordered, 0.99), 2),
                    "max": round(ordered[-1], 2)},
        "frames_after_write": late_frames,
        "latest_frame_after_write_ms": round(max(last_frame_after), 2) if last_frame_after
        else None,
    }
    if sound:
        spans = list(zip(writes["start"], writes["end"]))
        silences = prompt_silences(events, writes["start"])
        heard = heard_in_prompts(events, spans, PROMPT_GRACE_NS)
        result.update({
            "sound_timing": sound_timing,
            "sink_silence_ms": summary_of(silences),
            "sink_silence_over_20ms": sum(s > 20 for s in silences),
            "sink_prompts_measured": len(silences),
            # sound heard from 20 ms after a prompt's start to its end (should be none)
            "sink_heard_in_prompt": {"prompts": sum(h > 0 for h in heard),
                                     "max_ms": round(max(heard, default=0), 2)},
            "sink_sound_back_ms": summary_of(sound_back(events, writes["end"])),
        })
    result.update({"targets": {"hide_ms_p99": 20, "latest_frame_after_write_ms": 20,
                               "sink_silence_ms_max": 20},
                   "machine": machine()})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100)
    parser.add_argument("--no-sound", action="store_true",
                        help="libVLC's null audio output: no figures at the sink")
    parser.add_argument("--sound-timing", choices=("auto", "libvlc", "player"),
                        default="auto",
                        help="libVLC's PulseAudio output, or the player's scheduled one "
                             "(auto, the player's default: the player's at this sink)")
    args = parser.parse_args()
    result = asyncio.run(measure(args.prompts, not args.no_sound, args.sound_timing))
    print(f"{result['prompts']} prompts: hidden after p50 {result['hide_ms']['p50']} ms, "
          f"p99 {result['hide_ms']['p99']} ms; {result['frames_after_write']} frames after "
          "the writes")
    if "sink_silence_ms" in result:
        print(f"silent at the sink after p50 {result['sink_silence_ms']['p50']} ms, max "
              f"{result['sink_silence_ms']['max']} ms; "
              f"{result['sink_silence_over_20ms']} prompts over 20 ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
