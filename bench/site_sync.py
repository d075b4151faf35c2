"""Benchmark: site sync, with `gstv sim` (real player processes, real ZeroMQ, real
libVLC), against the targets of issue #5:

- main: 4 terminals, --clock-faults --prompts, 120 s: skew p99 <= 2 ms and max <= 5 ms
  once converged, converged within 5 s, a screen back in step <= 1 s after prompt_end;
- kill-leader: the same with --kill-leader: p99 <= 5 ms through the takeover, a new
  leader within 3 s;
- jitter: --jitter-ms 10 through the userspace relay: p99 <= 5 ms;
- no-compensation: the oscillator drift left alone, for comparison (no target).

    python bench/site_sync.py [--quick] [--seed N]

`--quick` runs each scenario for a quarter of the time (the full runs take about
six minutes). The last line is a JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _common import machine

SCENARIOS = {
    "main": (120, ["--clock-faults", "--prompts"]),
    "kill_leader": (60, ["--clock-faults", "--prompts", "--kill-leader"]),
    "jitter": (60, ["--clock-faults", "--jitter-ms", "10"]),
    "no_compensation": (40, ["--clock-faults", "--no-compensation"]),
}


def run(seconds: float, flags: list[str], seed: int) -> dict:
    command = [sys.executable, "-m", "gstv", "sim", "--terminals", "4", "--duration",
               str(seconds), "--json", "--seed", str(seed), *flags]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise SystemExit(f"gstv sim failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def checks(results: dict) -> dict:
    main, kill, jitter = results["main"], results["kill_leader"], results["jitter"]

    def at_most(value, limit):
        return value is not None and value <= limit

    return {
        "main_skew_p99_le_2ms": at_most(main["skew_ms"]["p99"], 2),
        "main_skew_max_le_5ms": at_most(main["skew_ms"]["max"], 5),
        "main_converged_le_5s": at_most(main["converge_s"], 5),
        "main_resume_le_1s": at_most(main["resume_s"], 1),
        "kill_leader_skew_p99_le_5ms": at_most(kill["skew_ms"]["p99"], 5),
        "kill_leader_failover_le_3s": at_most(kill["failover_s"], 3),
        "jitter_skew_p99_le_5ms": at_most(jitter["skew_ms"]["p99"], 5),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = {}
    for name, (seconds, flags) in SCENARIOS.items():
        if args.quick:
            seconds = max(20, seconds // 4)
        result = run(seconds, flags, args.seed)
        results[name] = {key: result[key] for key in (
            "skew_ms", "converge_s", "resume_s", "failover_s", "frames_compared",
            "prompts", "duration_s")}
        print(f"{name:16} {json.dumps(results[name])}", flush=True)
    verdict = checks(results) if not args.quick else {}
    print(json.dumps({"benchmark": "sync", "machine": machine(), "quick": args.quick,
                      "terminals": 4, **results, "targets_met": verdict}))


if __name__ == "__main__":
    main()
