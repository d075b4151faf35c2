"""Proof of play as a state machine: which records to write, when, from what the screen
did. Pure: the instants are arguments, the writes go to a `PopSink` (player.pop_writer
in the player, a list in tests).

- One record per contiguous display of an asset in one screen state. A record starts
  when the asset appears; it ends at the slot's end, at a prompt (asset cut short),
  when the screen state changes (Full <-> Partial: then a new record starts at that
  instant), or at shutdown. Its progress mark moves on every `tick`, which bounds what
  a power cut can lose of its duration. Blankout and idle slots: no POP.
- A record is written only once the deck has put a picture up (`picture_shown`): a
  file cut short after its header opens and reports its tracks, but no picture ever
  comes, and a record for it would bill an advertiser for black. The record still
  starts at the instant the asset appeared. A state change before the first picture
  moves that instant and the state the record will be written with.
- A file that ends or fails before any picture (`no_picture`): no record at all.
- An evergreen swap (scheduler.timeline): the record names the file shown, the swap
  file, with the assetId of the scheduled asset whose spot it filled (so GSTV can put
  the record against its playlist) and no tiNumber: the traffic instruction is the
  scheduled asset's, and the swap is not what it bought. Halted, idle, blankout and
  placeholder slots: no POP.
"""

from __future__ import annotations

from dataclasses import dataclass
from concurrent.futures import Future
from typing import Protocol

from scheduler.timeline import Slot


class PopSink(Protocol):
    def begin(self, *, filename: str, asset_id: str, ti_number: str | None, start_ms: int,
              screen_state: str) -> str: ...

    def progress(self, record_id: str, at_ms: int) -> None: ...

    def end(self, record_id: str, end_ms: int) -> None: ...


class PopStore(PopSink, Protocol):
    """A sink the daemon also recovers at start and asks for its backlog
    (player.pop_writer)."""

    failed_writes: int

    def recover(self) -> int: ...

    def pending_count(self) -> Future: ...


@dataclass
class Showing:
    """What is on screen now, and its record (None until its first picture)."""

    slot: Slot
    screen_state: str
    since_ms: int
    record_id: str | None = None
    pictured: bool = False  # the deck has put a picture up
    blank: bool = False  # nothing decoded, or nothing to show: never a record


class PopTracker:
    def __init__(self, sink: PopSink) -> None:
        self._sink = sink
        self.showing: Showing | None = None

    def appeared(self, slot: Slot, at_ms: int, screen_state: str, *,
                 blank: bool = False) -> Showing:
        """`slot` is on screen from `at_ms` (the previous showing ends there)."""
        self.left(at_ms)
        self.showing = Showing(slot, screen_state, at_ms, blank=blank)
        return self.showing

    def picture_shown(self, showing: Showing) -> str | None:
        """The showing's first picture is up: its record is written, from the instant
        it appeared. The record id, or None (not an asset, or it has left)."""
        if showing is not self.showing or showing.pictured or showing.blank:
            return None
        showing.pictured = True
        showing.record_id = self._open(showing)
        return showing.record_id

    def no_picture(self, showing: Showing) -> None:
        """The showing's file ended or failed before any picture: never a record."""
        showing.blank = True

    def restate(self, screen_state: str, at_ms: int) -> None:
        """The screen state changed mid-asset: one record closes, the next opens."""
        showing = self.showing
        if showing is None or screen_state == showing.screen_state:
            return
        if showing.record_id is not None:
            self._sink.end(showing.record_id, at_ms)
        showing.screen_state, showing.since_ms = screen_state, at_ms
        if showing.record_id is not None:
            showing.record_id = self._open(showing)

    def tick(self, at_ms: int) -> None:
        if self.showing is not None and self.showing.record_id is not None:
            self._sink.progress(self.showing.record_id, at_ms)

    def left(self, at_ms: int) -> None:
        """What showed leaves the screen at `at_ms` (its end, a prompt, shutdown)."""
        if self.showing is not None and self.showing.record_id is not None:
            self._sink.end(self.showing.record_id, at_ms)
        self.showing = None

    def _open(self, showing: Showing) -> str | None:
        slot = showing.slot
        if slot.kind != "asset" or slot.asset is None:
            return None
        swapped = slot.swapped_from is not None
        return self._sink.begin(filename=slot.filename or slot.asset.filename,
                                asset_id=slot.asset.assetId,
                                ti_number=None if swapped else slot.asset.tiNumber,
                                start_ms=showing.since_ms,
                                screen_state=showing.screen_state)
