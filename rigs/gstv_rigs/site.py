"""A site of real `gstv player` processes on one machine, which `gstv sim` and `gstv demo`
compose: it builds the site (one CURVE key, a port per terminal, optional relays
between them, each terminal's configuration and content), supervises the players
(start, kill -9, stop), watches them (their status sockets, their frame traces) and
measures what they showed (gstv_rigs.skew).

What a rig adds is given, not inherited: `configure(terminal_id, directory, peers,
faults)` builds a terminal's configuration, `prepare(config)` puts its content in
place before it starts.

Ports come from below the kernel's ephemeral range (`free_port`): between planning the
site and its last player binding, the terminals' ZeroMQ connections and agents' HTTP
ones take source ports from that range, and a player whose port was taken could not
start (a site of three once came up as two on a fresh machine).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gstv_rigs.relay import DelayRelay
from gstv_rigs.skew import FrameShown, converged_at, match_frames, percentile
from player.status import query_status
from sync import site_keys
from terminal.config import FaultsSection, Peer, TerminalConfig

Configure = Callable[[str, Path, tuple[Peer, ...], FaultsSection], TerminalConfig]
ROOT = Path(__file__).resolve().parents[2]
SYNC_CLIP = ROOT / "assets" / "sync" / "frame-counter.mp4"  # draws its frame numbers
TRACE_SIZE = (64, 36)  # a traced headless screen: enough pixels to read a frame number


@dataclass
class Terminal:
    id: str
    dir: Path
    config: TerminalConfig
    process: subprocess.Popen | None = None
    trace_pos: int = 0
    # (ns, number, file, held): see player.daemon's trace and player.frames.Frame.held
    frames: list[tuple[int, int, str, bool]] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.dir / "terminal.toml"

    @property
    def trace_path(self) -> Path | None:
        """Its frames: its own trace (headless), or what the rig's observer saw of its
        window (gstv_rigs.window_observer)."""
        if self.config.player.output == "window":
            return self.dir / "frames.observed.log"
        return self.config.player.frame_trace

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def role(self) -> str | None:
        return self.status.get("sync", {}).get("role")


class SiteRig:
    def __init__(self, base: Path, count: int, *, configure: Configure,
                 prepare: Callable[[TerminalConfig], None], rng: random.Random,
                 clock_faults: bool = False, jitter_ms: float = 0.0,
                 split: bool = False) -> None:
        self.base = base
        self.ids = [f"T{i + 1}" for i in range(count)]
        self._configure, self._prepare, self._rng = configure, prepare, rng
        self._clock_faults, self._jitter_ms, self._split = clock_faults, jitter_ms, split
        self.site_key = base / "site.key_secret"
        self.terminals: list[Terminal] = []
        self.relays: list[DelayRelay] = []
        self.cross_relays: list[DelayRelay] = []  # the paths a split cuts
        self.faults: dict[str, dict[str, float]] = {}
        # Extra environment per terminal's player (a rig's sound server: gstv_rigs.sound).
        self.player_env: Callable[[str], dict[str, str]] = lambda terminal_id: {}

    # -- building -----------------------------------------------------------------------
    async def build(self) -> None:
        ids = self.ids
        if not self.site_key.exists():  # one CURVE key for the site, as `gstv keys new`
            site_keys.write(site_keys.generate(), self.site_key)
        ports = {tid: free_port() for tid in ids}
        views: dict[str, dict[str, str]] = {tid: {} for tid in ids}
        for me in ids:
            for other in ids:
                port = ports[other]
                across = self._split and half(me, ids) != half(other, ids)
                if other != me and (self._jitter_ms > 0 or across):
                    relay = DelayRelay(("127.0.0.1", ports[other]), jitter_ms=self._jitter_ms,
                                       rng=random.Random(self._rng.random()))
                    port = await relay.start()
                    self.relays.append(relay)
                    if across:
                        self.cross_relays.append(relay)
                views[me][other] = f"tcp://127.0.0.1:{port}"
        for tid in ids:
            faults = FaultsSection()
            if self._clock_faults:
                faults = FaultsSection(clock_offset_ms=self._rng.uniform(-2000, 2000),
                                       clock_drift_ppm=self._rng.uniform(-200, 200))
            self.faults[tid] = {"offset_ms": round(faults.clock_offset_ms, 1),
                                "drift_ppm": round(faults.clock_drift_ppm, 1)}
            peers = tuple(Peer(id=other, endpoint=views[tid][other]) for other in ids)
            directory = self.base / tid
            config = self._configure(tid, directory, peers, faults)
            config.media.mkdir(parents=True, exist_ok=True)
            config.active_dir.mkdir(parents=True, exist_ok=True)
            self._prepare(config)
            terminal = Terminal(tid, directory, config)
            terminal.config_path.write_text(config.to_toml())
            self.terminals.append(terminal)

    # -- supervising --------------------------------------------------------------------
    def start(self, terminal: Terminal) -> None:
        terminal.process = spawn("player", terminal.config_path, terminal.dir / "player.log",
                                 env=self.player_env(terminal.id))

    def kill(self, terminal: Terminal) -> None:
        if terminal.process is not None:
            terminal.process.send_signal(signal.SIGKILL)
            terminal.process.wait()

    async def stop(self) -> None:
        """Every player stopped (their last POP records close), every relay closed."""
        await stop_processes([t.process for t in self.terminals if t.process is not None])
        for relay in self.relays:
            await relay.stop()

    # -- watching -----------------------------------------------------------------------
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
            path = terminal.trace_path
            if path is None:
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
                at, _deck, number, kind, label = line.split(b" ", 4)
                terminal.frames.append((int(at), int(number), label.decode(), kind == b"h"))

    def leader(self) -> Terminal | None:
        return next((t for t in self.terminals if t.role == "leader"), None)

    # -- measuring ----------------------------------------------------------------------
    def shown(self, last: int | None = None, *, held: bool = False) -> list[FrameShown]:
        """Every frame the screens displayed, with when each displayed it (with `held`,
        also the held pictures shows put up: gstv_rigs.skew)."""
        return match_frames({t.id: t.frames if last is None else t.frames[-last:]
                             for t in self.terminals}, held=held)

    def skew(self, shown: list[FrameShown]) -> tuple[int | None, list[float]]:
        """When the site converged, and the skew of every frame two or more screens
        showed from then on (the first seconds are the clocks settling)."""
        converged = converged_at(shown, len(self.terminals))
        skews = [f.skew_ms for f in shown
                 if len(f.times) > 1 and converged is not None and f.at_ns >= converged]
        return converged, skews


def spawn(command: str, config_path: Path, log_path: Path,
          env: dict[str, str] | None = None) -> subprocess.Popen:
    """`gstv COMMAND --config FILE` in a session of its own, its output to `log_path`."""
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "gstv", command, "--config",
                                 str(config_path)], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True,
                                env={**os.environ, **env} if env else None)


async def start_cloud(base: Path, media: Path) -> tuple[subprocess.Popen, str]:
    """`gstv cloud` on a free loopback port, its data in `base/cloud` with a copy of
    `media`, its log in `base/cloud.log`; the process and its URL once it listens."""
    data = base / "cloud"
    shutil.copytree(media, data / "media")
    with open(base / "cloud.log", "ab") as log:
        cloud = subprocess.Popen(
            [sys.executable, "-m", "gstv", "cloud", "--port", "0", "--data", str(data)],
            stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
    assert cloud.stdout is not None
    line = await asyncio.to_thread(cloud.stdout.readline)
    if not line.startswith("cloud_listening url="):
        raise RuntimeError(f"gstv cloud did not start: {line!r}")
    return cloud, line.split("url=", 1)[1].strip()


async def stop_processes(processes: list[subprocess.Popen], grace_s: float = 10) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            await asyncio.to_thread(process.wait, grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def summary_of(skews: list[float]) -> dict[str, float | None]:
    return {"p50": round(percentile(skews, 0.5), 3) if skews else None,
            "p99": round(percentile(skews, 0.99), 3) if skews else None,
            "max": round(max(skews), 3) if skews else None}


def half(terminal_id: str, ids: list[str]) -> int:
    """Which half of a split site a terminal is in: the first half of the ids is 0."""
    return 0 if ids.index(terminal_id) < (len(ids) + 1) // 2 else 1


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now, below the kernel's
    ephemeral range (see the module docstring)."""
    low, _ = _ephemeral_range()
    for _ in range(200):
        port = random.randrange(max(1024, low - 20_000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default
