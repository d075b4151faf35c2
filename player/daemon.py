"""`gstv player`: the per-screen real-time loop.

It plays the site timeline slot by slot: each slot is prerolled paused on the standby
deck well before its start and unpaused at its site instant (`SiteClock`), so slots
follow each other with no black gap and every screen switches on the same instant.

Decisions written down here:
- Joining (start-up, or back from a PCI prompt) happens at a future instant at least
  `JOIN_HEADROOM_MS` ahead, at the position the timeline has then: the screen rejoins
  where the other screens are, not where it stopped. The instant is moved on to the
  file's next keyframe (player.keyframes: only there can a deck be primed and start
  exactly); when less than `MIN_JOIN_REMAINDER_MS` of the slot would be left, it
  joins at the next boundary. Rejoining therefore takes the headroom plus up to one
  GOP: content encoded with half-second GOPs rejoins within a second.
- A newly staged playlist/configuration is taken when the next slot is chosen, i.e. at
  a slot boundary, never mid-asset.
- Proof of play: one record per contiguous display of an asset in one screen state. A
  record starts when the asset appears; it ends at the slot's end, at a prompt (asset
  cut short), when the screen state changes (Full <-> Partial, then a new record
  starts), or at shutdown. Its progress mark moves every `PROGRESS_INTERVAL_S`, which
  bounds what a power cut can lose of its duration. Blankout and idle slots: no POP.
- A file that cannot be opened or decoded is skipped for its slot: black, a log line,
  no POP; the loop carries on with the next slot.
- A record is written only once the deck has put a picture up (`picture_state`): a
  file cut short after its header opens and reports its tracks, but no picture ever
  comes, and a record for it would bill an advertiser for black. The record still
  starts at the instant the asset appeared. Headless, a primed deck has shown its
  picture by then and the record is written at once; in a window libVLC makes its
  video output 50-300 ms after the start, and until then nothing is on screen, so a
  kill -9 in that moment loses nothing that was seen. A file that ends or fails
  before any picture: `slot_blank`, no record.

Site sync (sync.site_sync, player.rate):
- At start a terminal of a site waits up to `[sync] join_wait_s` for the site's time
  before it joins, so it does not show a few seconds on its own clock first; after
  that it plays on its own clock and joins the site when it can.
- When site time is stepped (first contact with the leader, a split site healing, a
  large NTP correction) the screen rejoins the timeline at a future instant, as after
  a prompt; smaller corrections are slewed and followed by the rate steering.
- Rate steering: every `STEER_INTERVAL_S` the playing deck's position error is
  measured from its displayed pictures (headless: each picture's display time against
  its due site instant, modulo the frame interval, median of the latest ones), or
  modelled from the rates it played at (window mode, which has no display callback),
  and `player.rate` picks libVLC's rate. The wanted rate is the site clock's against
  our oscillator (`SiteClock.rate`). An error of `REJOIN_ERROR_MS` or more that
  persists is rejoined at a future instant instead.
- Content changes follow the leader: the leader announces its playlist/configuration
  versions and inventory with the first slot boundary at least `SWITCH_LEAD_MS`
  ahead; every screen holding those versions switches at that boundary, computing the
  timeline on the leader's inventory. A screen still without the announced versions
  keeps playing what it has (logged) and switches at its next boundary once it has
  them. Alone, a terminal switches at its next boundary.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from player.config import TerminalConfig
from player.content import Content, ContentLoader
from player.engine import START_LEAD_MS, VlcEngine, may_use_realtime
from player.keyframes import keyframe_times_ms
from player.notify import notify, watchdog_interval_s
from player.payment_protocol import PaymentState
from player.payment_server import PaymentServer
from player.pop_writer import PopWriter
from player.rate import RATE_BASE, ModelledPosition, RateSteer, nearest, phase_error_ms
from player.starter import Starter
from player.status import StatusServer
from scheduler.banners import banners_for
from scheduler.localtime import from_epoch_ms
from scheduler.timeline import Slot
from scheduler.volume import volume_at
from sync.clock import SiteClock
from sync.site_sync import SiteSync

log = logging.getLogger(__name__)

JOIN_HEADROOM_MS = 300  # a preroll at a keyframe takes 15-150 ms here, loaded
PREROLL_AHEAD_MS = 1_500  # prepare the next slot this long before it starts
MIN_JOIN_REMAINDER_MS = 500  # join a slot mid-way only if this much of it is left
PROGRESS_INTERVAL_S = 1.0
PICTURE_POLL_S = 0.02  # how often a deck without a picture yet is looked at
SPIN_MS = 2.0  # the last stretch before a start is spun, not slept
STEER_INTERVAL_S = 0.1
# A position error this large, seen this many ticks in a row, is not steered away (the
# steer corrects about 1 ms per second) but rejoined at a future instant.
REJOIN_ERROR_MS = 8.0
REJOIN_AFTER_TICKS = 5
MEASURE_SPAN_MS = 300  # position error: median over the pictures of this last stretch
SETTLE_AFTER_START_MS = 60  # pictures this soon after a start do not count yet
SWITCH_LEAD_MS = 4_000
TRACE_INTERVAL_S = 0.5


@dataclass
class _Showing:
    slot: Slot
    record_id: str | None
    screen_state: str
    since_ms: int


class PlayerDaemon:
    def __init__(
        self, config: TerminalConfig, *, clock: SiteClock, engine: VlcEngine,
        pop: PopWriter, content: ContentLoader, window: Any = None,
        sync: SiteSync | None = None,
    ) -> None:
        self._config = config
        self._clock = clock
        self._sync = sync or SiteSync(config, clock)
        self._active: Content | None = None  # what the slot loop plays
        self._announced: dict[str, Any] | None = None  # as leader
        self._rebuilt: dict[tuple, Content] = {}  # content on the leader's inventory
        self._keyframes: dict[str, tuple[int, list[int] | None]] = {}  # file: (mtime, times)
        self._lagging_said: tuple | None = None
        self._steps_seen = clock.steps
        self._steer = RateSteer()  # steers the deck on screen
        self._preroll_divisor = RATE_BASE  # the standby deck's rate, set while paused
        self._far_ticks = 0
        self._starter = Starter(realtime=config.player.realtime and may_use_realtime())
        self._model = ModelledPosition()
        self._playing: tuple[int, int, float] | None = None  # deck, slot start, since (site ms)
        self._engine = engine
        self._pop = pop
        self._content = content
        self._window = window
        player = config.player
        own = {os.getuid()}
        self._payment = PaymentServer(
            player.payment_socket, self._on_payment_change,
            prompt_timeout_s=player.prompt_timeout_s,
            allowed_uids=set(player.payment_uids) | own | {0},
            allowed_gids=set(player.payment_gids),
        )
        self._status = StatusServer(player.status_socket, self.status)
        self._showing: _Showing | None = None
        self._watch: asyncio.Task | None = None  # waits for the showing's first picture
        self._next: Slot | None = None
        self._interrupt = asyncio.Event()  # a prompt started: leave the slot loop
        self._resume = asyncio.Event()  # no prompt is showing
        self._resume.set()
        self._volume: float = player.default_volume
        self.slots_started = 0
        self.prompts = 0
        self.position_error_ms = 0.0

    # -- lifecycle --------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        recovered = self._pop.recover()
        if recovered:
            log.warning("pop_recovered_after_crash records=%d", recovered)
        await self._content.refresh()
        await self._sync.start()
        await self._payment.start()
        await self._status.start()
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
        tasks = [asyncio.create_task(self._slot_loop(), name="slots"),
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
            self._end_showing(self._clock.now_ms())
            self._engine.blank()
            await self._payment.stop()
            await self._status.stop()
            await self._sync.stop()
            self._starter.close()
            log.info("player_stopped")

    # -- the slot loop ----------------------------------------------------------------
    async def _slot_loop(self) -> None:
        while True:
            await self._resume.wait()
            self._interrupt.clear()
            await self._play_from(self._clock.now_ms() + JOIN_HEADROOM_MS)

    async def _play_from(self, start_at: int) -> None:
        """Join the timeline at `start_at` and follow it until a prompt interrupts."""
        await self._content.refresh()
        self._active = self._content_for(start_at)
        headroom = start_at - self._clock.now_ms()
        while True:
            slot = self._current_timeline().slot_at(start_at)
            start_at = await self._keyframe_instant(slot, start_at)
            if slot.end - start_at < MIN_JOIN_REMAINDER_MS:
                # Too little left of it to be worth a seek, and the next slot would
                # have no time to preroll: join at the next boundary instead.
                start_at = slot.end
                slot = self._current_timeline().slot_at(start_at)
            deck = await self._prepare(slot, start_at - slot.start)
            late = self._clock.now_ms() - (start_at - START_LEAD_MS)
            if deck is None or late <= 0 or self._interrupt.is_set():
                break
            # The preroll overran the headroom (a busy machine): starting now would
            # put this screen `late` ms behind the site for the whole slot. Join
            # later instead, with more headroom.
            headroom = min(headroom * 2, 4_000)
            log.warning("join_late by_ms=%d retry_in_ms=%d", late, headroom)
            start_at = self._clock.now_ms() + headroom
        while not self._interrupt.is_set():
            if not await self._start_at(start_at, deck):
                return
            self._begin(slot, deck, start_at)
            self._next = self._current_timeline().slot_at(slot.end)
            if not await self._sleep_until(slot.end - PREROLL_AHEAD_MS):
                return
            await self._content.refresh()  # staged updates count from the next boundary
            self._active = self._content_for(slot.end)
            upcoming = self._next = self._current_timeline().slot_at(slot.end)
            start_at = slot.end
            deck = await self._prepare(upcoming, start_at - upcoming.start)
            slot = upcoming

    def _current_timeline(self):
        assert self._active is not None
        return self._active.timeline

    # -- content, as the site leader announces it --------------------------------------
    def _content_for(self, boundary: int) -> Content:
        """The content to play from `boundary` on (see the module docstring)."""
        candidate = self._content.content
        assert candidate is not None
        active = self._active
        role = self._sync.role
        if role in ("alone", "starting"):
            return candidate
        if role == "leader":
            announced = self._announced
            if announced is None or tuple(announced["key"]) != candidate.key:
                in_force = active is not None and active.key == candidate.key
                switch_at = 0 if in_force or active is None else self._first_boundary(
                    self._clock.now_ms() + SWITCH_LEAD_MS)
                announced = self._announced = {
                    "key": list(candidate.key), "playlist": candidate.playlist_version,
                    "config": candidate.config_version, "digest": candidate.digest,
                    "switch_at": switch_at}
                self._sync.publish(announced, dict(candidate.durations))
                log.info("content_announced playlist=%s config=%s digest=%s at=%s",
                         candidate.playlist_version, candidate.config_version,
                         candidate.digest, self._local(switch_at) if switch_at else "now")
            return candidate if announced["switch_at"] <= boundary or active is None \
                else active
        announced, inventory = self._sync.leader_content()
        if announced is None or inventory is None:
            return active or candidate
        versions = (announced.get("playlist"), announced.get("config"))
        if versions != (candidate.playlist_version, candidate.config_version):
            if self._lagging_said != versions:
                log.warning("content_differs_from_leader leader_playlist=%s leader_config=%s"
                            " ours_playlist=%s ours_config=%s", *versions,
                            candidate.playlist_version, candidate.config_version)
                self._lagging_said = versions
            return active or candidate
        if active is not None and announced.get("switch_at", 0) > boundary:
            return active
        key = (*versions, announced.get("digest"))
        if key not in self._rebuilt:
            self._rebuilt = {key: candidate.with_inventory(inventory, self._config.tz)}
        return self._rebuilt[key]

    async def _keyframe_instant(self, slot: Slot, start_at: int) -> int:
        """The first instant at or after `start_at` where the slot's file has a
        keyframe (player.keyframes): a deck primes only there. Unchanged when the
        keyframes are unknown."""
        if slot.filename is None or start_at == slot.start:
            return start_at
        path = self._config.media / slot.filename
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return start_at
        cached = self._keyframes.get(slot.filename)
        if cached is None or cached[0] != stamp:
            cached = (stamp, await asyncio.to_thread(keyframe_times_ms, path))
            self._keyframes = {**self._keyframes, slot.filename: cached}
        keyframes = cached[1]
        if not keyframes:
            return start_at
        offset = start_at - slot.start
        later = [k for k in keyframes if k >= offset]
        return slot.start + later[0] if later else slot.end

    def _first_boundary(self, after: int) -> int:
        """The first slot boundary of the timeline in force at or after `after`."""
        slot = self._current_timeline().slot_at(after)
        return after if slot.start == after else slot.end

    async def _prepare(self, slot: Slot, offset_ms: int) -> int | None:
        if slot.kind == "idle" or slot.filename is None:
            return None
        path = self._config.media / slot.filename
        self._preroll_divisor = nearest(self._wanted_rate())
        deck = await self._engine.preroll(path, slot.filename, offset_ms,
                                          self._preroll_divisor)
        if deck is None:
            log.warning("slot_skipped file=%s asset=%s reason=cannot_open_or_decode",
                        slot.filename, slot.asset_id)
        return deck

    def _begin(self, slot: Slot, deck: int | None, at: int) -> None:
        self._end_showing(at)
        self._apply_volume(at)
        self._playing = None
        if deck is None:
            self._engine.blank()
            self._showing = _Showing(slot, None, self._screen_state(), at)
            log.info("slot_start kind=%s until=%s", "idle" if slot.kind == "idle" else
                     "black", self._local(slot.end))
        else:
            self._engine.show(deck)
            self._playing = (deck, slot.start, at)
            self._steer.start(self._preroll_divisor, self._wanted_rate())
            self._far_ticks = 0
            self._model.start(time.monotonic(), RATE_BASE / self._preroll_divisor)
            self._showing = _Showing(slot, None, self._screen_state(), at)
            self._confirm_showing(self._showing, deck)
            self.slots_started += 1
            log.info("slot_start kind=%s file=%s asset=%s loop=%s until=%s", slot.kind,
                     slot.filename, slot.asset_id, slot.loop_number, self._local(slot.end))
        self._update_window()

    def _confirm_showing(self, showing: _Showing, deck: int) -> None:
        """Write the showing's POP record once its deck has put a picture on screen
        (see the module docstring): now, or from a watch that ends with the showing."""
        if self._engine.picture_state(deck) == "shown":
            showing.record_id = self._open_record(showing.slot, showing.since_ms,
                                                  showing.screen_state)
            return
        self._watch = asyncio.get_running_loop().create_task(
            self._watch_for_picture(showing, deck), name="picture")

    async def _watch_for_picture(self, showing: _Showing, deck: int) -> None:
        while self._showing is showing:
            state = self._engine.picture_state(deck)
            if state == "shown":
                showing.record_id = self._open_record(showing.slot, showing.since_ms,
                                                      showing.screen_state)
                if showing.record_id is not None:
                    self._pop.progress(showing.record_id, self._clock.now_ms())
                return
            if state == "failed":
                log.warning("slot_blank file=%s asset=%s reason=nothing_decoded",
                            showing.slot.filename, showing.slot.asset_id)
                return
            await asyncio.sleep(PICTURE_POLL_S)

    def _open_record(self, slot: Slot, at: int, screen_state: str) -> str | None:
        """A POP record for an asset appearing at `at`; blankout and idle get none."""
        if slot.kind != "asset" or slot.asset is None:
            return None
        return self._pop.begin(filename=slot.asset.filename, asset_id=slot.asset.assetId,
                               ti_number=slot.asset.tiNumber, start_ms=at,
                               screen_state=screen_state)

    def _end_showing(self, at: int) -> None:
        if self._showing is not None and self._showing.record_id is not None:
            self._pop.end(self._showing.record_id, at)
        self._showing = None

    async def _start_at(self, site_ms: int, deck: int | None) -> bool:
        """Unpause `deck` `START_LEAD_MS` ahead of `site_ms` (on the starter thread,
        player.starter), then return at `site_ms` (the last stretch spun) for the
        caller to show it. False if a prompt interrupted."""
        job = None
        if deck is not None:
            job = self._starter.at(self._clock.monotonic_at(site_ms - START_LEAD_MS),
                                   lambda: self._engine.unpause(deck))
        if not await self._sleep_until(site_ms, spin=True):
            if job is not None:
                job.cancel()
            return False
        return True

    async def _sleep_until(self, site_ms: float, *, spin: bool = False) -> bool:
        """Sleep until site time `site_ms`; False if a prompt interrupted."""
        target = self._clock.monotonic_at(site_ms)
        while True:
            remaining = target - time.monotonic()
            if remaining <= SPIN_MS / 1000 or self._interrupt.is_set():
                break
            try:
                await asyncio.wait_for(self._interrupt.wait(), remaining - SPIN_MS / 1000)
            except TimeoutError:
                pass
        if self._interrupt.is_set():
            return False
        while spin and time.monotonic() < target:
            pass
        return True

    # -- payment events ---------------------------------------------------------------
    def _on_payment_change(self, old: PaymentState, new: PaymentState) -> None:
        now = self._clock.now_ms()
        if new.prompting and not old.prompting:
            self._engine.hide()  # picture and sound first, bookkeeping after
            self._playing = None
            self._interrupt.set()
            self._resume.clear()
            self._end_showing(now)
            self.prompts += 1
            log.info("prompt_start phase=%s", new.phase)
        elif old.prompting and not new.prompting:
            self._engine.unmute()
            self._resume.set()
            log.info("prompt_end phase=%s rejoin_in_ms=%d", new.phase, JOIN_HEADROOM_MS)
        if new.phase != old.phase:
            log.info("phase_change from=%s to=%s", old.phase, new.phase)
            self._restate_showing(now)
        self._update_window()

    def _screen_state(self) -> str:
        return "Partial" if self._payment.state.in_transaction else "Full"

    def _restate_showing(self, now: int) -> None:
        """Full <-> Partial mid-asset: close the record and open one in the new state.
        A record still waiting for its first picture will be written in the new state."""
        showing = self._showing
        if showing is None:
            return
        state = self._screen_state()
        if state == showing.screen_state:
            return
        if showing.record_id is not None:
            self._pop.end(showing.record_id, now)
            showing.record_id = self._open_record(showing.slot, now, state)
        showing.screen_state = state
        showing.since_ms = now

    # -- periodic work ----------------------------------------------------------------
    async def _ticker(self) -> None:
        watchdog = watchdog_interval_s()
        last_ping = 0.0
        while True:
            await asyncio.sleep(PROGRESS_INTERVAL_S)
            now = self._clock.now_ms()
            if self._showing is not None and self._showing.record_id is not None:
                self._pop.progress(self._showing.record_id, now)
            self._apply_volume(now)
            if watchdog and time.monotonic() - last_ping >= watchdog:
                notify("WATCHDOG=1")
                last_ping = time.monotonic()

    # -- staying on the site timeline ---------------------------------------------------
    def _wanted_rate(self) -> float:
        """libVLC rate that plays media at the site clock's pace. The oscillator
        factor is 1 on a real terminal (its crystal is libVLC's clock); in the
        simulator it plays the part of that crystal. A slew under way is left out: it
        is short and shows up as position error, which the steering removes."""
        factor = self._clock.oscillator_factor
        if not self._config.sync.compensate_drift:
            return factor
        return self._clock.rate * factor

    async def _steer_loop(self) -> None:
        while True:
            await asyncio.sleep(STEER_INTERVAL_S)
            if self._clock.steps != self._steps_seen:
                self._steps_seen = self._clock.steps
                if self._resume.is_set():
                    log.info("rejoin reason=clock_step")
                    self._interrupt.set()
                continue
            playing = self._playing
            if playing is None:
                continue
            deck, slot_start, since = playing
            target = self._wanted_rate()
            now = time.monotonic()
            error = self._model.advance(now, target)
            measured = self._measured_error(deck, slot_start, since)
            if measured is not None and self._config.sync.compensate_drift:
                error = measured
                self._far_ticks = self._far_ticks + 1 if abs(measured) >= REJOIN_ERROR_MS else 0
                if self._far_ticks >= REJOIN_AFTER_TICKS and self._resume.is_set():
                    log.warning("rejoin reason=position_error error_ms=%.1f", measured)
                    self._far_ticks = 0
                    self._interrupt.set()
                    continue
            divisor = self._steer.update(now, target, error)
            if divisor is not None and self._playing == playing:
                self._engine.set_rate(deck, divisor)
                self._model.set_rate(now, RATE_BASE / divisor)
            self.position_error_ms = error

    def _measured_error(self, deck: int, slot_start: int, since: float) -> float | None:
        """Median lateness (ms) of the deck's latest pictures against their site
        instants; None without enough pictures (window mode, audio only)."""
        times, frame_ms = self._engine.displayed(deck)
        if frame_ms <= 0 or not times:
            return None
        newest = self._clock.site_at_monotonic(times[-1])
        cutoff = max(newest - MEASURE_SPAN_MS, since + SETTLE_AFTER_START_MS)
        recent = []
        for shown_ns in reversed(times):  # newest first: stop at the cutoff
            site_ms = self._clock.site_at_monotonic(shown_ns)
            if site_ms < cutoff:
                break
            recent.append(site_ms)
        if len(recent) < 5:
            return None
        return phase_error_ms([t - slot_start for t in recent], frame_ms)

    async def _trace_loop(self) -> None:
        """Displayed frames to the trace file, for rigs and `gstv sim`."""
        path = self._config.player.frame_trace
        assert path is not None
        def write() -> None:
            trace.writelines(f"{f.monotonic_ns} {f.deck} {f.number} {f.label}\n"
                             for f in self._engine.frame_log.drain())
            trace.flush()

        with open(path, "a") as trace:
            try:
                while True:
                    await asyncio.sleep(TRACE_INTERVAL_S)
                    write()
            finally:
                write()

    def _apply_volume(self, at: int) -> None:
        content = self._content.content
        if content is None:
            return
        local = from_epoch_ms(at, self._config.tz)
        level = volume_at(content.configuration, local.hour * 60 + local.minute,
                          default=self._config.player.default_volume)
        if level != self._volume:
            log.info("volume_change level=%s", level)
        self._volume = level
        self._engine.set_volume(level)

    def _update_window(self) -> None:
        if self._window is None:
            return
        phase = self._payment.state.phase
        content = self._content.content
        day = from_epoch_ms(self._clock.now_ms(), self._config.tz).date()
        banners = []
        if content is not None and phase in ("prefueling", "postfueling"):
            banners = banners_for(content.site, day, phase, content.present)
        slot = self._showing.slot if self._showing else None
        coupons = slot.asset.coupons if slot is not None and slot.asset is not None else ()
        self._window.show(
            transaction=self._payment.state.in_transaction,
            prompting=self._payment.state.prompting,
            banner=self._config.media / banners[0].filename if banners else None,
            coupon=coupons[0] if coupons else None,
        )

    # -- status -----------------------------------------------------------------------
    async def status(self) -> dict[str, Any]:
        pending = await asyncio.wrap_future(self._pop.pending_count())
        content = self._active or self._content.content  # what plays, once it plays
        showing = self._showing
        now = self._clock.now_ms()
        state = "prompt" if self._payment.state.prompting else (
            "playing" if showing and showing.slot.kind != "idle" else "idle")
        return {
            "site_id": self._config.site_id,
            "terminal_id": self._config.terminal_id,
            "state": state,
            "phase": self._payment.state.phase,
            "now_playing": None if showing is None else {
                "kind": showing.slot.kind, "file": showing.slot.filename,
                "asset": showing.slot.asset_id, "since": self._local(showing.since_ms),
                "until": self._local(showing.slot.end),
            },
            "next": None if self._next is None else {
                "kind": self._next.kind, "file": self._next.filename,
                "asset": self._next.asset_id, "at": self._local(self._next.start),
            },
            "playlist_version": content.playlist_version if content else None,
            "config_version": content.config_version if content else None,
            "volume": self._volume,
            "outbox_pending": pending,
            "pop_write_failures": self._pop.failed_writes,
            "clock": {
                "site_time": self._local(now),
                "offset_ms": round(now - time.time() * 1000, 1),
                "trusted": self._clock.trusted,
                # One reading of both clocks: rigs on one machine compare terminals'
                # site clocks through the monotonic clock they share.
                "monotonic_ns": (mono := time.monotonic_ns()),
                "site_ms_at": round(self._clock.site_at_monotonic(mono), 3),
            },
            "sync": {**self._sync.status(),
                     "position_error_ms": None if self._playing is None
                     else round(self.position_error_ms, 3)},
            "slots_started": self.slots_started,
            "prompts": self.prompts,
        }

    def _local(self, instant: int) -> str:
        return from_epoch_ms(instant, self._config.tz).isoformat(timespec="milliseconds")

