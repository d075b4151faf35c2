"""`gstv player`'s daemon: the parts that each do one thing, wired, and their lifecycle.

- player.slot_loop: the timeline played slot by slot (joins, prerolls, starts);
- player.content_choice: which content from which boundary (the site follows its
  leader);
- player.pop_tracker: which POP records, when;
- player.steering: the deck kept on the site timeline by its rate;
- player.screen_state: payment state to what the screen shows;
- this module: the servers (payment socket, status socket), the periodic work (POP
  progress, volume, the systemd watchdog, the frame trace), prompts, status, and
  saying when the site halts for being offline (scheduler.timeline decides when).

Volume: the site configuration's schedule, else the network configuration's, else
`[player] default_volume` (scheduler.volume).

Site sync (sync.site_sync): at start a terminal of a site waits up to `[sync]
join_wait_s` for the site's time before it joins, so it does not show a few seconds on
its own clock first; after that it plays on its own clock and joins the site when it
can. When site time is stepped (first contact with the leader, a split site healing, a
large NTP correction) the screen rejoins the timeline at a future instant, as after a
prompt; smaller corrections are slewed and followed by the rate steering.

Prompts: picture and sound go at once (the screen-state path hides before anything
else) and the showing's record ends there (cut short). The decks play on behind the
prompt, hidden and silent, kept in step; at `prompt_end` the screen shows again at
once if its deck is within `REVEAL_ERROR_MS` (what steering closes) of the timeline
and the prompt lasted less than the prompt timeout, and otherwise (a clock step meanwhile, a deck out of step, a
payment terminal that vanished mid-prompt) it joins the timeline again where the other
screens are, as before. Measured: a rejoin with GSTV's 2 s GOPs takes up to 2.3 s; a
reveal is the next picture.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from typing import Any, Protocol

from player.content import ContentLoader
from player.content_choice import ContentChoice
from player.media_timing import media_timing
from terminal.notify import notify, watchdog_interval_s
from player.payment_protocol import PaymentState
from player.payment_server import PaymentServer
from player.pop_tracker import PopStore, PopTracker
from player.screen import Screen
from player.screen_state import picture_in_picture, pop_state, screen_state
from player.slot_loop import SlotLoop
from player.status import StatusServer
from player.steering import REJOIN_ERROR_MS, STEER_INTERVAL_S, Steering
from player.timing import Clock
from scheduler.localtime import from_epoch_ms
from scheduler.timeline import Slot
from scheduler.volume import volume_at
from sync.site_sync import SiteSync
from terminal.config import TerminalConfig

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 1.0
# A deck played on behind a prompt is shown again when steering can close its error
# (player.steering: under REJOIN_ERROR_MS it steers, whatever the persistence). With the
# site's in-step bound (2 ms) here, a slot started behind a prompt that ended within a
# second or two, still a few ms off as any start is, was rejoined instead: 4.4 s of
# black for a 2 s GOP where steering takes about one (gstv sim --output window, 2026-12-04).
REVEAL_ERROR_MS = REJOIN_ERROR_MS
TRACE_INTERVAL_S = 0.5
# The C heap's free pages go back to the kernel once a minute (player.native_heap), at
# a moment this far from a slot boundary on either side: a trim holds the heap's lock,
# which the decoders and the display callbacks wait on. A screen whose slots are all
# too short for that trims anyway after HEAP_TRIM_OVERDUE_S.
HEAP_TRIM_INTERVAL_S = 60.0
HEAP_TRIM_OVERDUE_S = 600.0
HEAP_TRIM_CLEAR_MS = 2_000


class Heap(Protocol):
    trims: int
    longest_trim_ms: float

    def trim(self) -> float | None: ...


class PlayerDaemon:
    def __init__(self, config: TerminalConfig, *, clock: Clock, screen: Screen,
                 pop: PopStore, content: ContentLoader, sync: SiteSync,
                 serve_sockets: bool = True, timing=media_timing,
                 heap: Heap | None = None) -> None:
        self._config = config
        self._heap = heap
        self._last_trim = clock.monotonic()
        self._clock = clock
        self._screen = screen
        self._pop_sink = pop
        self._content = content
        self._sync = sync
        self.pop = PopTracker(pop)
        self.steering = Steering(compensate=config.sync.compensate_drift,
                                 site_at=clock.site_at_monotonic)
        self.slots = SlotLoop(
            clock=clock, screen=screen, content=content,
            choice=ContentChoice(sync, config.tz, self._local), pop=self.pop,
            steering=self.steering, pop_state=lambda: pop_state(self.payment_state),
            on_slot=self._on_slot, local=self._local, timing=timing)
        self._steps_seen = clock.steps
        player = config.player
        self._payment: PaymentServer | None = None
        self._status: StatusServer | None = None
        if serve_sockets:
            self._payment = PaymentServer(
                player.payment_socket, self.on_payment_change,
                prompt_timeout_s=player.prompt_timeout_s,
                allowed_uids=set(player.payment_uids) | {os.getuid(), 0},
                allowed_gids=set(player.payment_gids))
            self._status = StatusServer(player.status_socket, self.status)
        self.payment_state = PaymentState()
        self._volume: float = player.default_volume
        self.prompts = 0
        self._prompt_since = 0.0  # monotonic s the last prompt started
        self.halted: dict[str, Any] | None = None  # why the screen is dark, while halted

    @property
    def slots_started(self) -> int:
        return self.slots.slots_started

    @property
    def active(self):
        """The content the slot loop plays."""
        return self.slots.active

    @property
    def in_step(self) -> bool:
        return self._sync.in_step

    @property
    def role(self) -> str:
        return self._sync.role

    # -- lifecycle --------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        recovered = self._pop_sink.recover()
        if recovered:
            log.warning("pop_recovered_after_crash records=%d", recovered)
        await self._content.refresh()
        await self._sync.start()
        if self._payment is not None:
            # A prompt a restart interrupted: hidden before anything plays, and before
            # the socket serves what waited in its backlog (a prompt_end among it).
            self._payment.restore()
        for server in (self._payment, self._status):
            if server is not None:
                await server.start()
        # Everything built so far lives as long as the daemon: out of the collector's
        # sight, a full collection no longer walks it, so it cannot hold the
        # interpreter (and the frame callbacks) for long at a slot boundary.
        gc.freeze()
        notify("READY=1", "STATUS=playing")
        log.info("player_started site=%s terminal=%s output=%s", self._config.site_id,
                 self._config.terminal_id, self._config.player.output)
        if not self._sync.alone:
            joined = await self._sync.wait_in_step(self._config.sync.join_wait_s)
            log.info("site_join in_step=%s role=%s leader=%s", joined, self._sync.role,
                     self._sync.leader)
        # A step of the clock while waiting for the site's time is no reason to rejoin:
        # nothing plays yet (once, the first join was thrown away for it, and the
        # screen joined a keyframe, up to a 2 s GOP, later).
        self._steps_seen = self._clock.steps
        tasks = [asyncio.create_task(self.slots.run(), name="slots"),
                 asyncio.create_task(self._ticker(), name="ticker"),
                 asyncio.create_task(self._steer_loop(), name="steer")]
        if self._config.player.frame_trace is not None:
            tasks.append(asyncio.create_task(self._trace_loop(), name="trace"))
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.slots.stop_watching()
            self.pop.left(self._clock.now_ms())
            self._screen.blank()
            for server in (self._payment, self._status):
                if server is not None:
                    await server.stop()
            await self._sync.stop()
            log.info("player_stopped")

    # -- payment events ---------------------------------------------------------------
    def on_payment_change(self, old: PaymentState, new: PaymentState) -> None:
        now = self._clock.now_ms()
        self.payment_state = new
        if new.prompting and not old.prompting:
            self._compose()  # picture and sound first, bookkeeping after
            self.slots.resume.clear()
            self.pop.left(now)
            self.prompts += 1
            self._prompt_since = self._clock.monotonic()
            log.info("prompt_start phase=%s", new.phase)
        elif old.prompting and not new.prompting:
            log.info("prompt_end phase=%s", new.phase)
            self._compose()  # the screen may show again
            lasted = self._clock.monotonic() - self._prompt_since
            in_step = (self.steering.playing is None
                       or abs(self.steering.error_ms) < REVEAL_ERROR_MS) \
                and lasted < self._config.player.prompt_timeout_s
            self.slots.after_prompt(in_step)
        if new.phase != old.phase:
            log.info("phase_change from=%s to=%s", old.phase, new.phase)
            self.pop.restate(pop_state(new), now)
        self._compose()

    def _compose(self) -> None:
        showing = self.pop.showing
        day = from_epoch_ms(self._clock.now_ms(), self._config.tz).date()
        self._screen.compose(screen_state(
            self.payment_state, slot=showing.slot if showing else None,
            content=self._content.content, day=day, media=self._config.media))

    def _on_slot(self, slot: Slot, at: int) -> None:
        self._note_halt(slot)
        self._apply_volume(at)
        self._compose()

    def _note_halt(self, slot: Slot) -> None:
        """Say once, at warning priority, that the site halted for being offline
        (scheduler.timeline: every screen halts at the same slot), and when it plays
        again; `gstv status` says it while it lasts."""
        if slot.kind == "halted" and self.halted is None:
            content = self.slots.active
            since = content.offline_since if content is not None else None
            self.halted = {"reason": "offline",
                           "since": None if since is None else self._local(since)}
            log.warning("playback_halted reason=offline since=%s shutdown_hours=%s",
                        self.halted["since"],
                        content.network.shutdownHours if content is not None else None)
        elif slot.kind != "halted" and self.halted is not None:
            log.warning("playback_resumed reason=online halted_since=%s",
                        self.halted["since"])
            self.halted = None

    # -- periodic work ----------------------------------------------------------------
    async def _ticker(self) -> None:
        watchdog = watchdog_interval_s()
        last_ping = 0.0
        while True:
            await self._clock.sleep(PROGRESS_INTERVAL_S)
            now = self._clock.now_ms()
            self.pop.tick(now)
            self._apply_volume(now)
            self._trim_heap(now)
            if watchdog and self._clock.monotonic() - last_ping >= watchdog:
                notify("WATCHDOG=1")
                last_ping = self._clock.monotonic()

    def _trim_heap(self, now: int) -> None:
        if self._heap is None:
            return
        mono = self._clock.monotonic()
        since = mono - self._last_trim
        if since < HEAP_TRIM_INTERVAL_S:
            return
        showing, upcoming = self.pop.showing, self.slots.next
        near_boundary = (showing is not None and now - showing.since_ms < HEAP_TRIM_CLEAR_MS) \
            or (upcoming is not None and upcoming.start - now < HEAP_TRIM_CLEAR_MS)
        if near_boundary and since < HEAP_TRIM_OVERDUE_S:
            return
        self._last_trim = mono
        self._heap.trim()

    async def _steer_loop(self) -> None:
        while True:
            await self._clock.sleep(STEER_INTERVAL_S)
            if self._clock.steps != self._steps_seen:
                self._steps_seen = self._clock.steps
                self.slots.rejoin("clock_step")
                continue
            playing = self.steering.playing
            if playing is None:
                continue
            wanted = self.steering.wanted_rate(self._clock.rate, self._clock.oscillator_factor)
            steer = self.steering.tick(self._clock.monotonic(), wanted,
                                       self._screen.displayed(playing.deck))
            if steer.rejoin:  # behind a prompt: at its end (player.slot_loop)
                log.warning("rejoin reason=position_error error_ms=%.1f", steer.error_ms)
                self.slots.rejoin("position_error")
            elif steer.divisor is not None and self.steering.playing == playing:
                self._screen.set_rate(playing.deck, steer.divisor)

    async def _trace_loop(self) -> None:
        """Displayed frames to the trace file, for rigs and `gstv sim`: one line per
        picture, `monotonic_ns deck number kind file`, kind `d` for a picture libVLC
        displayed then, `h` for one held since and put on screen by a show."""
        path = self._config.player.frame_trace
        assert path is not None

        def write() -> None:
            trace.writelines(f"{f.monotonic_ns} {f.deck} {f.number} {'h' if f.held else 'd'} "
                             f"{f.label}\n" for f in self._screen.drain_frames())
            trace.flush()

        with open(path, "a") as trace:
            try:
                while True:
                    await self._clock.sleep(TRACE_INTERVAL_S)
                    write()
            finally:
                write()

    def _apply_volume(self, at: int) -> None:
        content = self._content.content
        if content is None:
            return
        local = from_epoch_ms(at, self._config.tz)
        level = volume_at(content.configuration, local.hour * 60 + local.minute,
                          default=self._config.player.default_volume,
                          network=content.network)
        if level != self._volume:
            log.info("volume_change level=%s", level)
        self._volume = level
        self._screen.set_volume(level)

    # -- status -----------------------------------------------------------------------
    def _local(self, site_ms: int) -> str:
        return from_epoch_ms(site_ms, self._config.tz).isoformat(timespec="milliseconds")

    async def status(self) -> dict[str, Any]:
        pending = await asyncio.wrap_future(self._pop_sink.pending_count())
        content = self.slots.active or self._content.content  # what plays, once it plays
        showing = self.pop.showing
        upcoming = self.slots.next
        now = self._clock.now_ms()
        state = "prompt" if self.payment_state.prompting else "halted" if self.halted \
            else "playing" if showing and showing.slot.kind not in ("idle", "halted") \
            else "idle"
        mono = self._clock.monotonic_ns()
        return {
            "site_id": self._config.site_id,
            "terminal_id": self._config.terminal_id,
            "state": state,
            "phase": self.payment_state.phase,
            # Why the screen is dark, while it is: {"reason": "offline", "since": ...}.
            "halted": self.halted,
            # Where the video is: "full" (idle, fueling), "pip" (the transaction zone,
            # before and after fueling), "hidden" (a PCI prompt).
            "layout": "hidden" if self.payment_state.prompting
            else "pip" if picture_in_picture(self.payment_state) else "full",
            "now_playing": None if showing is None else {
                "kind": showing.slot.kind, "file": showing.slot.filename,
                "asset": showing.slot.asset_id, "since": self._local(showing.since_ms),
                "until": self._local(showing.slot.end),
            },
            "next": None if upcoming is None else {
                "kind": upcoming.kind, "file": upcoming.filename,
                "asset": upcoming.asset_id, "at": self._local(upcoming.start),
            },
            "playlist_version": content.playlist_version if content else None,
            "config_version": content.config_version if content else None,
            "network": None if content is None else {
                "version": content.network_version,
                "shutdown_hours": content.network.shutdownHours,
                "evergreen": [e.filename for e in content.network.evergreen]},
            "volume": self._volume,
            "outbox_pending": pending,
            "pop_write_failures": self._pop_sink.failed_writes,
            "clock": {
                "site_time": self._local(now),
                "offset_ms": round(now - self._wall_ms(), 1),
                "trusted": self._clock.trusted,
                # One reading of both clocks: rigs on one machine compare terminals'
                # site clocks through the monotonic clock they share.
                "monotonic_ns": mono,
                "site_ms_at": round(self._clock.site_at_monotonic(mono), 3),
            },
            "sync": {**self._sync.status(),
                     "position_error_ms": None if self.steering.playing is None
                     else round(self.steering.error_ms, 3),
                     # "pictures": measured on displayed (or presented) pictures;
                     # "model": none to measure on (player.steering)
                     "position_source": None if self.steering.playing is None
                     else "pictures" if self.steering.measured else "model"},
            "slots_started": self.slots_started,
            "prompts": self.prompts,
            # The C heap's free pages given back (player.native_heap): how often, and
            # the longest the heap was held for it.
            "heap": None if self._heap is None else {
                "trims": self._heap.trims,
                "longest_trim_ms": round(self._heap.longest_trim_ms, 3)},
        }

    @staticmethod
    def _wall_ms() -> float:
        return time.time() * 1000  # only to show how far site time is from the system's

