"""`gstv sim`: a whole site on one machine, for hardware-in-loop rigs, the sync
benchmark and the demo.

    gstv sim --terminals N --duration S [--clock-faults] [--prompts] [--kill-leader]
             [--restart-follower] [--split] [--jitter-ms J] [--json] [--seed K]
             [--keep DIR] [--clip NAME | --clips A,B,C] [--output headless|window]

It starts N real `gstv player` processes that form one site over ZeroMQ on loopback,
all playing a playlist of a frame-numbered clip, and measures from the frames they
display (the machine's monotonic clock, shared by all of them) how far apart they show
the same frame.

- `--output headless` (the default): the players' own frame traces, stamped by their
  display callbacks.
- `--output window`: each player in a real window (`WINDOW_SIZE`), side by side on one
  Xvfb of the rig's own; the frames come from an observer process outside the players
  (gstv_rigs.window_observer) that timestamps what the X server received from each
  window and reads the frame numbers and clip tags back from its pixels.

- `--clip NAME`: which clip (gstv_rigs.clips): `frame-counter` (the default, 320x180
  H.264), one of the content matrix (`webm720-vp9`, `mp41080-h264`, ..., made on first
  use into a cache outside the repository), or a path to any file that draws its frame
  number as scripts/make-sync-clip.sh does. `--clips A,B,C`: a loop of several, so the
  slot changes between different files are measured too. Frames are matched on
  (file, frame number).
- Sound: each screen plays into a null sink of a PulseAudio server of the rig's own,
  recorded with timestamps (gstv_rigs.sound); `audio_skew_ms`, `av_offset_ms`,
  `audio_gaps`, `audio_boundary_gaps`, `prompt_silence_ms` and `prompt_heard` come
  from what the sinks played (gstv_rigs.sound_figures). `--no-sound`: libVLC's null output, no figures.
  `--sound-timing`: who times the sound, as `[player] sound_timing`; by default the
  players' own scheduled output (player.audio_out), into the rig's PulseAudio.
- `out_of_step`, `coverage` and `dropped` per screen: see gstv_rigs.skew.
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
  connection across (gstv_rigs.relay). `split_led` says whether each half named one
  leader of its own during every split; `heal_s` is the longest time from a heal
  until every terminal names the same leader, `heal_in_step_s` until every screen
  showed a frame within 2 ms of all the others.
- `--jitter-ms J`: every path between two terminals goes through a userspace relay
  (gstv_rigs.relay) adding 0..J ms to each chunk, each way.

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
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gstv_rigs.clips import DEFAULT_CLIP, ClipError, resolve
from gstv_rigs.commands.sim_results import SimFigures, print_summary, print_table
from gstv_rigs.payment import PaymentLink
from gstv_rigs.site import TRACE_SIZE, SiteRig, Terminal, half, stop_processes
from gstv_rigs.sound import PulseServer
from gstv_rigs.staging import loop_asset, stage_loop
from gstv_rigs.xserver import WINDOW_SIZE, WindowSite
from terminal.config import (FaultsSection, Peer, PlayerSection, SyncSection, TerminalConfig,
                             Zones)

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
    clips = parser.add_mutually_exclusive_group()
    clips.add_argument("--clip", default=DEFAULT_CLIP, metavar="NAME",
                       help="a clip of the content matrix, or a path (default: %(default)s)")
    clips.add_argument("--clips", metavar="A,B,C", help="a loop of several clips")
    parser.add_argument("--output", choices=("headless", "window"), default="headless",
                        help="headless players, or real windows under Xvfb")
    parser.add_argument("--sound-timing", choices=("auto", "libvlc", "player"),
                        default="auto",
                        help="libVLC's own sound output, or the player's scheduled one "
                             "(auto, as [player] sound_timing: the player's wherever "
                             "PulseAudio takes it)")
    parser.add_argument("--no-sound", action="store_true",
                        help="libVLC's null audio output: no sound figures")
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
    try:
        args.clip_paths = [resolve(name) for name in
                           (args.clips.split(",") if args.clips else [args.clip])]
    except ClipError as error:
        print(f"gstv sim: {error}", file=sys.stderr)
        return 2
    if len({p.name for p in args.clip_paths}) != len(args.clip_paths):
        print("gstv sim: --clips names the same file twice", file=sys.stderr)
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


def sim_terminal(tid: str, directory: Path, peers: tuple[Peer, ...], faults: FaultsSection,
                 *, site_key: Path, compensate: bool = True, sound: bool = False,
                 window_at: tuple[int, int] | None = None,
                 sound_timing: str = "auto") -> TerminalConfig:
    """A terminal of the simulated site: headless, tracing the frames it shows, or with
    `window_at` a window there on the rig's X server."""
    if window_at is None:
        output: dict[str, Any] = dict(
            output="headless", headless_size=TRACE_SIZE, frame_trace=directory / "frames.log",
            read_frame_numbers=True, headless_audio="pulse" if sound else "none")
    else:
        width, height = WINDOW_SIZE
        output = dict(output="window", realtime=True, zones=Zones(
            screen=WINDOW_SIZE, position=window_at, full_video=(0, 0, width, height),
            transaction_video=(0, 0, width * 2 // 3, height * 2 // 3),
            banner=(0, height * 5 // 6, width, height // 6),
            coupon=(width * 2 // 3, 0, width // 3, height * 2 // 3)))
    return TerminalConfig(
        site_id=SITE_ID, terminal_id=tid, timezone="UTC", state_dir=directory / "state",
        player=PlayerSection(
            payment_socket=directory / "payment.sock", status_socket=directory / "status.sock",
            sound_timing=sound_timing,
            default_volume=100, **output),  # the sinks then hear the clip's own levels
        sync=SyncSection(peers=peers, compensate_drift=compensate, key_file=site_key),
        faults=faults,
    )


def stage_clips(config: TerminalConfig, clips: list[Path]) -> None:
    """The terminal's content before it starts: one loop of the clips."""
    stage_loop(config, [loop_asset(clip.name, f"SYNC-{i + 1}") for i, clip in enumerate(clips)],
               media=clips)


class Simulation(SimFigures):
    """The site (gstv_rigs.site) and the faults `gstv sim` drives into it."""

    def __init__(self, args: argparse.Namespace, base: Path) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.site = SiteRig(
            base, args.terminals, rng=self.rng, clock_faults=args.clock_faults,
            jitter_ms=args.jitter_ms, split=args.split,
            prepare=lambda config: stage_clips(config, args.clip_paths),
            configure=lambda tid, *a: sim_terminal(
                tid, *a, site_key=base / "site.key_secret", compensate=not args.no_compensation,
                sound=not args.no_sound, window_at=self.window_at(tid),
                sound_timing=args.sound_timing))
        self.windows = WindowSite(self.site.ids, base) if args.output == "window" else None
        self.pulse: PulseServer | None = None
        self.recorders: list = []
        self.links: dict[str, PaymentLink] = {}
        self.prompt_until: dict[str, float] = {}
        self.prompt_ends: list[tuple[str, int]] = []
        # Prompts: [terminal, from ns, to ns | None]. A screen is not due to show
        # anything in them, nor from a kill until it is back in step (honest_figures).
        self.prompt_spans: list[list] = []
        self.kills: list[tuple[str, int]] = []  # (terminal, monotonic ns killed)
        self.ended_ns = 0
        self.prompts = 0
        self.killed: tuple[str, float] | None = None
        self.failover_s: float | None = None
        self.leader_back_ns: int | None = None  # the killed leader started again
        self.restarts: list[tuple[str, int]] = []  # (terminal, monotonic ns restarted)
        self.down: tuple[Terminal, float] | None = None  # a follower killed, since
        self.next_restart_s = CHURN_FROM_S
        self.leaders_seen: list[str] = []  # the site's leader, each time it changed
        self.split_since: float | None = None
        self.splits: list[dict[str, Any]] = []  # one per split: led, healed at
        self.healing_since: float | None = None  # a split healed; one leader yet?
        self.heal_times: list[float | None] = []

    @property
    def terminals(self) -> list[Terminal]:
        return self.site.terminals

    def window_at(self, terminal_id: str) -> tuple[int, int] | None:
        """Where a terminal's window sits on the rig's X screen (None: headless)."""
        return None if self.windows is None else self.windows.position(terminal_id)

    # -- running ----------------------------------------------------------------------
    async def run(self) -> dict[str, Any]:
        await self.site.build()
        self.links = {t.id: PaymentLink(t.config.player.payment_socket)
                      for t in self.terminals}
        env: dict[str, str] = {}
        if self.windows is not None:
            env = await asyncio.to_thread(
                self.windows.start, [p.name for p in self.args.clip_paths])
        self.site.player_env = lambda tid: dict(env)
        if not self.args.no_sound:
            self.pulse = PulseServer([t.id for t in self.terminals])
            await asyncio.to_thread(self.pulse.start)
            pulse = self.pulse
            self.site.player_env = lambda tid: {**env, **pulse.env, "PULSE_SINK": tid}
            self.recorders = [pulse.recorder(t.id, t.dir / "sound.log") for t in self.terminals]
        started = time.monotonic()
        started_ns = time.monotonic_ns()
        for terminal in self.terminals:
            self.site.start(terminal)
        end = started + self.args.duration
        kill_at = started + self.args.duration / 2
        interactive = sys.stdout.isatty()
        try:
            while (now := time.monotonic()) < end:
                await self.site.poll_statuses()
                self.site.read_traces()
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
            self.ended_ns = time.monotonic_ns()
            for link in self.links.values():
                await link.close()
            await self.site.stop()
            await stop_processes(self.recorders)
            if self.pulse is not None:
                self.pulse.stop()
            if self.windows is not None:
                await asyncio.to_thread(self.windows.stop)
        self.site.read_traces()
        return self.result(started_ns)

    async def drive_prompts(self, now: float, end: float) -> None:
        for terminal in self.terminals:
            if not terminal.alive:
                continue
            link = self.links[terminal.id]
            until = self.prompt_until.get(terminal.id)
            if until is not None:
                if now >= until:
                    if (await link.send("prompt_end") or {}).get("ok"):
                        self.prompt_ends.append((terminal.id, time.monotonic_ns()))
                    self._prompt_over(terminal.id)
                    del self.prompt_until[terminal.id]
            elif now < end - 8 and self.rng.random() < PROMPT_CHANCE and terminal.status:
                span = [terminal.id, time.monotonic_ns(), None]
                if (await link.send("prompt_start") or {}).get("ok"):
                    self.prompt_spans.append(span)
                    self.prompts += 1
                    self.prompt_until[terminal.id] = now + self.rng.uniform(*PROMPT_S)

    def forget_prompt(self, terminal: Terminal) -> None:
        """A killed screen's prompt ended with it."""
        self.prompt_until.pop(terminal.id, None)
        self._prompt_over(terminal.id)
        self.kills.append((terminal.id, time.monotonic_ns()))

    def _prompt_over(self, terminal_id: str) -> None:
        for span in self.prompt_spans:
            if span[0] == terminal_id and span[2] is None:
                span[2] = time.monotonic_ns()

    def manage_leader(self, now: float, kill_at: float) -> None:
        if self.killed is None and now >= kill_at:
            leader = next((t for t in self.terminals if t.status.get("sync", {}).get("role")
                           == "leader"), None)
            if leader is not None and leader.process is not None:
                self.site.kill(leader)
                self.forget_prompt(leader)
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
        if not victim.alive and now >= killed_at + KILL_DOWN_S:
            self.site.start(victim)
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
                self.site.start(terminal)
                self.restarts.append((terminal.id, time.monotonic_ns()))
                self.down = None
            return
        if elapsed < self.next_restart_s or elapsed > self.args.duration - 10:
            return
        followers = [t for t in self.terminals if t.alive and t.role == "follower"]
        if not followers:
            return
        victim = self.rng.choice(followers)
        self.site.kill(victim)
        self.forget_prompt(victim)
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
                for relay in self.site.cross_relays:
                    relay.cut()
                self.split_since = elapsed
                self.splits.append({"led": set(), "healed_ns": None})
            return
        split = self.splits[-1]
        if elapsed >= self.split_since + SPLIT_S / 2:
            # Each half should have settled on a leader of its own by now.
            for side in (0, 1):
                names = {t.status.get("sync", {}).get("leader") for t in self.terminals
                         if half(t.id, ids) == side}
                if len(names) == 1 and None not in names:
                    split["led"].add((side, names.pop()))
        if elapsed >= self.split_since + SPLIT_S:
            for relay in self.site.cross_relays:
                relay.mend()
            split["healed_ns"] = time.monotonic_ns()
            self.split_since = None
            self.healing_since = elapsed
            self.heal_times.append(None)  # until every terminal names one leader
