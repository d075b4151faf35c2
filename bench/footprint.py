"""Benchmark: CPU and memory of `gstv player` (headless, 320x180 clips) over 60 s.

Runs the real command as a separate process on the demo site's 320x180 clips and
samples /proc: the whole process's CPU (libVLC decoding included), the CPU of its main
thread (the asyncio loop: the daemon's own work; libVLC decodes on threads of its own)
and its resident memory. Targets: daemon's own CPU <= 5 % of one core, RSS <= 120 MB.
The last line is a JSON object.

    python bench/footprint.py [--seconds S]
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

from player.inprocess import headless_config, loop_asset, stage_loop
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    seconds = parser.parse_args().seconds
    with tempfile.TemporaryDirectory() as base_name:
        base = Path(base_name)
        config = headless_config(base, headless_size=(320, 180))
        stage_loop(config, [loop_asset(n, f"A{i}") for i, n in enumerate(CLIPS)],
                   media=[MEDIA / n for n in CLIPS])
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
    result = {
        "benchmark": "footprint",
        "seconds": round(elapsed, 1),
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
