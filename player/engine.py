"""libVLC behind one small class: two decks (media players), one shown at a time.

The next slot is prerolled on the standby deck, opened with `:start-paused` so it sits
opened and paused, then primed: a seek to where it stands makes libVLC render that
first picture while paused. It is unpaused `START_LEAD_MS` before its start instant
and shown at the instant. Measured here: plain `play()` at an instant lands 30-40 ms
late and varies; after `set_pause(0)` a primed deck's media clock starts 10.4 ms later,
every time (its next picture lands at +43.7 ms with 0.2 ms spread), hence the lead.
Without priming the first picture is shown 7 to 35 ms after the call; stepping onto it
with `next_frame` also primes, but stalls playback later on (libVLC 3.0).

Outputs:
- `headless`: no window. Frames go to a video callback sink at low resolution that
  records each displayed frame's monotonic time and what it belonged to (`FrameLog`),
  so tests, rigs and benchmarks see exactly what would be on screen. Audio goes to
  libVLC's null output.
- `window`: each deck renders into its own native window (X11 id from the zoned
  window); the window shows the active deck's and hides the other.

Real-time priority (`realtime`, on by default in the configuration): measured here,
frames shown by a player whose machine has other bursty work (the other players of a
rig, the agent, the payment software) come 1-1.4 ms off their instant at p99; with
libVLC's threads at real-time priority (`--rt-priority`), 0.06 ms. A frame-accurate
site needs that. It is asked only where it is allowed (see `may_use_realtime`).

Hiding for a PCI prompt does not rely on `set_pause`, which leaves frames on screen
for 250-300 ms: the deck is taken off screen (frames stop being recorded or its window
is unmapped) and muted first, and only then paused.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Literal, NamedTuple

import vlc

from player.rate import RATE_BASE, request_for

log = logging.getLogger(__name__)

START_LEAD_MS = 10.4  # media clock starts this long after set_pause(0) (measured here)
PREROLL_TIMEOUT_S = 3.0
PRIME_WINDOW_S = 0.06
PRIME_TIMEOUT_S = 0.5
NO_TRACKS_TIMEOUT_S = 0.5
# --no-audio-time-stretch: rate changes resample instead of time-stretching, which
# keeps the sound continuous; --file-caching=100: a rate change shifts the picture by
# the caching times the change (both in player.rate). Media are local files.
_COMMON_ARGS = ("--quiet", "--no-video-title-show", "--no-osd", "--no-spu", "--no-stats",
                "--no-snapshot-preview", "--no-media-library", "--no-audio-time-stretch",
                "--file-caching=100")


class Frame(NamedTuple):
    """A plain tuple, so the garbage collector stops tracking the thousands kept."""

    monotonic_ns: int
    label: str  # what the deck was showing (file name)
    deck: int
    number: int = -1  # the frame number drawn in the picture (sync test clip), or -1


class FrameLog:
    """What a headless screen displayed: one entry per frame, bounded. With `trace`,
    every frame is also queued for `drain()`, which the player writes to its frame
    trace file for rigs and the simulator."""

    def __init__(self, capacity: int = 200_000, *, trace: bool = False) -> None:
        self.frames: deque[Frame] = deque(maxlen=capacity)
        self.count = 0
        self._trace: deque[Frame] | None = deque() if trace else None

    def record(self, label: str, deck: int, number: int = -1, at_ns: int | None = None) -> None:
        frame = Frame(at_ns or time.monotonic_ns(), label, deck, number)
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


# The sync test clip (assets/sync/frame-counter.mp4) draws its frame number as 16
# black/white cells across the top half of the picture, most significant bit first.
NUMBER_CELLS = 16


def read_frame_number(buffer, width: int, height: int) -> int:
    """The frame number drawn in an RV32 picture of the sync test clip (its top half)
    or of a demo clip (its top eighth), read on the row a sixteenth of the way down."""
    row = (height // 16) * width
    number = 0
    for cell in range(NUMBER_CELLS):
        x = int((cell + 0.5) * width / NUMBER_CELLS)
        number = (number << 1) | (buffer[(row + x) * 4 + 1] > 127)
    return number


def may_use_realtime() -> bool:
    """Whether libVLC's threads may run with real-time priority here (root, or an
    RLIMIT_RTPRIO as systemd's LimitRTPRIO= grants). libVLC creates its threads with
    the policy it is told, so asking where it is not allowed would fail them."""
    try:
        return os.geteuid() == 0 or resource.getrlimit(resource.RLIMIT_RTPRIO)[0] > 0
    except (OSError, ValueError):
        return False


class _Timespec(ctypes.Structure):
    _fields_ = [("seconds", ctypes.c_long), ("nanoseconds", ctypes.c_long)]


_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_CLOCK_GETTIME = ctypes.cast(_LIBC.clock_gettime, ctypes.c_void_p).value
_CLOCK_MONOTONIC = 1  # Linux; what time.monotonic_ns() reads


class _Deck:
    def __init__(self, index: int, player: vlc.MediaPlayer) -> None:
        self.index = index
        self.player = player
        self.label: str | None = None
        self.callbacks: tuple = ()
        self.pictures = 0  # pictures displayed since the media was loaded
        self.frame_ms = 0.0  # the media's frame interval, when known
        # Monotonic times (ns) of the latest pictures, to measure the deck's position.
        self.displayed: deque[int] = deque(maxlen=64)
        self.last_display_ns = 0
        self.stamp = _Timespec()  # written by libVLC's display call (see _attach_sink)
        self.pixels = None  # the headless picture buffer
        self.size = (0, 0)
        self.shown_from: int | None = None  # monotonic ns this deck went on screen
        self.shown_until: int | None = None
        # Set from libVLC's thread when a video output is created for the media: the
        # decoder produced a picture (see `VlcEngine.picture_state`).
        self.decoded = False
        self.on_vout = None  # the ctypes event thunk, kept alive

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


class VlcEngine:
    def __init__(
        self, *, output: Literal["window", "headless"], sink_size: tuple[int, int] = (160, 90),
        frame_log: FrameLog | None = None, extra_args: tuple[str, ...] = (),
        read_numbers: bool = False, realtime: bool = False,
    ) -> None:
        args = list(_COMMON_ARGS) + list(extra_args)
        if realtime and may_use_realtime():
            args.append("--rt-priority")
        if output == "headless":
            args += ["--aout=dummy", "--no-xlib"]
        else:
            args += ["--vout=xcb_x11"]
        self._instance = vlc.Instance(args)
        if self._instance is None:
            raise RuntimeError("libVLC could not be started (is vlc-plugin-base installed?)")
        self._output = output
        self.frame_log = frame_log if frame_log is not None else FrameLog()
        self._decks = [_Deck(i, self._instance.media_player_new()) for i in range(2)]
        self._shown: int | None = None  # deck whose frames are on screen
        self._active: int | None = None
        self._muted = False
        self._volume = 50
        self.hidden_at_ns: int | None = None  # when hide() last took effect
        self.on_visibility: Callable[[int | None], None] = lambda deck: None
        self._read_numbers = read_numbers
        self._taking = threading.Lock()
        for deck in self._decks:
            self._watch_vout(deck)
        if output == "headless":
            width, height = sink_size
            for deck in self._decks:
                self._attach_sink(deck, width, height)

    # -- set-up -------------------------------------------------------------------------
    def _attach_sink(self, deck: _Deck, width: int, height: int) -> None:
        """A picture buffer per deck (the standby deck renders while the other plays),
        and the moment each picture is displayed, taken without Python.

        The display callback is libc's `clock_gettime` itself: libVLC calls it as
        display(opaque, picture), so with opaque = CLOCK_MONOTONIC and the picture
        handle (what `lock` returns) pointing at the deck's timespec, libVLC's output
        thread writes the display time there the instant it displays. A Python
        callback would first wait for the interpreter lock, which the event loop may
        hold for a millisecond or more: measured, that was most of the frame timing
        jitter a headless screen showed. `lock`, called when the next picture is about
        to be rendered, is where Python notes the previous display (and reads the
        frame number, still in the buffer). A repaint (libVLC shows the picture again
        on every rate change, within the millisecond) only moves that time a little.
        """
        pixels = (ctypes.c_ubyte * (width * height * 4))()
        buffer = ctypes.cast(pixels, ctypes.c_void_p)
        stamp = deck.stamp
        stamp_address = ctypes.addressof(stamp)

        @vlc.CallbackDecorators.VideoLockCb
        def lock(opaque, planes):
            self._take_display(deck)
            planes[0] = buffer
            return stamp_address

        display = vlc.CallbackDecorators.VideoDisplayCb(_CLOCK_GETTIME)
        deck.callbacks = (lock, display)  # keep the ctypes thunks alive
        deck.pixels, deck.size = pixels, (width, height)
        deck.player.video_set_callbacks(lock, None, display, ctypes.c_void_p(_CLOCK_MONOTONIC))
        deck.player.video_set_format("RV32", width, height, width * 4)

    @staticmethod
    def _watch_vout(deck: _Deck) -> None:
        """Note when the deck's media gets a video output. libVLC creates one when the
        decoder has produced its first picture, in window and headless mode alike; a
        file whose header is intact but whose pictures are gone never gets one (it
        opens, reports its tracks, then ends at 0 ms)."""
        def on_vout(event) -> None:
            if event.u.new_count & 0xFFFFFFFF:  # an int in libVLC, a wider field here
                deck.decoded = True

        deck.on_vout = on_vout
        deck.player.event_manager().event_attach(vlc.EventType.MediaPlayerVout, on_vout)

    def picture_state(self, deck_index: int) -> Literal["shown", "waiting", "failed"]:
        """Whether the deck has put a picture on screen: "shown" once it decoded one
        (or, headless, displayed one), "failed" when its media ended or failed first,
        else "waiting". An audio-only file counts as shown once it plays. This is what
        a proof-of-play record waits for (player.daemon)."""
        deck = self._decks[deck_index]
        if deck.decoded or deck.stamp.seconds:
            return "shown"
        state = deck.player.get_state()
        if state in (vlc.State.Ended, vlc.State.Error, vlc.State.Stopped):
            return "failed"
        if state == vlc.State.Playing and deck.player.video_get_track_count() <= 0 \
                and deck.player.audio_get_track_count() > 0:
            return "shown"
        return "waiting"

    def _take_display(self, deck: _Deck) -> None:
        """Note the deck's latest display, if it is new: from `lock` before the next
        picture is rendered, or when the deck leaves the screen (its last picture has
        no next `lock`)."""
        stamp = deck.stamp
        with self._taking:  # libVLC's thread and ours may both look
            displayed_ns = stamp.seconds * 1_000_000_000 + stamp.nanoseconds
            if not displayed_ns or displayed_ns == deck.last_display_ns:
                return
            deck.last_display_ns = displayed_ns
        deck.pictures += 1
        deck.displayed.append(displayed_ns)
        if deck.label is not None and deck.was_shown(displayed_ns):
            number = read_frame_number(deck.pixels, *deck.size) \
                if self._read_numbers else -1
            self.frame_log.record(deck.label, deck.index, number, displayed_ns)

    @property
    def instance(self) -> vlc.Instance:
        """The libVLC instance, to share with the media probe: one instance, one plugin
        scan and one set of libVLC threads per process."""
        return self._instance

    def set_xwindow(self, deck: int, window_id: int) -> None:
        self._decks[deck].player.set_xwindow(window_id)

    # -- playback -----------------------------------------------------------------------
    @property
    def standby(self) -> int:
        return 1 if self._active == 0 else 0

    async def preroll(self, path: Path, label: str, offset_ms: int = 0,
                      rate_divisor: int = RATE_BASE) -> int | None:
        """Open `path` paused on the standby deck, `offset_ms` into it, its rate set
        while it is paused; the deck, or None when the file cannot be opened or
        decoded."""
        deck = self._decks[self.standby]
        deck.player.stop()
        deck.label = label
        deck.reset()
        media = self._instance.media_new_path(str(path))
        media.add_option(":start-paused")
        if offset_ms > 0:
            media.add_option(f":start-time={offset_ms / 1000:.3f}")
        deck.player.set_media(media)
        media.release()
        deck.player.audio_set_mute(True)
        if deck.player.play() < 0:
            return None
        deadline = time.monotonic() + PREROLL_TIMEOUT_S
        paused_since = None
        while time.monotonic() < deadline:
            state = deck.player.get_state()
            if state == vlc.State.Paused:
                # Paused comes before the demuxer has looked at the file: only decodable
                # tracks prove it can be played.
                if deck.player.video_get_track_count() > 0:
                    fps = deck.player.get_fps()
                    deck.frame_ms = 1000 / fps if fps and fps > 0 else 0.0
                    self.set_rate(deck.index, rate_divisor)
                    return await self._prime(deck, offset_ms)
                if deck.player.audio_get_track_count() > 0:
                    self.set_rate(deck.index, rate_divisor)
                    return deck.index
                paused_since = paused_since or time.monotonic()
                if time.monotonic() - paused_since > NO_TRACKS_TIMEOUT_S:
                    break
            if state in (vlc.State.Error, vlc.State.Ended, vlc.State.Stopped):
                break
            await asyncio.sleep(0.002)
        log.warning("preroll_failed file=%s state=%s", label, deck.player.get_state())
        deck.player.stop()
        deck.label = None
        return None

    async def _prime(self, deck: _Deck, offset_ms: int) -> int:
        """Seek the paused deck to where it already is: libVLC then decodes and renders
        that picture while paused, so it is ready on the deck when the deck is shown,
        and the pictures after it follow the media clock exactly."""
        deck.player.set_time(offset_ms)
        if self._output == "window":
            await asyncio.sleep(PRIME_WINDOW_S)  # no display callback to watch there
            return deck.index
        deadline = time.monotonic() + PRIME_TIMEOUT_S
        while not deck.stamp.seconds and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        if not deck.stamp.seconds:
            # A loaded machine: the deck plays all the same, its first picture late.
            log.info("preroll_unprimed file=%s", deck.label)
        return deck.index

    def unpause(self, deck_index: int) -> None:
        """Start a prerolled deck's media clock (off screen, muted); `show` it
        `START_LEAD_MS` later."""
        deck = self._decks[deck_index]
        deck.player.audio_set_volume(self._volume)
        deck.player.set_pause(0)

    def set_rate(self, deck_index: int, divisor: int) -> None:
        """Play `deck_index` at libVLC's rate `RATE_BASE / divisor` (see player.rate)."""
        self._decks[deck_index].player.set_rate(request_for(divisor))

    def displayed(self, deck_index: int) -> tuple[list[int], float]:
        """Monotonic times (ns) of the deck's latest pictures and its frame interval
        (ms, 0 when unknown): what the sync controller measures position from."""
        deck = self._decks[deck_index]
        return list(deck.displayed), deck.frame_ms

    def show(self, deck_index: int) -> None:
        """Put an unpaused deck on screen with its sound; the previous deck stops."""
        deck = self._decks[deck_index]
        previous = self._active
        self._active = deck_index
        self._set_shown(deck_index)
        deck.player.audio_set_mute(self._muted)
        if previous is not None and previous != deck_index:
            self._decks[previous].player.stop()
            self._decks[previous].label = None

    def blank(self) -> None:
        """Nothing on screen (an idle slot or a file that could not be played)."""
        self._set_shown(None)
        for deck in self._decks:
            deck.player.stop()
            deck.label = None
        self._active = None

    def hide(self) -> None:
        """Picture and sound gone now (a PCI prompt): off screen and muted first, then
        paused so nothing decodes behind the prompt."""
        self._set_shown(None)
        self._muted = True
        for deck in self._decks:
            deck.player.audio_set_mute(True)
        self.hidden_at_ns = time.monotonic_ns()
        if self._active is not None:  # the standby deck is paused already, maybe priming
            self._decks[self._active].player.set_pause(1)

    def unmute(self) -> None:
        self._muted = False

    def set_volume(self, level: float) -> None:
        self._volume = max(0, min(100, round(level)))
        if self._active is not None:
            self._decks[self._active].player.audio_set_volume(self._volume)

    def close(self) -> None:
        for deck in self._decks:
            deck.player.stop()
            deck.player.release()
        self._instance.release()

    def _set_shown(self, deck: int | None) -> None:
        now = time.monotonic_ns()
        if self._shown is not None and self._shown != deck:
            leaving = self._decks[self._shown]
            leaving.shown_until = now
            if self._output == "headless":
                self._take_display(leaving)  # its last picture, which no lock follows
        if deck is not None and deck != self._shown:
            self._decks[deck].shown_from, self._decks[deck].shown_until = now, None
        self._shown = deck
        shown = self._decks[deck] if deck is not None else None
        if shown is not None and shown.stamp.seconds and shown.label is not None:
            # The deck's primed picture is what the screen shows from this moment.
            number = -1
            if self._read_numbers and shown.pixels is not None:
                number = read_frame_number(shown.pixels, *shown.size)
            self.frame_log.record(shown.label, shown.index, number, now)
        self.on_visibility(deck)
