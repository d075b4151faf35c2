"""What a headless screen displayed, frame by frame: the frame log the headless sink
fills (player.engine) and the frame number the sync test clip draws in its picture."""

from __future__ import annotations

import time
from collections import deque
from typing import NamedTuple


class Frame(NamedTuple):
    """A plain tuple, so the garbage collector stops tracking the thousands kept."""

    monotonic_ns: int
    label: str  # what the deck was showing (file name)
    deck: int
    number: int = -1  # the frame number drawn in the picture (sync test clip), or -1
    # A picture libVLC displayed earlier (primed while paused, or played on behind a
    # prompt) that went on screen when its deck was shown: its time is the show's, not
    # a display's, so a measure of sync leaves it out of skew and resume.
    held: bool = False


class FrameLog:
    """What a headless screen displayed: one entry per frame, bounded. With `trace`,
    every frame is also queued for `drain()`, which the player writes to its frame
    trace file for rigs and the simulator."""

    def __init__(self, capacity: int = 200_000, *, trace: bool = False) -> None:
        self.frames: deque[Frame] = deque(maxlen=capacity)
        self.count = 0
        self._trace: deque[Frame] | None = deque() if trace else None

    def record(self, label: str, deck: int, number: int = -1, at_ns: int | None = None,
               held: bool = False) -> None:
        frame = Frame(at_ns or time.monotonic_ns(), label, deck, number, held)
        self.frames.append(frame)
        self.count += 1
        if self._trace is not None:
            self._trace.append(frame)

    def drain(self) -> list[Frame]:
        """Frames recorded since the last drain (thread-safe against `record`)."""
        out = []
        while self._trace:
            out.append(self._trace.popleft())
        return out


# The sync test clips (assets/sync/, scripts/make-sync-clip.sh) draw their frame number
# as 16 black/white cells across the top of the picture, most significant bit first.
NUMBER_CELLS = 16


def read_frame_number(buffer, width: int, height: int) -> int:
    """The frame number drawn in an RV32 picture of a sync test clip (its top quarter,
    or half) or of a demo clip (its top eighth), read on the row a sixteenth of the way
    down."""
    return read_cells(buffer, (height // 16) * width, width)


def read_cells(buffer, start: int, width: int) -> int:
    """The 16 cells of the row of `width` 32-bit pixels (B, G, R, X) that begins at
    pixel `start` of `buffer`, read on their green bytes."""
    number = 0
    for cell in range(NUMBER_CELLS):
        x = int((cell + 0.5) * width / NUMBER_CELLS)
        number = (number << 1) | (buffer[(start + x) * 4 + 1] > 127)
    return number
