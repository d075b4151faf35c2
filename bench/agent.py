"""Benchmark: the content agent under load, beside a playing screen.

1. Updates: a headless `gstv player` plays the frame-counter clip (each frame carries
   its number) while 100 playlist updates arrive at the reference cloud at once; the
   agent (in this process) polls and applies them all. Reported: updates applied per
   second (poll to last staged), and playback interruptions in the player's displayed
   frames: a gap of more than `GAP_MS` between two frames, or a frame number that is
   neither the next one nor the start of a new slot (a jump). Target: 0. The player
   must end on the last update.
2. POP: 100 000 finished records in an outbox, delivered to the reference cloud
   (`gstv cloud`, another process) in the agent's batches; records per second, and
   the cloud must hold every one. Target: >= 5 000 records/s.

The last line is a JSON object.

    python bench/agent.py [--updates N] [--pop N] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from _common import fill_outbox, machine
from gstv_rigs.site import SYNC_CLIP as CLIP, TRACE_SIZE
from terminal.config import AgentSection, PlayerSection, TerminalConfig
from player.status import query_status
from sync_agent.agent import Agent
from sync_agent.delivery import Delivery
from terminal.outbox import Outbox

SITE = "SITE-BENCH"
GAP_MS = 100  # three frame intervals: transitions measure up to ~67 ms (bench/transitions.py)
TARGET_POP_PER_S = 5_000


def playlist_update(number: int, today) -> dict:
    """Update `number`: one to three copies of the clip a day (so the timeline really
    changes), yesterday to tomorrow, newer than the one before."""
    assets = [{"assetId": f"U{number}-{k}", "filename": CLIP.name, "type": "advertising",
               "start": "2020-01-01", "end": "2099-12-31", "tiNumber": f"TI-{number}-{k}"}
              for k in range(number % 3 + 1)]
    schedules = [{"segmentId": f"SEG-{number}-{d}", "date": d.isoformat(),
                  "loops": [{"loopNumber": 1, "assets": assets}]}
                 for d in (today - timedelta(days=1), today, today + timedelta(days=1))]
    updated = datetime(2026, 1, 1) + timedelta(seconds=number)
    return {"guid": f"bench-{number}",
            "updatedOn": updated.strftime("%Y-%m-%d %H:%M:%S.") + "000",
            "playlist": [{"siteId": SITE, "banners": [], "schedules": schedules}]}


def start_cloud(data: Path) -> tuple[subprocess.Popen, str]:
    cloud = subprocess.Popen([sys.executable, "-m", "gstv", "cloud", "--port", "0", "--data",
                              str(data)], stdout=subprocess.PIPE, text=True)
    assert cloud.stdout is not None
    line = cloud.stdout.readline()
    assert line.startswith("cloud_listening url="), line
    return cloud, line.split("url=", 1)[1].strip()


def terminal(base: Path, cloud_url: str) -> TerminalConfig:
    state = base / "state"
    (state / "media").mkdir(parents=True)
    (state / "active").mkdir(parents=True)
    shutil.copy(CLIP, state / "media" / CLIP.name)
    return TerminalConfig(
        site_id=SITE, terminal_id="T1", timezone="UTC", state_dir=state,
        player=PlayerSection(output="headless", payment_socket=base / "payment.sock",
                             status_socket=base / "status.sock", headless_size=TRACE_SIZE,
                             frame_trace=base / "frames.log", read_frame_numbers=True),
        agent=AgentSection(cloud_url=cloud_url))


async def wait_status(config: TerminalConfig, ready, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status = await asyncio.to_thread(query_status, config.player.status_socket, 0.5)
            if ready(status):
                return status
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the player never got there ({timeout_s} s)")
        await asyncio.sleep(0.2)


def read_frames(path: Path) -> list[tuple[int, int]]:
    frames = []
    for line in path.read_text().splitlines():
        at, _deck, number, _kind, _label = line.split(" ", 4)  # player.daemon._trace_loop
        frames.append((int(at), int(number)))
    return frames


def interruptions(frames: list[tuple[int, int]]) -> dict:
    """Gaps over GAP_MS and jumps in the frame numbers (interruptions), pictures not
    seen (a number skipped within a normal gap: the decoder's picture came too late for
    its vsync, which bench/transitions.py sees at transitions too), pictures reported
    twice (the same number again within a normal gap: libVLC redisplays the current
    picture, e.g. on a rate change; nothing moves on screen), the longest gap."""
    gaps, jumps, dropped, repeated = 0, [], 0, 0
    longest = 0.0
    for (at, number), (next_at, next_number) in zip(frames, frames[1:]):
        gap = (next_at - at) / 1e6
        longest = max(longest, gap)
        gaps += gap > GAP_MS
        if next_number in (number + 1, 0):
            continue
        if next_number == number and gap <= GAP_MS:
            repeated += 1
        elif number + 1 < next_number <= number + 3 and gap <= GAP_MS:
            dropped += next_number - number - 1
        else:
            jumps.append([number, next_number, round(gap, 1)])
    return {"gaps_over_100ms": gaps, "frame_jumps": len(jumps), "jumps": jumps[:10],
            "pictures_not_seen": dropped, "pictures_repeated": repeated,
            "interruptions": gaps + len(jumps),
            "longest_gap_ms": round(longest, 1)}


async def updates_during_playback(base: Path, cloud_url: str, count: int) -> dict:
    config = terminal(base, cloud_url)
    today = datetime.now(timezone.utc).date()
    (config.active_dir / "playlist.json").write_text(json.dumps(playlist_update(0, today)))
    config_path = base / "terminal.toml"
    config_path.write_text(config.to_toml())
    with open(base / "player.log", "ab") as log:
        player = subprocess.Popen([sys.executable, "-m", "gstv", "player", "--config",
                                   str(config_path)], stdout=log, stderr=subprocess.STDOUT)
    try:
        await wait_status(config, lambda s: s.get("state") == "playing", 30)
        await asyncio.sleep(2)
        watch_from = time.monotonic_ns()
        async with httpx.AsyncClient(base_url=cloud_url, timeout=30) as client:
            for number in range(1, count + 1):
                response = await client.post("/_control/updates", json={
                    "kind": "playlist", "body": playlist_update(number, today)})
                response.raise_for_status()
            agent = Agent(config, client)
            try:
                started = time.perf_counter()
                polled = await agent.poller.poll_once()
                await agent.process_queue()
                apply_s = time.perf_counter() - started
                failures = agent.failures
                await agent.delivery.deliver_once()
            finally:
                agent.close()
            received = (await client.get("/_control/received")).json()["notifications"]
        last = f"bench-{count}@"
        # The player takes a new playlist at its next slot boundary (a clip is 10 s).
        final = await wait_status(
            config, lambda s: (s.get("playlist_version") or "").startswith(last), 40)
        await asyncio.sleep(2)
    finally:
        player.terminate()
        player.wait(timeout=15)
    frames = [f for f in read_frames(config.player.frame_trace) if f[0] >= watch_from]
    accepted = sum(n["notificationType"] == "PLAYLIST_ACCEPTED_BY_TERMINAL"
                   and n["status"] == "success" for n in received)
    return {"updates": count, "polled": polled, "failed": failures, "accepted": accepted,
            "apply_s": round(apply_s, 2), "updates_per_s": round(count / apply_s, 1),
            "frames_watched": len(frames), **interruptions(frames),
            "player_ended_on": final["playlist_version"]}


async def pop_delivery(base: Path, cloud_url: str, data: Path, count: int) -> dict:
    outbox = base / "pop-outbox.db"
    ids = set(fill_outbox(outbox, count, site_id=SITE))
    store = Outbox(outbox)
    try:
        async with httpx.AsyncClient(base_url=cloud_url, timeout=60) as client:
            delivery = Delivery(store, client, site_id=SITE, terminal_id="T1")
            started = time.perf_counter()
            ok = await delivery.deliver_once()
            took = time.perf_counter() - started
        left = store.unsent_pop_count()
    finally:
        store.close()
    # The cloud also holds the POP of the playback part: count only these records.
    lines = (data / "received" / "pop.jsonl").read_text().splitlines()
    at_cloud = sum(json.loads(line)["recordId"] in ids for line in lines)
    return {"records": count, "delivered_ok": ok, "seconds": round(took, 2),
            "records_per_s": round(count / took), "received_by_cloud": at_cloud,
            "left_unsent": left}


async def measure(updates: int, pop: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        data = base / "cloud"
        cloud, url = start_cloud(data)
        try:
            playback = await updates_during_playback(base / "terminal", url, updates)
            records = await pop_delivery(base, url, data, pop)
        finally:
            cloud.terminate()
            cloud.wait(timeout=10)
    met = (playback["interruptions"] == 0 and playback["accepted"] == updates
           and records["received_by_cloud"] == pop and records["left_unsent"] == 0
           and records["records_per_s"] >= TARGET_POP_PER_S)
    return {"benchmark": "agent", "playback": playback, "pop": records,
            "targets": {"interruptions": 0, "pop_records_per_s": TARGET_POP_PER_S},
            "met": met, "machine": machine()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--pop", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10 updates, 5 000 POP")
    args = parser.parse_args()
    if args.quick:
        args.updates, args.pop = 10, 5_000
    result = asyncio.run(measure(args.updates, args.pop))
    playback, records = result["playback"], result["pop"]
    print(f"{playback['updates']} updates in {playback['apply_s']} s "
          f"({playback['updates_per_s']}/s), {playback['interruptions']} interruptions "
          f"(longest frame gap {playback['longest_gap_ms']} ms); "
          f"{records['records']} POP at {records['records_per_s']}/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
