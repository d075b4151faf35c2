"""Benchmark: CPU and memory of `gstv player` (headless, 320x180 clips) over 60 s.

Runs the real command as a separate process on the demo site's 320x180 clips and
samples /proc: the whole process's CPU (libVLC decoding included), the CPU of its main
thread (the asyncio loop: the daemon's own work; libVLC decodes on threads of its own)
and its resident memory. Targets: daemon's own CPU <= 5 % of one core, RSS <= 120 MB.
The last line is a JSON object.

    python bench/footprint.py [--seconds S] [--clip NAME]

`--clip NAME` plays a loop of one clip of the content matrix (gstv_rigs.clips: e.g.
`webm1080-vp9`) instead, on a traced headless screen as `gstv sim` runs it, and also
measures a bare libVLC process decoding the same clip to the same sink
(bench/_bare_decode.py) over the same span: `beyond_decoding` is the player's whole CPU
minus that. Targets on 1080p VP9: beyond decoding <= 20 % of a core, RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gstv_rigs.clips import resolve
from gstv_rigs.site import TRACE_SIZE
from gstv_rigs.staging import headless_config, loop_asset, stage_loop
from _common import machine

MEDIA = Path(__file__).resolve().parent.parent / "assets" / "media"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
CLIPS = ["gstv-news-open.mp4", "acme-coffee-15s.mp4", "gstv-weather.mp4", "gstv-sports.mp4"]


def cpu_seconds(stat_path: Path) -> float:
    fields = stat_path.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 1e6


def bare_cpu_percent(clip: Path, size: tuple[int, int], seconds: float) -> float:
    """CPU (% of one core) of a bare libVLC process decoding `clip` to a sink of `size`."""
    bare = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_bare_decode.py")),
                             str(clip), str(size[0]), str(size[1])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        stat = Path(f"/proc/{bare.pid}/stat")
        start, cpu0 = time.monotonic(), cpu_seconds(stat)
        time.sleep(seconds)
        return (cpu_seconds(stat) - cpu0) / (time.monotonic() - start) * 100
    finally:
        bare.send_signal(signal.SIGTERM)
        bare.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clip", metavar="NAME", help="a clip of the content matrix")
    args = parser.parse_args()
    seconds = args.seconds
    clip = resolve(args.clip) if args.clip else None
    with tempfile.TemporaryDirectory() as base_name:
        base = Path(base_name)
        if clip is None:
            config = headless_config(base, headless_size=(320, 180))
            stage_loop(config, [loop_asset(n, f"A{i}") for i, n in enumerate(CLIPS)],
                       media=[MEDIA / n for n in CLIPS])
        else:  # a traced screen, as gstv sim runs one
            config = headless_config(base, headless_size=TRACE_SIZE,
                                     frame_trace=base / "frames.log", read_frame_numbers=True)
            stage_loop(config, [loop_asset(clip.name, "A0")], media=[clip])
        (base / "terminal.toml").write_text(config.to_toml())
        gstv = Path(sys.executable).parent / "gstv"
        proc = subprocess.Popen([str(gstv), "player", "--config", str(base / "terminal.toml")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not (base / "status.sock").exists():
                time.sleep(0.05)
            time.sleep(3)  # warm-up: first probes, first prerolls
            main_stat = Path(f"/proc/{proc.pid}/task/{proc.pid}/stat")
            whole_stat = Path(f"/proc/{proc.pid}/stat")
            start, main0, whole0 = time.monotonic(), cpu_seconds(main_stat), cpu_seconds(
                whole_stat)
            samples = []
            while time.monotonic() - start < seconds:
                samples.append(rss_mb(proc.pid))
                time.sleep(1)
            elapsed = time.monotonic() - start
            main_cpu = (cpu_seconds(main_stat) - main0) / elapsed * 100
            whole_cpu = (cpu_seconds(whole_stat) - whole0) / elapsed * 100
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    extra = {}
    if clip is not None:
        bare = bare_cpu_percent(clip, TRACE_SIZE, seconds)
        extra = {"clip": clip.name, "bare_libvlc_cpu_percent": round(bare, 2),
                 "beyond_decoding_cpu_percent": round(whole_cpu - bare, 2),
                 "clip_targets": {"beyond_decoding_cpu_percent": 20, "rss_mb": 200}}
        print(f"{clip.name}: bare libVLC {bare:.1f} %, beyond decoding {whole_cpu - bare:.1f} %")
    result = {
        "benchmark": "footprint",
        "seconds": round(elapsed, 1),
        **extra,
        "cpu_percent_of_one_core": {"daemon_main_thread": round(main_cpu, 2),
                                    "whole_process": round(whole_cpu, 2)},
        "rss_mb": {"max": round(max(samples), 1), "mean": round(sum(samples) / len(samples), 1)},
        "targets": {"daemon_cpu_percent": 5, "rss_mb": 120},
        "machine": machine(),
    }
    print(f"daemon {main_cpu:.1f} % of a core, whole process {whole_cpu:.1f} %, "
          f"RSS max {max(samples):.0f} MB")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
