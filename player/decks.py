"""One libVLC media player as the engine uses it (a deck), and the bits of libc and the
process limits it needs: the display time stamped by libc's clock_gettime itself, and
whether real-time priority is allowed here."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
from collections import deque

import vlc


def may_use_realtime() -> bool:
    """Whether libVLC's threads may run with real-time priority here (root, or an
    RLIMIT_RTPRIO as systemd's LimitRTPRIO= grants). libVLC creates its threads with
    the policy it is told, so asking where it is not allowed would fail them."""
    try:
        return os.geteuid() == 0 or resource.getrlimit(resource.RLIMIT_RTPRIO)[0] > 0
    except (OSError, ValueError):
        return False


class Timespec(ctypes.Structure):
    _fields_ = [("seconds", ctypes.c_long), ("nanoseconds", ctypes.c_long)]


_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
CLOCK_GETTIME = ctypes.cast(_LIBC.clock_gettime, ctypes.c_void_p).value
CLOCK_MONOTONIC = 1  # Linux; what time.monotonic_ns() reads


class Deck:
    def __init__(self, index: int, player: vlc.MediaPlayer) -> None:
        self.index = index
        self.player = player
        self.label: str | None = None
        self.callbacks: tuple = ()
        self.audio_callbacks: tuple = ()  # the player's own sound output's thunks
        self.pictures = 0  # pictures displayed since the media was loaded
        self.frame_ms = 0.0  # the media's frame interval, when known
        # Monotonic times (ns) of the latest pictures, to measure the deck's position.
        self.displayed: deque[int] = deque(maxlen=64)
        self.last_display_ns = 0
        self.stamp = Timespec()  # written by libVLC's display call (see _attach_sink)
        self.pixels = None  # the headless picture buffer
        self.size = (0, 0)
        self.shown_from: int | None = None  # monotonic ns this deck went on screen
        self.shown_until: int | None = None
        # Set from libVLC's thread when a video output is created for the media: the
        # decoder produced a picture (see `VlcEngine.picture_state`).
        self.decoded = False
        self.on_vout = None  # the ctypes event thunk, kept alive
        self.surface = None  # window mode: where the player presents its pictures

    def was_shown(self, at_ns: int) -> bool:
        return self.shown_from is not None and at_ns >= self.shown_from and (
            self.shown_until is None or at_ns < self.shown_until)

    def reset(self) -> None:
        self.pictures = 0
        self.displayed.clear()
        self.frame_ms = 0.0
        self.stamp.seconds = self.stamp.nanoseconds = 0
        self.last_display_ns = 0
        self.decoded = False
