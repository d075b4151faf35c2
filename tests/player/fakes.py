"""Hand-written fakes for the player's logic in virtual time: a `FakeScreen` (the
`player.screen.Screen` protocol, with `trigger_*` methods for pictures, ends and
failures, after Mopidy's `DummyAudio`), a `VirtualTime` that moves only when a test
says so, a probe that knows durations by name, and a POP sink that keeps what it is
told. `virtual_player` wires the real daemon (slot loop, content choice, POP tracker,
steering, screen-state path) onto them: no libVLC, no sleeps, no sockets."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time as wall_time
from concurrent.futures import Future
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from player.content import ContentLoader
from player.daemon import PlayerDaemon
from player.durations import DurationCache
from player.screen_state import ScreenState
from sync.clock import SiteClock
from sync.site_sync import SiteSync
from terminal.config import TerminalConfig



def noon_today_ms() -> int:
    """Today's 12:00 UTC: a site time whose slot boundaries a test can foresee (slots
    run from local midnight)."""
    today = wall_time.gmtime()
    return (wall_time.mktime((today.tm_year, today.tm_mon, today.tm_mday, 12, 0, 0, 0, 0, 0))
            - wall_time.timezone) * 1000


async def settle() -> None:
    """Let every task that can run, run, until all wait on virtual time again."""
    for _ in range(200):
        await asyncio.sleep(0)


class VirtualTime:
    """A monotonic clock and its sleepers; `advance` moves it, waking each sleeper at
    its own instant, in order."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now_s = start_s
        self._timers: list[tuple[float, int, asyncio.Future]] = []
        self._order = itertools.count()

    def monotonic_ns(self) -> int:
        return round(self.now_s * 1e9)

    async def until(self, wake_s: float, interrupt: asyncio.Event | None = None) -> bool:
        """Sleep until `wake_s`; False when `interrupt` came first."""
        if interrupt is not None and interrupt.is_set():
            return False
        if wake_s <= self.now_s:
            await asyncio.sleep(0)
            return interrupt is None or not interrupt.is_set()
        timer = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (wake_s, next(self._order), timer))
        if interrupt is None:
            await timer
            return True
        interrupted = asyncio.ensure_future(interrupt.wait())
        try:
            await asyncio.wait({timer, interrupted}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            interrupted.cancel()
            timer.cancel()
        return not interrupt.is_set()

    async def advance(self, seconds: float) -> None:
        target = self.now_s + seconds
        await settle()
        while self._timers and self._timers[0][0] <= target:
            wake, _, timer = heapq.heappop(self._timers)
            if timer.done():
                continue
            self.now_s = max(self.now_s, wake)
            timer.set_result(None)
            await settle()
        self.now_s = target
        await settle()


class VirtualClock:
    """The `player.timing.Clock` on virtual time: the real SiteClock, reading a
    virtual monotonic clock."""

    def __init__(self, time: VirtualTime, *, start_ms: int | None = None,
                 drift_ppm: float = 0.0) -> None:
        """`start_ms`: site time at the start; by default the wall clock's second, so
        content staged for today plays (gstv_rigs.staging stages by the real date)."""
        self.time = time
        if start_ms is None:
            start_ms = int(wall_time.time()) * 1000
        self.site = SiteClock(offset_ms=start_ms - time.now_s * 1000,
                              monotonic_ns=time.monotonic_ns, fault_drift_ppm=drift_ppm)

    steps = property(lambda self: self.site.steps)
    rate = property(lambda self: self.site.rate)
    oscillator_factor = property(lambda self: self.site.oscillator_factor)
    trusted = property(lambda self: self.site.trusted)

    def monotonic(self) -> float:
        return self.time.now_s

    def monotonic_ns(self) -> int:
        return self.time.monotonic_ns()

    def now_ms(self) -> int:
        return self.site.now_ms()

    def monotonic_at(self, site_ms: float) -> float:
        return self.site.monotonic_at(site_ms)

    def site_at_monotonic(self, monotonic_ns: int) -> float:
        return self.site.site_at_monotonic(monotonic_ns)

    async def sleep(self, seconds: float) -> None:
        await self.time.until(self.time.now_s + seconds)

    async def sleep_until(self, site_ms: float, interrupt: asyncio.Event, *,
                          spin: bool = False) -> bool:
        return await self.time.until(self.site.monotonic_at(site_ms), interrupt)


@dataclass
class FakeDeck:
    path: Path
    label: str
    offset_ms: int
    divisor: int
    picture: str = "shown"  # "shown", "waiting", "failed"
    started_at: float | None = None  # monotonic s it was unpaused at
    displayed: tuple[list[int], float] = ([], 0.0)


@dataclass
class FakeScreen:
    """The Screen protocol, kept in lists. `pictures="wait"`: prerolled decks wait for
    `trigger_picture`; `unopenable`: file names whose preroll fails."""

    time: VirtualTime
    pictures: str = "shown"
    unopenable: set[str] = field(default_factory=set)
    decks: dict[int, FakeDeck] = field(default_factory=dict)
    shown: list[tuple[float, str | None]] = field(default_factory=list)  # (mono s, label)
    composed: list[tuple[float, ScreenState]] = field(default_factory=list)
    rates: list[tuple[int, int]] = field(default_factory=list)
    volumes: list[float] = field(default_factory=list)
    prerolled: list[tuple[str, int]] = field(default_factory=list)  # (label, offset ms)
    unpauses: list[float] = field(default_factory=list)  # monotonic s of each start_at
    hidden: bool = False  # a prompt: shows make a deck active, not visible
    active: int | None = None
    placeholder: bool = False  # the placeholder covers the video zone now
    placeholders: list[float] = field(default_factory=list)  # monotonic s of each
    _standby: int = 0

    async def preroll(self, path: Path, label: str, offset_ms: int,
                      rate_divisor: int, *, source: str | None = None) -> int | None:
        self.prerolled.append((label, offset_ms))
        if path.name in self.unopenable or label in self.unopenable:
            return None
        deck, self._standby = self._standby, 1 - self._standby
        self.decks[deck] = FakeDeck(path, label, offset_ms, rate_divisor,
                                    picture="shown" if self.pictures == "shown" else "waiting")
        return deck

    def start_at(self, deck: int, monotonic_s: float) -> Future:
        self.decks[deck].started_at = monotonic_s
        self.unpauses.append(monotonic_s)
        return Future()

    def show(self, deck: int) -> None:
        self.active = deck
        self.placeholder = False
        if not self.hidden:
            self.shown.append((self.time.now_s, self.decks[deck].label))

    def reveal(self) -> None:
        self.hidden = False
        if self.active is not None:
            self.shown.append((self.time.now_s, self.decks[self.active].label))

    def blank(self, *, placeholder: bool = False) -> None:
        self.active = None
        if not self.hidden:
            self.shown.append((self.time.now_s, None))
        self.placeholder = placeholder
        if placeholder:
            self.placeholders.append(self.time.now_s)

    def set_rate(self, deck: int, divisor: int) -> None:
        self.rates.append((deck, divisor))

    def set_volume(self, level: float) -> None:
        self.volumes.append(level)

    def displayed(self, deck: int) -> tuple[list[int], float]:
        return self.decks[deck].displayed

    def picture_state(self, deck: int) -> str:
        return self.decks[deck].picture

    def compose(self, state: ScreenState) -> None:
        if state.prompting != self.hidden:
            self.hidden = state.prompting
        self.composed.append((self.time.now_s, state))

    def drain_frames(self) -> list:
        return []

    def close(self) -> None:
        pass

    # -- what a test makes the screen do -------------------------------------------------
    def trigger_picture(self, deck: int) -> None:
        self.decks[deck].picture = "shown"

    def trigger_end(self, deck: int) -> None:
        """The deck's media ended or failed before any picture."""
        self.decks[deck].picture = "failed"

    def trigger_pictures(self, deck: int, times_ns: list[int], frame_ms: float) -> None:
        """The deck displayed pictures at these monotonic instants."""
        self.decks[deck].displayed = (times_ns, frame_ms)

    @property
    def on_screen(self) -> str | None:
        return self.shown[-1][1] if self.shown else None


class FakeProbe:
    """Media durations by file name (a real probe needs libVLC)."""

    def __init__(self, durations: dict[str, int]) -> None:
        self.durations = durations

    def duration_ms(self, path: Path) -> int | None:
        return self.durations.get(path.name)


@dataclass
class FakePop:
    """The POP sink: records as the player writes them, by id."""

    records: dict[str, dict] = field(default_factory=dict)
    failed_writes: int = 0

    def begin(self, *, filename, asset_id, ti_number, start_ms, screen_state) -> str:
        record_id = f"r{len(self.records) + 1}"
        self.records[record_id] = {"filename": filename, "asset_id": asset_id,
                                   "ti_number": ti_number, "start_ms": start_ms, "end_ms": None,
                                   "progress_ms": start_ms, "screen_state": screen_state}
        return record_id

    def progress(self, record_id: str, at_ms: int) -> None:
        self.records[record_id]["progress_ms"] = at_ms

    def end(self, record_id: str, end_ms: int) -> None:
        self.records[record_id]["end_ms"] = end_ms

    def recover(self) -> int:
        return 0

    def pending_count(self) -> Future:
        future: Future = Future()
        future.set_result(len(self.records))
        return future

    def rows(self) -> list[dict]:
        return sorted(self.records.values(), key=lambda r: r["start_ms"])


async def inline(fn, *args):
    """What the player offloads to a thread, done at once (virtual time cannot wait for
    threads)."""
    return fn(*args)


class FakeHeap:
    """The C heap (player.native_heap): records the site instants it was trimmed at."""

    def __init__(self, now_ms) -> None:
        self._now_ms = now_ms
        self.trimmed_at: list[int] = []
        self.trims = 0
        self.longest_trim_ms = 0.0

    def trim(self) -> float:
        self.trimmed_at.append(self._now_ms())
        self.trims += 1
        return 0.0


@dataclass
class VirtualPlayer:
    daemon: PlayerDaemon
    screen: FakeScreen
    clock: VirtualClock
    pop: FakePop
    time: VirtualTime
    heap: FakeHeap

    async def advance(self, seconds: float) -> None:
        await self.time.advance(seconds)

    @property
    def timeline(self):
        return (self.daemon.active or self.daemon._content.content).timeline

    def started(self) -> list[tuple[int, str | None]]:
        """(site ms, label) of every show/blank: what went on screen when."""
        return [(round(self.clock.site_at_monotonic(round(t * 1e9))), label)
                for t, label in self.screen.shown]


@asynccontextmanager
async def virtual_player(config: TerminalConfig, durations: dict[str, int], *,
                         pictures: str = "shown", unopenable: set[str] = frozenset(),
                         timing=lambda path: None, drift_ppm: float = 0.0,
                         start_ms: int | None = None):
    """The real daemon on fakes, its time virtual; it stops when the block ends."""
    time = VirtualTime()
    clock = VirtualClock(time, drift_ppm=drift_ppm, start_ms=start_ms)
    screen = FakeScreen(time, pictures=pictures, unopenable=set(unopenable))
    pop = FakePop()
    content = ContentLoader(config, DurationCache(config.media, FakeProbe(durations)),
                            offload=inline, now_ms=clock.now_ms)
    heap = FakeHeap(clock.now_ms)
    daemon = PlayerDaemon(config, clock=clock, screen=screen, pop=pop, content=content,
                          sync=SiteSync(config, clock.site), serve_sockets=False,
                          timing=timing, heap=heap)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    await settle()
    try:
        yield VirtualPlayer(daemon, screen, clock, pop, time, heap)
    finally:
        stop.set()
        await settle()
        await task
