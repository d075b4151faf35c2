"""Benchmark: how long `gstv player` takes from exec to its first displayed frame.

Stamps, all on CLOCK_MONOTONIC (this process's `time.monotonic_ns` and the player's
frame trace share it, system-wide):
- `spawn`: just before the player's exec;
- `status_socket`: when its status socket appears (imports done, libVLC loaded,
  content probed, sockets bound);
- `first_frame`: the monotonic time the player's headless display callback stamped on
  the first frame it displayed (its frame trace, `[player] frame_trace`).

Each run is a new state directory, so every run probes its media afresh, as a terminal
does the first time it sees a file. Runs are taken one after another: the first run of
a process on a machine where libVLC never ran is the cold one. `--drop-caches` makes
every run cold again as far as this machine allows: it drops the kernel's page cache
(as root) and the per-user caches libVLC and fontconfig write, so the libraries and
plugins are read from disk again. The last line is a JSON object.

    python bench/cold_start.py [--runs N] [--drop-caches]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gstv_rigs.staging import headless_config, loop_asset, stage_loop
from _common import machine

MEDIA = Path(__file__).resolve().parent.parent / "assets" / "media"
CLIPS = ["gstv-news-open.mp4", "acme-coffee-15s.mp4"]
GSTV = Path(sys.executable).parent / "gstv"
# What libVLC and fontconfig keep per user between runs (none of it is ours to ship).
USER_CACHES = [Path.home() / ".cache" / "vlc", Path.home() / ".cache" / "fontconfig",
               Path.home() / ".local" / "share" / "vlc"]
DEADLINE_S = 300


def drop_caches() -> bool:
    """Empty the page cache and the per-user caches; whether the page cache went."""
    for cache in USER_CACHES:
        shutil.rmtree(cache, ignore_errors=True)
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def first_trace_ns(trace: Path) -> int | None:
    try:
        line = trace.read_text().split("\n", 1)[0]
    except OSError:
        return None
    return int(line.split()[0]) if line.strip() else None


def one_start(base: Path) -> dict[str, float]:
    config = headless_config(base, frame_trace=base / "frames.log")
    stage_loop(config, [loop_asset(n, f"A{i}") for i, n in enumerate(CLIPS)],
               media=[MEDIA / n for n in CLIPS])
    (base / "terminal.toml").write_text(config.to_toml())
    spawn = time.monotonic_ns()
    with open(base / "player.log", "wb") as log:
        proc = subprocess.Popen([str(GSTV), "player", "--config", str(base / "terminal.toml")],
                                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    socket_ns = frame_ns = None
    try:
        deadline = time.monotonic() + DEADLINE_S
        while frame_ns is None:
            if socket_ns is None and config.player.status_socket.exists():
                socket_ns = time.monotonic_ns()
            frame_ns = first_trace_ns(config.player.frame_trace)
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"no first frame: {(base / 'player.log').read_text()}")
            time.sleep(0.005)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return {"status_socket_s": round(((socket_ns or frame_ns) - spawn) / 1e9, 3),
            "first_frame_s": round((frame_ns - spawn) / 1e9, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--drop-caches", action="store_true",
                        help="make every run cold: page cache and per-user caches dropped")
    args = parser.parse_args()
    runs, dropped = [], None
    for _ in range(args.runs):
        if args.drop_caches:
            dropped = drop_caches()
        with tempfile.TemporaryDirectory() as base:
            runs.append(one_start(Path(base)))
        print(f"status socket {runs[-1]['status_socket_s']:.2f} s, "
              f"first frame {runs[-1]['first_frame_s']:.2f} s", file=sys.stderr)
    later = [r["first_frame_s"] for r in runs[1:]] or [runs[0]["first_frame_s"]]
    result = {
        "benchmark": "cold_start",
        "stamps": "CLOCK_MONOTONIC: exec of gstv player -> first frame its display "
                  "callback stamped",
        "drop_caches": args.drop_caches, "page_cache_dropped": dropped,
        "first_run_first_frame_s": runs[0]["first_frame_s"],
        "later_runs_first_frame_s": {"median": round(statistics.median(later), 3),
                                     "min": min(later), "max": max(later)},
        "runs": runs,
        "machine": machine(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
