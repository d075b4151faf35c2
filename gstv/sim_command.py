"""`gstv sim`: a whole site on one machine, for hardware-in-loop rigs, the sync
benchmark and the demo.

    gstv sim --terminals N --duration S [--clock-faults] [--prompts] [--kill-leader]
             [--restart-follower] [--split] [--jitter-ms J] [--json] [--seed K]
             [--keep DIR]

It starts N real headless `gstv player` processes that form one site over ZeroMQ on
loopback, all playing a playlist of the frame-numbered clip (assets/sync/), and
measures from the frames they display (their traces: the machine's monotonic clock,
shared by all of them) how far apart they show the same frame.

- `--clock-faults`: each terminal gets a random clock offset (+-2 s) and oscillator
  drift (+-200 ppm), applied to its SiteClock and to its media playback rate.
- `--prompts`: random PCI prompts (2-6 s) on random screens from 10 s on, through the
  real payment socket; `resume_s` is the longest time from a `prompt_end` until that screen showed
  a frame within 2 ms of the others.
- `--kill-leader`: at half time the leader gets SIGKILL; it is started again 10 s
  later. `failover_s` is the time until every surviving terminal names one new leader;
  `leader_rejoin_s` the time from its restart until every screen, it included, showed
  a frame within 2 ms of the others.
- `--restart-follower`: from 15 s on, every 15 s a random follower gets SIGKILL and
  is started again 3 s later. `follower_rejoin_s` is the longest time from a restart
  until that screen showed a frame within 2 ms of every other screen;
  `leader_changes` counts how often the site's leader changed meanwhile (it should
  not: a follower coming back is not in step, so it cannot take the lead).
- `--split`: the site in two halves (T1.. and the rest) that cannot reach each other,
  for 10 s of every 30 from 15 s on, through userspace relays that drop every
  connection across (sync.relay). `split_led` says whether each half named one
  leader of its own during every split; `heal_s` is the longest time from a heal
  until every terminal names the same leader, `heal_in_step_s` until every screen
  showed a frame within 2 ms of all the others.
- `--jitter-ms J`: every path between two terminals goes through a userspace relay
  (sync.relay) adding 0..J ms to each chunk, each way.

While it runs it prints a table (terminal, role, now playing, offset estimate, skew)
every second; then a summary; with `--json` the last line is the JSON object the
issue defines (`terminals`, `skew_ms` p50/p99/max once converged, `converge_s`,
`resume_s`, `failover_s`, `frames_compared`), plus a few more keys.
Exit status 0 when the run completed, whatever it measured (the benchmark judges).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from player.config import FaultsSection, Peer, PlayerSection, SyncSection, TerminalConfig
from player.status import query_status
from sync import site_keys
from sync.relay import DelayRelay
from sync.skew import all_in_step, back_in_step, converged_at, match_frames, percentile

CLIP = Path(__file__).resolve().parent.parent / "assets" / "sync" / "frame-counter.mp4"
SITE_ID = "SITE-SIM"
KILL_DOWN_S = 10.0
RESTART_EVERY_S = 15.0
RESTART_DOWN_S = 3.0
SPLIT_EVERY_S = 30.0
SPLIT_S = 10.0
CHURN_FROM_S = 15.0  # restarts and splits start once the site has converged
PROMPT_S = (2.0, 6.0)
PROMPT_CHANCE = 0.06  # per screen per second
PROMPTS_FROM_S = 10.0  # the site converges undisturbed first
TRACE_SIZE = (64, 36)


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sim", help="run a simulated site and measure its sync")
    parser.add_argument("--terminals", type=int, default=4, metavar="N")
    parser.add_argument("--duration", type=float, default=60, metavar="S")
    parser.add_argument("--clock-faults", action="store_true")
    parser.add_argument("--prompts", action="store_true")
    parser.add_argument("--kill-leader", action="store_true")
    parser.add_argument("--restart-follower", action="store_true",
                        help="kill -9 and restart a follower every 15 s")
    parser.add_argument("--split", action="store_true",
                        help="cut the site in two for 10 s of every 30")
    parser.add_argument("--jitter-ms", type=float, default=0.0, metavar="J")
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the site in DIR and keep it (logs, traces)")
    parser.add_argument("--no-compensation", action="store_true",
                        help="do not steer media rate (shows what oscillator drift does)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.terminals <= 16:
        print("gstv sim: --terminals must be 1 to 16", file=sys.stderr)
        return 2
    if args.duration < 5:
        print("gstv sim: --duration must be at least 5 s", file=sys.stderr)
        return 2
    base = args.keep or Path(tempfile.mkdtemp(prefix="gstv-sim-"))
    try:
        result = asyncio.run(Simulation(args, base).run())
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print_summary(result)
    if args.json:
        print(json.dumps(result))
    return 0


@dataclass
class Terminal:
    id: str
    dir: Path
    config: TerminalConfig
    process: subprocess.Popen | None = None
    trace_pos: int = 0
    frames: list[tuple[int, int]] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)
    prompt_until: float | None = None

    @property
    def config_path(self) -> Path:
        return self.dir / "terminal.toml"


class Simulation:
    def __init__(self, args: argparse.Namespace, base: Path) -> None:
        self.args = args
        self.base = base
        self.rng = random.Random(args.seed)
        self.terminals: list[Terminal] = []
        self.relays: list[DelayRelay] = []
        self.prompt_ends: list[tuple[str, int]] = []
        self.prompts = 0
        self.killed: tuple[str, float] | None = None
        self.failover_s: float | None = None
        self.leader_back_ns: int | None = None  # the killed leader started again
        self.faults: dict[str, dict[str, float]] = {}
        self.site_key = base / "site.key_secret"
        self.restarts: list[tuple[str, int]] = []  # (terminal, monotonic ns restarted)
        self.down: tuple[Terminal, float] | None = None  # a follower killed, since
        self.next_restart_s = CHURN_FROM_S
        self.leaders_seen: list[str] = []  # the site's leader, each time it changed
        self.cross_relays: list[DelayRelay] = []  # the paths a split cuts
        self.split_since: float | None = None
        self.splits: list[dict[str, Any]] = []  # one per split: led, healed at
        self.healing_since: float | None = None  # a split healed; one leader yet?
        self.heal_times: list[float | None] = []

    # -- building the site ------------------------------------------------------------
    async def build(self) -> None:
        ids = [f"T{i + 1}" for i in range(self.args.terminals)]
        # One CURVE key for the site, as `gstv keys new` makes it (sync.site_keys).
        if not self.site_key.exists():
            site_keys.write(site_keys.generate(), self.site_key)
        ports = {tid: free_port() for tid in ids}
        views: dict[str, dict[str, str]] = {tid: {} for tid in ids}
        for me in ids:
            for other in ids:
                port = ports[other]
                across = self.args.split and _half(me, ids) != _half(other, ids)
                if other != me and (self.args.jitter_ms > 0 or across):
                    relay = DelayRelay(("127.0.0.1", ports[other]),
                                       jitter_ms=self.args.jitter_ms,
                                       rng=random.Random(self.rng.random()))
                    port = await relay.start()
                    self.relays.append(relay)
                    if across:
                        self.cross_relays.append(relay)
                views[me][other] = f"tcp://127.0.0.1:{port}"
        for tid in ids:
            directory = self.base / tid
            faults = FaultsSection()
            if self.args.clock_faults:
                faults = FaultsSection(clock_offset_ms=self.rng.uniform(-2000, 2000),
                                       clock_drift_ppm=self.rng.uniform(-200, 200))
            self.faults[tid] = {"offset_ms": round(faults.clock_offset_ms, 1),
                                "drift_ppm": round(faults.clock_drift_ppm, 1)}
            peers = tuple(Peer(id=other, endpoint=views[tid][other]) for other in ids)
            config = self.terminal_config(tid, directory, peers, faults)
            config.media.mkdir(parents=True, exist_ok=True)
            config.active_dir.mkdir(parents=True, exist_ok=True)
            self.prepare(config)
            terminal = Terminal(tid, directory, config)
            terminal.config_path.write_text(config.to_toml())
            self.terminals.append(terminal)

    def terminal_config(self, tid: str, directory: Path, peers: tuple[Peer, ...],
                        faults: FaultsSection) -> TerminalConfig:
        """A headless terminal of the simulated site, tracing the frames it shows."""
        return TerminalConfig(
            site_id=SITE_ID, terminal_id=tid, timezone="UTC", state_dir=directory / "state",
            player=PlayerSection(
                output="headless", payment_socket=directory / "payment.sock",
                status_socket=directory / "status.sock", headless_size=TRACE_SIZE,
                frame_trace=directory / "frames.log", read_frame_numbers=True),
            sync=SyncSection(peers=peers, compensate_drift=not self.args.no_compensation,
                             key_file=self.site_key),
            faults=faults,
        )

    def prepare(self, config: TerminalConfig) -> None:
        """The terminal's content before it starts: the frame-counter clip, staged."""
        shutil.copy(CLIP, config.media / CLIP.name)
        _stage_playlist(config)

    def start(self, terminal: Terminal) -> None:
        log = open(terminal.dir / "player.log", "ab")
        terminal.process = subprocess.Popen(
            [sys.executable, "-m", "gstv", "player", "--config", str(terminal.config_path)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    # -- running ----------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        await self.build()
        started = time.monotonic()
        started_ns = time.monotonic_ns()
        for terminal in self.terminals:
            self.start(terminal)
        end = started + self.args.duration
        kill_at = started + self.args.duration / 2
        interactive = sys.stdout.isatty()
        try:
            while (now := time.monotonic()) < end:
                await self.poll_statuses()
                self.read_traces()
                if self.args.prompts and now - started >= PROMPTS_FROM_S:
                    await self.drive_prompts(now, end)
                if self.args.kill_leader:
                    self.manage_leader(now, kill_at)
                self.note_leader()
                if self.args.restart_follower:
                    self.restart_followers(now - started)
                if self.args.split:
                    self.split_site(now - started)
                print_table(self, now - started, interactive)
                watching = (self.killed and self.failover_s is None) or \
                    self.healing_since is not None
                await asyncio.sleep(0.25 if watching else 1.0)
        finally:
            await self.stop_all()
        self.read_traces()
        return self.result(started_ns)

    async def poll_statuses(self) -> None:
        async def one(terminal: Terminal) -> None:
            try:
                terminal.status = await asyncio.to_thread(
                    query_status, terminal.config.player.status_socket, 0.5)
            except (OSError, ValueError):
                terminal.status = {}
        await asyncio.gather(*(one(t) for t in self.terminals))

    def read_traces(self) -> None:
        for terminal in self.terminals:
            path = terminal.config.player.frame_trace
            if path is None:  # a window: its frames are not traced
                continue
            try:
                with open(path, "rb") as trace:
                    trace.seek(terminal.trace_pos)
                    data = trace.read()
            except FileNotFoundError:
                continue
            complete = data.rfind(b"\n") + 1
            terminal.trace_pos += complete
            for line in data[:complete].splitlines():
                at, _deck, number, _label = line.split(b" ", 3)
                terminal.frames.append((int(at), int(number)))

    async def drive_prompts(self, now: float, end: float) -> None:
        for terminal in self.terminals:
            if not _alive(terminal):
                continue
            if terminal.prompt_until is not None:
                if now >= terminal.prompt_until:
                    if await _send(terminal, "prompt_end"):
                        self.prompt_ends.append((terminal.id, time.monotonic_ns()))
                    terminal.prompt_until = None
            elif now < end - 8 and self.rng.random() < PROMPT_CHANCE and terminal.status:
                if await _send(terminal, "prompt_start"):
                    self.prompts += 1
                    terminal.prompt_until = now + self.rng.uniform(*PROMPT_S)

    def manage_leader(self, now: float, kill_at: float) -> None:
        if self.killed is None and now >= kill_at:
            leader = next((t for t in self.terminals if t.status.get("sync", {}).get("role")
                           == "leader"), None)
            if leader is not None and leader.process is not None:
                leader.process.send_signal(signal.SIGKILL)
                leader.process.wait()
                leader.prompt_until = None
                self.killed = (leader.id, now)
            return
        if self.killed is None:
            return
        victim_id, killed_at = self.killed
        if self.failover_s is None:
            survivors = [t for t in self.terminals if t.id != victim_id]
            leaders = {t.status.get("sync", {}).get("leader") for t in survivors}
            if len(leaders) == 1 and None not in leaders and victim_id not in leaders:
                self.failover_s = round(now - killed_at, 2)
        victim = next(t for t in self.terminals if t.id == victim_id)
        if not _alive(victim) and now >= killed_at + KILL_DOWN_S:
            self.start(victim)
            self.leader_back_ns = time.monotonic_ns()

    def note_leader(self) -> None:
        """The site's leader as the terminals name it (one name held by most)."""
        named = [t.status.get("sync", {}).get("leader") for t in self.terminals
                 if t.status.get("sync", {}).get("role") in ("leader", "follower")]
        if not named or self.split_since is not None:
            return
        leader = max(set(named), key=named.count)
        if not self.leaders_seen or self.leaders_seen[-1] != leader:
            self.leaders_seen.append(leader)

    def restart_followers(self, elapsed: float) -> None:
        if self.down is not None:
            terminal, since = self.down
            if elapsed >= since + RESTART_DOWN_S:
                self.start(terminal)
                self.restarts.append((terminal.id, time.monotonic_ns()))
                self.down = None
            return
        if elapsed < self.next_restart_s or elapsed > self.args.duration - 10:
            return
        followers = [t for t in self.terminals if _alive(t) and
                     t.status.get("sync", {}).get("role") == "follower"]
        if not followers:
            return
        victim = self.rng.choice(followers)
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        victim.prompt_until = None
        self.down = (victim, elapsed)
        self.next_restart_s += RESTART_EVERY_S

    def split_site(self, elapsed: float) -> None:
        ids = [t.id for t in self.terminals]
        if self.healing_since is not None:
            names = {t.status.get("sync", {}).get("leader") for t in self.terminals}
            if len(names) == 1 and None not in names:
                self.heal_times[-1] = round(elapsed - self.healing_since, 2)
                self.healing_since = None
        if self.split_since is None:
            due = CHURN_FROM_S + len(self.splits) * SPLIT_EVERY_S
            if due <= elapsed <= self.args.duration - 15:
                for relay in self.cross_relays:
                    relay.cut()
                self.split_since = elapsed
                self.splits.append({"led": set(), "healed_ns": None})
            return
        split = self.splits[-1]
        if elapsed >= self.split_since + SPLIT_S / 2:
            # Each half should have settled on a leader of its own by now.
            for half in (0, 1):
                names = {t.status.get("sync", {}).get("leader") for t in self.terminals
                         if _half(t.id, ids) == half}
                if len(names) == 1 and None not in names:
                    split["led"].add((half, names.pop()))
        if elapsed >= self.split_since + SPLIT_S:
            for relay in self.cross_relays:
                relay.mend()
            split["healed_ns"] = time.monotonic_ns()
            self.split_since = None
            self.healing_since = elapsed
            self.heal_times.append(None)  # until every terminal names one leader

    async def stop_all(self) -> None:
        for terminal in self.terminals:
            if _alive(terminal):
                terminal.process.send_signal(signal.SIGTERM)
        for terminal in self.terminals:
            if terminal.process is not None:
                try:
                    await asyncio.to_thread(terminal.process.wait, 10)
                except subprocess.TimeoutExpired:
                    terminal.process.kill()
        for relay in self.relays:
            await relay.stop()

    # -- measuring --------------------------------------------------------------------
    def result(self, started_ns: int) -> dict[str, Any]:
        shown = match_frames({t.id: t.frames for t in self.terminals})
        converged = converged_at(shown, len(self.terminals))
        compared = [f for f in shown if len(f.times) > 1 and
                    (converged is not None and f.at_ns >= converged)]
        skews = [f.skew_ms for f in compared]
        resumes = []
        for terminal, ended in self.prompt_ends:
            back = back_in_step(shown, terminal, ended)
            resumes.append((back - ended) / 1e9 if back is not None else None)
        everyone = len(self.terminals)
        rejoins = []
        for terminal, restarted in self.restarts:
            back = all_in_step(shown, everyone, restarted)
            rejoins.append((back - restarted) / 1e9 if back is not None else None)
        heals = []
        for split in self.splits:
            if split["healed_ns"] is not None:
                back = all_in_step(shown, everyone, split["healed_ns"])
                heals.append((back - split["healed_ns"]) / 1e9 if back is not None else None)
        churn = {}
        if self.args.kill_leader:
            back = None if self.leader_back_ns is None else all_in_step(
                shown, everyone, self.leader_back_ns)
            churn["leader_rejoin_s"] = None if back is None else round(
                (back - self.leader_back_ns) / 1e9, 3)
        if self.args.restart_follower:
            churn.update({
                "follower_restarts": len(self.restarts),
                "follower_rejoin_s": _longest(rejoins),
                "leader_changes": max(0, len(self.leaders_seen) - 1)})
        if self.args.split:
            churn.update({
                "splits": len(self.splits),
                "split_led": bool(self.splits) and all(
                    len({half for half, _ in s["led"]}) == 2 and
                    len({name for _, name in s["led"]}) == 2 for s in self.splits),
                "heal_s": _longest(self.heal_times),
                "heal_in_step_s": _longest(heals)})
        return {
            "terminals": len(self.terminals),
            "skew_ms": {
                "p50": round(percentile(skews, 0.5), 3) if skews else None,
                "p99": round(percentile(skews, 0.99), 3) if skews else None,
                "max": round(max(skews), 3) if skews else None,
            },
            "converge_s": None if converged is None else round((converged - started_ns) / 1e9, 2),
            "resume_s": None if not resumes or None in resumes else round(max(resumes), 3),
            "failover_s": self.failover_s,
            "frames_compared": len(compared),
            "prompts": self.prompts,
            "prompts_resumed": sum(r is not None for r in resumes),
            "killed": self.killed[0] if self.killed else None,
            "jitter_ms": self.args.jitter_ms,
            "faults": self.faults,
            "duration_s": self.args.duration,
            **churn,
        }


# -- the live table and the summary -----------------------------------------------------
def print_table(sim: Simulation, elapsed: float, interactive: bool) -> None:
    recent = match_frames({t.id: t.frames[-90:] for t in sim.terminals})
    lines = [f"t={elapsed:5.1f}s  {'terminal':8} {'role':9} {'now playing':24} "
             f"{'offset est':>10} {'clock':>8} {'pos err':>8} {'skew':>8}"]
    reference = next((t.status["clock"] for t in sim.terminals
                      if t.status.get("sync", {}).get("role") == "leader"), None)
    for terminal in sim.terminals:
        status = terminal.status
        sync = status.get("sync", {})
        playing = status.get("now_playing") or {}
        now_playing = "prompt" if status.get("state") == "prompt" else (
            playing.get("file") or status.get("state") or "down")
        skews = [f.skew_ms for f in recent if terminal.id in f.times and len(f.times) > 1]
        skew = f"{percentile(skews, 0.5):.2f}ms" if skews else "-"
        offset = sync.get("offset_error_ms")
        position = sync.get("position_error_ms")
        clock = "-"
        if reference is not None and status.get("clock"):
            # Its site clock against the leader's, through the shared monotonic clock.
            mine = status["clock"]
            theirs = reference["site_ms_at"] + (mine["monotonic_ns"] -
                                                reference["monotonic_ns"]) / 1e6
            clock = f"{mine['site_ms_at'] - theirs:.2f}ms"
        lines.append(f"{'':9}{terminal.id:8} {sync.get('role', 'down'):9} "
                     f"{now_playing[:24]:24} "
                     f"{'-' if offset is None else f'{offset:.3f}ms':>10} {clock:>8} "
                     f"{'-' if position is None else f'{position:.2f}ms':>8} {skew:>8}")
    if interactive:
        print("\x1b[H\x1b[J" + "\n".join(lines), flush=True)
    elif int(elapsed) % 5 == 0:
        print("\n".join(lines), flush=True)


def print_summary(result: dict[str, Any]) -> None:
    skew = result["skew_ms"]
    lines = [f"site of {result['terminals']}: {result['frames_compared']} frames compared"]
    if skew["p50"] is None:
        lines.append("  the screens never converged: no skew to report")
    else:
        lines.append(f"  skew p50 {skew['p50']} ms, p99 {skew['p99']} ms, max {skew['max']} ms"
                     f" (converged after {result['converge_s']} s)")
    if result["prompts"]:
        back = result["resume_s"]
        lines.append(f"  {result['prompts']} prompts; slowest back in step after prompt_end: "
                     f"{'never' if back is None else f'{back} s'}")
    if result["killed"]:
        failover = result["failover_s"]
        lines.append(f"  leader {result['killed']} killed; new leader after "
                     f"{'never' if failover is None else f'{failover} s'}")
    print("\n".join(lines), flush=True)


# -- helpers ----------------------------------------------------------------------------
def _stage_playlist(config: TerminalConfig) -> None:
    """One loop of the frame-counter clip, for yesterday, today and tomorrow (UTC)."""
    today = datetime.now(timezone.utc).date()
    asset = {"assetId": "SYNC-1", "filename": CLIP.name, "type": "advertising",
             "start": "2020-01-01", "end": "2099-12-31", "tiNumber": "TI-SYNC-1"}
    schedules = [{"segmentId": f"SEG-{d}", "date": d.isoformat(),
                  "loops": [{"loopNumber": 1, "assets": [asset]}]}
                 for d in (today - timedelta(days=1), today, today + timedelta(days=1))]
    message = {"guid": "sim-1", "updatedOn": "2026-11-22 10:00:00.000",
               "playlist": [{"siteId": SITE_ID, "banners": [], "schedules": schedules}]}
    (config.active_dir / "playlist.json").write_text(json.dumps(message))


def _half(terminal_id: str, ids: list[str]) -> int:
    """Which half of a split site a terminal is in: the first half of the ids is 0."""
    return 0 if ids.index(terminal_id) < (len(ids) + 1) // 2 else 1


def _longest(times: list[float | None]) -> float | None:
    """The longest of `times`; None when there are none or one never happened."""
    return None if not times or None in times else round(max(times), 3)


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(terminal: Terminal) -> bool:
    return terminal.process is not None and terminal.process.poll() is None


async def _send(terminal: Terminal, event: str) -> bool:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(
            str(terminal.config.player.payment_socket)), 1.0)
        writer.write(json.dumps({"event": event}).encode() + b"\n")
        await writer.drain()
        reply = json.loads(await asyncio.wait_for(reader.readline(), 2.0))
        writer.close()
        return bool(reply.get("ok"))
    except (OSError, ValueError, asyncio.TimeoutError):
        return False

