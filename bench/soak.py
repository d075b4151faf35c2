"""Whether the appliance can run for months: one headless player on the demo clips and
its agent taking updates from the reference cloud and delivering POP, sampled over time.

    python bench/soak.py --quick            # 4 minutes, 1 of warm-up: the mechanics
    python bench/soak.py --hours 1          # the figure README gives (10 min warm-up)
    python bench/soak.py --hours 8 --keep /var/tmp/soak

Every `--interval-s` it reads, for the player and the agent: RSS (VmRSS), open file
descriptors (/proc/PID/fd) and threads (/proc/PID/task); and the outbox's size on disk
and its pending rows. Every `--update-every-s` the cloud gets a new playlist version
(a new guid, the same loops) and a new site configuration, which the agent validates,
stages and reports, and the player takes at a slot boundary.

The figure (issue #19): after the warm-up, the mean RSS of the last quarter of the
samples minus that of the first quarter, per hour between the quarters' middles and per
1 000 slot starts between them. Target: <= 1 MB per hour, and no growth of fds or
threads: the median count of the last quarter against that of the first. Medians,
because libVLC's decoder threads (7) and an fd come and go at every slot change, and a
sample that happens to fall on one says nothing about a leak; a leak moves the median.
Slot starts are counted in the player's log. At the end the player's status says how
often it gave its C heap's free pages back and the longest it held the heap for it
(`player_heap`, player.native_heap).
The last line is a JSON object; the exit status is 1 when the target is not met (the
quick mode is too short to say: it checks the mechanics, not the figure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402

from gstv_rigs.commands.demo_command import (  # noqa: E402
    MEDIA,
    SAMPLE_FIRST_DATE,
    SAMPLE_SITE,
    SAMPLE_TZ,
    SAMPLES,
    open_all_day,
    redated,
)
from gstv_rigs.site import spawn, start_cloud, stop_processes  # noqa: E402
from terminal.config import AgentSection, PlayerSection, TerminalConfig  # noqa: E402
from player.status import query_status  # noqa: E402
from terminal.outbox import delivery_counts  # noqa: E402

TARGET_MB_PER_H = 1.0


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 minutes, 1 of warm-up")
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--warmup-s", type=float, default=None)
    parser.add_argument("--interval-s", type=float, default=None)
    parser.add_argument("--update-every-s", type=float, default=None)
    parser.add_argument("--keep", type=Path, metavar="DIR")
    args = parser.parse_args()
    if args.quick:
        args.hours = 4 / 60
    args.warmup_s = args.warmup_s if args.warmup_s is not None else (60 if args.quick else 600)
    args.interval_s = args.interval_s or (5 if args.quick else 20)
    args.update_every_s = args.update_every_s or (60 if args.quick else 300)
    return args


def proc_sample(pid: int) -> dict[str, float] | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        rss_kb = next(int(line.split()[1]) for line in status.splitlines()
                      if line.startswith("VmRSS:"))
        return {"rss_mb": rss_kb / 1024, "fds": len(os.listdir(f"/proc/{pid}/fd")),
                "threads": len(os.listdir(f"/proc/{pid}/task"))}
    except (OSError, StopIteration):
        return None


class Soak:
    def __init__(self, args: argparse.Namespace, base: Path) -> None:
        self.args = args
        self.base = base
        self.cloud: subprocess.Popen | None = None
        self.cloud_url = ""
        self.samples: list[dict] = []
        self.updates = 0
        self.heap: dict | None = None

    def terminal(self) -> Path:
        directory = self.base / "T1"
        directory.mkdir()
        config = TerminalConfig(
            site_id=SAMPLE_SITE, terminal_id="T1", timezone=SAMPLE_TZ,
            state_dir=directory / "state",
            player=PlayerSection(output="headless", payment_socket=directory / "payment.sock",
                                 status_socket=directory / "status.sock"),
            agent=AgentSection(cloud_url=self.cloud_url, poll_interval_s=10))
        self.config = config
        path = directory / "terminal.toml"
        path.write_text(config.to_toml())
        return path

    async def push(self, client: httpx.AsyncClient, kind: str, body: dict) -> None:
        (await client.post("/_control/updates", json={"kind": kind, "body": body})
         ).raise_for_status()

    async def queue_site(self, client: httpx.AsyncClient, first: bool) -> None:
        """The sample site, made current and open all day; after the first time a new
        version of the playlist and of the configuration, as GSTV sends every day."""
        today = datetime.now(ZoneInfo(SAMPLE_TZ)).date()
        stamp = (datetime.now(UTC) + timedelta(seconds=self.updates)).strftime(
            "%Y-%m-%d %H:%M:%S.000")
        configuration = open_all_day(json.loads((SAMPLES / "config.json").read_text()))
        playlist = redated(json.loads((SAMPLES / "playlist.json").read_text()),
                           (today - SAMPLE_FIRST_DATE).days)
        for message in (configuration, playlist):
            message["guid"], message["updatedOn"] = str(uuid.uuid4()), stamp
        if first:
            await self.push(client, "configuration", configuration)
            await self.push(client, "network", json.loads(
                (SAMPLES / "network.json").read_text()))
            for path in sorted((SAMPLES / "media").glob("*.json")):
                await self.push(client, "media", json.loads(path.read_text()))
        else:
            await self.push(client, "configuration", configuration)
        await self.push(client, "playlist", playlist)
        self.updates += 1

    async def run(self) -> dict:
        args = self.args
        self.cloud, self.cloud_url = await start_cloud(self.base, MEDIA)
        config_path = self.terminal()
        processes: list[subprocess.Popen] = []
        try:
            async with httpx.AsyncClient(base_url=self.cloud_url) as client:
                await self.queue_site(client, first=True)
                directory = config_path.parent
                agent = spawn("agent", config_path, directory / "agent.log")
                # The player once the agent has staged the site, as gstv demo does.
                staged = self.config.active_dir / "playlist.json"
                deadline = time.monotonic() + 120
                while not staged.exists():
                    if time.monotonic() > deadline or agent.poll() is not None:
                        raise RuntimeError(f"nothing staged: see {directory}/agent.log")
                    await asyncio.sleep(0.5)
                player = spawn("player", config_path, directory / "player.log")
                processes = [agent, player]
                started = time.monotonic()
                end = started + args.hours * 3600
                next_update = started + args.update_every_s
                while (now := time.monotonic()) < end:
                    if player.poll() is not None or agent.poll() is not None:
                        raise RuntimeError("a process of the soak died: see "
                                           f"{directory}/player.log and agent.log")
                    self.sample(now - started, player.pid, agent.pid)
                    if now >= next_update:
                        await self.queue_site(client, first=False)
                        next_update += args.update_every_s
                    await asyncio.sleep(args.interval_s)
                try:  # how often the player gave its C heap back, and the longest hold
                    self.heap = (await asyncio.to_thread(
                        query_status, self.config.player.status_socket, 2.0)).get("heap")
                except (OSError, ValueError):
                    self.heap = None
        finally:
            await stop_processes([*processes, *([self.cloud] if self.cloud else [])])
            if self.cloud is not None and self.cloud.stdout is not None:
                self.cloud.stdout.close()
        return self.result()

    def sample(self, t: float, player_pid: int, agent_pid: int) -> None:
        player, agent = proc_sample(player_pid), proc_sample(agent_pid)
        if player is None or agent is None:
            return
        outbox = self.config.outbox_path
        counts = delivery_counts(outbox) if outbox.exists() else {"pending": 0}
        size = sum(p.stat().st_size for p in outbox.parent.glob(outbox.name + "*"))
        slots = _count(self.config.state_dir.parent / "player.log", "slot_start ")
        self.samples.append({"t": round(t, 1), "player": player, "agent": agent,
                             "outbox_kb": round(size / 1024, 1),
                             "outbox_pending": counts["pending"], "slots": slots})

    def result(self) -> dict:
        args = self.args
        kept = [s for s in self.samples if s["t"] >= args.warmup_s]
        figures: dict = {}
        if len(kept) >= 8:
            quarter = len(kept) // 4
            first, last = kept[:quarter], kept[-quarter:]
            hours = (statistics.mean(s["t"] for s in last)
                     - statistics.mean(s["t"] for s in first)) / 3600
            slots = statistics.mean(s["slots"] for s in last) - statistics.mean(
                s["slots"] for s in first)
            for name in ("player", "agent"):
                def mean(samples, key, name=name):
                    return statistics.mean(s[name][key] for s in samples)

                def median(samples, key, name=name):
                    return statistics.median_low(s[name][key] for s in samples)
                rss = mean(last, "rss_mb") - mean(first, "rss_mb")
                figures[name] = {
                    "rss_first_quarter_mb": round(mean(first, "rss_mb"), 2),
                    "rss_last_quarter_mb": round(mean(last, "rss_mb"), 2),
                    "rss_max_mb": round(max(s[name]["rss_mb"] for s in kept), 2),
                    "rss_mb_per_hour": round(rss / hours, 2) if hours else None,
                    "rss_mb_per_1000_slots": round(rss / slots * 1000, 2) if slots else None,
                    "fds_growth": median(last, "fds") - median(first, "fds"),
                    "threads_growth": median(last, "threads") - median(first, "threads"),
                }
            figures["outbox_kb_growth"] = round(
                statistics.mean(s["outbox_kb"] for s in last)
                - statistics.mean(s["outbox_kb"] for s in first), 1)
        met = bool(figures) and all(
            figures[n]["rss_mb_per_hour"] is not None
            and figures[n]["rss_mb_per_hour"] <= TARGET_MB_PER_H
            and figures[n]["fds_growth"] <= 0 and figures[n]["threads_growth"] <= 0
            for n in ("player", "agent"))
        return {"bench": "soak", "machine": machine(), "hours": round(args.hours, 3),
                "warmup_s": args.warmup_s, "samples": len(self.samples),
                "slots": self.samples[-1]["slots"] if self.samples else 0,
                "updates": self.updates, **figures, "player_heap": self.heap,
                "target_mb_per_hour": TARGET_MB_PER_H, "met": met}


def _count(path: Path, marker: str) -> int:
    try:
        with open(path, errors="replace") as f:
            return sum(marker in line for line in f)
    except FileNotFoundError:
        return 0


def main() -> int:
    args = parse()
    base = args.keep or Path(tempfile.mkdtemp(prefix="gstv-soak-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        soak = Soak(args, base)
        result = asyncio.run(soak.run())
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
        else:
            print(f"kept in {base}", file=sys.stderr)
    if args.keep is not None:
        (base / "result.json").write_text(json.dumps(result, indent=1))
        (base / "samples.json").write_text(json.dumps(soak.samples))
    print(json.dumps(result))
    return 0 if result["met"] or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
