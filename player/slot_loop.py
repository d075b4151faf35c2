"""The slot loop: the site timeline played slot by slot on a `Screen`, on a `Clock`.

Each slot is prerolled paused on the standby deck well before its start
(`PREROLL_AHEAD_MS`) and unpaused at its site instant, so slots follow each other with
no black gap and every screen switches on the same instant.

Decisions written down here:
- Joining (start-up, back from a PCI prompt, a rejoin) happens at a future instant at
  least `JOIN_HEADROOM_MS` ahead, at the position the timeline has then: the screen
  rejoins where the other screens are, not where it stopped. The instant is moved on
  to the file's next keyframe (player.media_timing: only there can a deck be primed and
  start exactly); when less than `MIN_JOIN_REMAINDER_MS` of the slot would be left, it
  joins at the next boundary. Rejoining therefore takes the headroom plus up to one
  GOP: content encoded with half-second GOPs rejoins within a second.
- A deck is unpaused `START_LEAD_MS` plus its file's clock lead before its instant
  (player.media_timing: libVLC starts the media clock at the earliest block, which in
  WebM is sound before the picture), and opened at the container time of the position
  it joins at: a file whose picture starts at +7 ms is no position error.
- A preroll that overran its headroom (a busy machine) is not started late, which
  would put the screen behind the site for the whole slot: the join is tried again
  later with twice the headroom (at most 4 s).
- A PCI prompt does not stop the loop: the decks play on hidden and silent
  (player.engine), slots keep starting on their instants, no POP record is opened, and
  the steering keeps the deck in step. At the prompt's end the screen is revealed at
  once when it is still in step (`after_prompt`); a rejoin asked meanwhile (a clock
  step, a position error) or a deck out of step rejoins as before.
- A newly staged playlist/configuration is taken when the next slot is chosen, i.e. at
  a slot boundary, never mid-asset (which content: player.content_choice).
- A file that cannot be opened or decoded is skipped for its slot: the placeholder
  picture in a window (black headless), a log line, no POP; the loop carries on with
  the next slot. So is a slot whose version this screen lacks (player.media_files).
  An idle or halted slot is black.
- The POP record of a slot waits for its first picture (player.pop_tracker): headless,
  a primed deck has shown its picture by then and the record is written at once; in a
  window libVLC makes its video output 50-300 ms after the start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from player.content import Content, ContentLoader
from player.content_choice import SWITCH_LEAD_MS, ContentChoice
from player.engine import START_LEAD_MS
from player.media_timing import MediaTiming, media_timing
from player.pop_tracker import PopTracker, Showing
from player.rate import RATE_BASE
from player.screen import Screen
from player.steering import Playing, Steering
from player.timing import Clock
from scheduler.timeline import Slot

log = logging.getLogger(__name__)

JOIN_HEADROOM_MS = 300  # a preroll at a keyframe takes 15-150 ms here, loaded
PREROLL_AHEAD_MS = 1_500  # prepare the next slot this long before it starts
MIN_JOIN_REMAINDER_MS = 500  # join a slot mid-way only if this much of it is left
PICTURE_POLL_S = 0.02  # how often a deck without a picture yet is looked at


class SlotLoop:
    def __init__(self, *, clock: Clock, screen: Screen, content: ContentLoader,
                 choice: ContentChoice, pop: PopTracker, steering: Steering,
                 pop_state: Callable[[], str], on_slot: Callable[[Slot, int], None],
                 local: Callable[[int], str],
                 timing: Callable[[Path], MediaTiming | None] = media_timing) -> None:
        self._clock, self._screen, self._content = clock, screen, content
        self.choice, self._pop, self._steering = choice, pop, steering
        self._pop_state = pop_state  # "Full" or "Partial", from the payment state
        self._on_slot = on_slot  # a slot began at a site instant (volume, zones, halt)
        self._local = local
        self._timing_of = timing
        self._timings: dict[str, tuple[tuple, MediaTiming | None]] = {}
        self._lead_ms = 0.0  # the standby deck's clock lead (player.media_timing)
        self._preroll_divisor = RATE_BASE  # the standby deck's rate, set while paused
        self.interrupt = asyncio.Event()  # a rejoin: leave the loop
        self.resume = asyncio.Event()  # no prompt is showing
        self.resume.set()
        self._rejoin_pending: str | None = None  # asked during a prompt
        self._current: tuple[Slot, int | None] | None = None  # slot and deck started last
        self.active: Content | None = None  # what the loop plays
        self.next: Slot | None = None
        self.slots_started = 0
        self._watches: set[asyncio.Task] = set()  # showings waiting for a first picture

    async def run(self) -> None:
        while True:
            await self.resume.wait()
            self.interrupt.clear()
            await self.play_from(self._clock.now_ms() + JOIN_HEADROOM_MS)

    def rejoin(self, reason: str) -> None:
        """Leave the slot and join the timeline again at a future instant (once the
        prompt is over, if one is showing)."""
        if self.resume.is_set():
            log.info("rejoin reason=%s", reason)
            self.interrupt.set()
        else:
            self._rejoin_pending = reason

    def after_prompt(self, in_step: bool) -> bool:
        """The prompt ended: show the deck that played on behind it when it is in step,
        else rejoin. True when revealed."""
        reveal = in_step and self._rejoin_pending is None and self._current is not None \
            and not self.interrupt.is_set()
        if reveal:
            slot, deck = self._current
            self._screen.reveal()
            showing = self._pop.appeared(slot, self._clock.now_ms(), self._pop_state(),
                                         blank=deck is None)
            if deck is not None:
                self._confirm_showing(showing, deck)
            log.info("prompt_revealed file=%s asset=%s", slot.filename, slot.asset_id)
        else:
            log.info("rejoin reason=%s", self._rejoin_pending or "after_prompt")
            self.interrupt.set()
        self._rejoin_pending = None
        self.resume.set()
        return reveal

    async def play_from(self, start_at: int) -> None:
        """Join the timeline at `start_at` and follow it until interrupted."""
        await self._content.refresh()
        self.active = self._content_for(start_at)
        headroom = start_at - self._clock.now_ms()
        while True:
            slot = self._timeline().slot_at(start_at)
            start_at = await self._keyframe_instant(slot, start_at)
            if slot.end - start_at < MIN_JOIN_REMAINDER_MS:
                # Too little left of it to be worth a seek, and the next slot would
                # have no time to preroll: join at the next boundary instead.
                start_at = slot.end
                slot = self._timeline().slot_at(start_at)
            deck = await self._prepare(slot, start_at - slot.start)
            late = self._clock.now_ms() - (start_at - START_LEAD_MS - self._lead_ms)
            if deck is None or late <= 0 or self.interrupt.is_set():
                break
            headroom = min(headroom * 2, 4_000)
            log.warning("join_late by_ms=%d retry_in_ms=%d", late, headroom)
            start_at = self._clock.now_ms() + headroom
        while not self.interrupt.is_set():
            if not await self._start_at(start_at, deck):
                return
            self._begin(slot, deck, start_at)
            self.next = self._timeline().slot_at(slot.end)
            if not await self._clock.sleep_until(slot.end - PREROLL_AHEAD_MS, self.interrupt):
                return
            await self._content.refresh()  # staged updates count from the next boundary
            self.active = self._content_for(slot.end)
            upcoming = self.next = self._timeline().slot_at(slot.end)
            start_at = slot.end
            deck = await self._prepare(upcoming, start_at - upcoming.start)
            slot = upcoming

    def _timeline(self):
        assert self.active is not None
        return self.active.timeline

    def _content_for(self, boundary: int) -> Content:
        candidate = self._content.content
        assert candidate is not None
        return self.choice.for_boundary(
            boundary, candidate=candidate, active=self.active,
            switch_boundary=lambda: self._first_boundary(self._clock.now_ms() + SWITCH_LEAD_MS))

    def _first_boundary(self, after: int) -> int:
        """The first slot boundary of the timeline in force at or after `after`."""
        slot = self._timeline().slot_at(after)
        return after if slot.start == after else slot.end

    async def _path_for(self, slot: Slot) -> Path | None:
        """The file of the version of the slot's file the site plays (player.media_files),
        or None when this screen lacks that version."""
        assert slot.filename is not None and self.active is not None
        version = self.active.versions.get(slot.filename)
        return await self._content.offload(self._content.files.path_for, slot.filename,
                                           version)

    async def _timing(self, slot: Slot) -> MediaTiming | None:
        """The timing of the slot's file, read once per file version (off the loop)."""
        if slot.filename is None:
            return None
        path = await self._path_for(slot)
        try:
            stamp = (path.name, path.stat().st_mtime_ns) if path else None
        except OSError:
            stamp = None
        if path is None or stamp is None:
            return None
        cached = self._timings.get(slot.filename)
        if cached is None or cached[0] != stamp:
            cached = (stamp, await self._content.offload(self._timing_of, path))
            self._timings = {**self._timings, slot.filename: cached}
        return cached[1]

    async def _keyframe_instant(self, slot: Slot, start_at: int) -> int:
        """The first instant at or after `start_at` where the slot's file has a
        keyframe: a deck primes only there. Unchanged when the keyframes are unknown."""
        if slot.filename is None or start_at == slot.start:
            return start_at
        timing = await self._timing(slot)
        keyframes = timing.keyframes_ms if timing is not None else None
        if not keyframes:
            return start_at
        offset = start_at - slot.start
        later = [k for k in keyframes if k >= offset]
        return slot.start + later[0] if later else slot.end

    async def _prepare(self, slot: Slot, offset_ms: int) -> int | None:
        if slot.kind == "idle" or slot.filename is None:
            return None
        assert self.active is not None
        version = self.active.versions.get(slot.filename)
        # Opened here, not by name in libVLC's thread later: a media update landing
        # meantime must not put its new bytes on this screen a slot early.
        opened = await self._content.offload(self._content.files.open_version,
                                             slot.filename, version)
        if opened is None:
            log.warning("slot_version_missing file=%s asset=%s version=%s", slot.filename,
                        slot.asset_id, version)
            return None
        try:
            self._preroll_divisor = self._steering.preroll_divisor(self._wanted())
            timing = await self._timing(slot) or MediaTiming()
            self._lead_ms = timing.clock_lead_ms(offset_ms)
            deck = await self._screen.preroll(opened.path, slot.filename,
                                              timing.seek_ms(offset_ms),
                                              self._preroll_divisor, source=opened.source)
        finally:
            opened.close()  # a primed deck holds its own descriptor
        if deck is None:
            log.warning("slot_skipped file=%s asset=%s reason=cannot_open_or_decode",
                        slot.filename, slot.asset_id)
        return deck

    async def _start_at(self, site_ms: int, deck: int | None) -> bool:
        """Unpause `deck` `START_LEAD_MS` and its clock lead ahead of `site_ms`, then
        return at `site_ms` (the last stretch spun) for the caller to show it. False if
        interrupted."""
        job = None
        if deck is not None:
            job = self._screen.start_at(deck, self._clock.monotonic_at(
                site_ms - START_LEAD_MS - self._lead_ms))
        if not await self._clock.sleep_until(site_ms, self.interrupt, spin=True):
            if job is not None:
                job.cancel()
            return False
        return True

    def _begin(self, slot: Slot, deck: int | None, at: int) -> None:
        self._steering.stop()
        self._current = (slot, deck)
        visible = self.resume.is_set()  # behind a prompt: no POP record
        if deck is None:
            # A file the site plays that this screen lacks or cannot play: the
            # placeholder, for the slot's time, in step (GSTV's QA case 192).
            missing = slot.filename is not None
            self._screen.blank(placeholder=missing)
            if visible:
                self._pop.appeared(slot, at, self._pop_state(), blank=True)
            log.info("slot_start kind=%s until=%s",
                     "placeholder" if missing else slot.kind, self._local(slot.end))
        else:
            self._screen.show(deck)
            wanted = self._wanted()
            self._steering.start(Playing(deck, slot.start, at), self._preroll_divisor,
                                 wanted, self._clock.monotonic())
            if visible:
                self._confirm_showing(self._pop.appeared(slot, at, self._pop_state()), deck)
            self.slots_started += 1
            log.info("slot_start kind=%s file=%s asset=%s loop=%s until=%s behind_prompt=%s"
                     " swapped_from=%s", slot.kind, slot.filename, slot.asset_id,
                     slot.loop_number, self._local(slot.end), "false" if visible else "true",
                     slot.swapped_from)
        self._on_slot(slot, at)

    def _wanted(self) -> float:
        return self._steering.wanted_rate(self._clock.rate, self._clock.oscillator_factor)

    def _confirm_showing(self, showing: Showing, deck: int) -> None:
        """Write the showing's POP record once its deck has put a picture on screen:
        now, or from a watch that ends with the showing."""
        if self._screen.picture_state(deck) == "shown":
            self._pop.picture_shown(showing)
            return
        watch = asyncio.get_running_loop().create_task(
            self._watch_for_picture(showing, deck), name="picture")
        self._watches.add(watch)
        watch.add_done_callback(self._watches.discard)

    def stop_watching(self) -> None:
        for watch in list(self._watches):
            watch.cancel()

    async def _watch_for_picture(self, showing: Showing, deck: int) -> None:
        while self._pop.showing is showing:
            state = self._screen.picture_state(deck)
            if state == "shown":
                if self._pop.picture_shown(showing) is not None:
                    self._pop.tick(self._clock.now_ms())
                return
            if state == "failed":
                self._pop.no_picture(showing)
                log.warning("slot_blank file=%s asset=%s reason=nothing_decoded",
                            showing.slot.filename, showing.slot.asset_id)
                return
            await self._clock.sleep(PICTURE_POLL_S)
