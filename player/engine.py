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
  libVLC's null output, or to PulseAudio for a rig that records it.
- `window`: the decks decode through the same memory output at the video zone's size,
  and the player puts each picture on the X server itself at the instant libVLC
  displays it (player.x_present); when the server drew each one comes back from the X
  Damage extension (player.presentation), and the steering measures a window on that
  as it does the headless sink on its display times, a deck hidden behind a prompt
  included. (libVLC's own X output, used before, gave no display callback, made its X
  resources anew at every slot, and on an X server without MIT-SHM drew nothing.)

Real-time priority (`realtime`, on by default in the configuration): measured here,
frames shown by a player whose machine has other bursty work (the other players of a
rig, the agent, the payment software) come 1-1.4 ms off their instant at p99; with
libVLC's threads at real-time priority (`--rt-priority`), 0.06 ms. A frame-accurate
site needs that. It is asked only where it is allowed (see `may_use_realtime`).

Hiding for a PCI prompt does not rely on `set_pause`, which leaves frames on screen
for 250-300 ms: the deck is taken off screen (frames stop being recorded or its window
is unmapped) and muted. It is not paused: it keeps decoding in step, hidden and silent,
and the slot loop keeps starting the next slots on it, so when the prompt ends the
screen simply shows it again (`reveal`) instead of waiting for a keyframe to rejoin
(up to a 2 s GOP with GSTV's content). PCI needs picture and sound gone from the
customer, not a stopped decoder. While hidden, `show` makes a deck the active one
without putting it on screen.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import vlc

from player.audio_out import SOUND_DELAY_MS, ScheduledStream, attach as attach_sound
from player import x_present
from player.decks import CLOCK_GETTIME, CLOCK_MONOTONIC, Deck, may_use_realtime
from player.frames import FrameLog, read_frame_number
from player.pulse_stream import pulse_server_present
from player.rate import RATE_BASE, request_for

log = logging.getLogger(__name__)


START_LEAD_MS = 10.4  # media clock starts this long after set_pause(0) (measured here)
PREROLL_TIMEOUT_S = 3.0
PRIME_TIMEOUT_S = 0.5
NO_TRACKS_TIMEOUT_S = 0.5
# --no-audio-time-stretch: rate changes resample instead of time-stretching, which
# keeps the sound continuous; --file-caching=100: a rate change shifts the picture by
# the caching times the change (both in player.rate). Media are local files.
_COMMON_ARGS = ("--quiet", "--no-video-title-show", "--no-osd", "--no-spu", "--no-stats",
                "--no-snapshot-preview", "--no-media-library", "--no-audio-time-stretch",
                "--file-caching=100")


class VlcEngine:
    def __init__(
        self, *, output: Literal["window", "headless"], sink_size: tuple[int, int] = (160, 90),
        frame_log: FrameLog | None = None, extra_args: tuple[str, ...] = (),
        read_numbers: bool = False, realtime: bool = False, headless_audio: Literal["none", "pulse"] = "none",
        scheduled_sound: bool = False,
    ) -> None:
        args = list(_COMMON_ARGS) + list(extra_args)
        if realtime and may_use_realtime():
            args.append("--rt-priority")
        if output == "headless":
            self._aout = "pulse" if headless_audio == "pulse" else "dummy"
            args += ["--no-xlib"]
        else:
            self._aout = "pulse" if pulse_server_present() else "alsa"
            # Decoded in software, as headless: the pictures come back to memory.
            # libVLC's Xlib support stays on: it makes Xlib thread-safe before Tk and
            # the decks' X connections (player.x_present) are opened.
            args += ["--avcodec-hw=none"]
        args.append(f"--aout={self._aout}")
        self._instance = vlc.Instance(args)
        if self._instance is None:
            raise RuntimeError("libVLC could not be started (is vlc-plugin-base installed?)")
        self._output = output
        self.frame_log = frame_log if frame_log is not None else FrameLog()
        self._decks = [Deck(i, self._instance.media_player_new()) for i in range(2)]
        self._shown: int | None = None  # deck whose frames are on screen
        self._active: int | None = None
        self._muted = False
        self._hidden = False  # a prompt: nothing goes on screen until reveal()
        self._volume = 50
        self.hidden_at_ns: int | None = None  # when hide() last took effect
        self.on_visibility: Callable[[int | None], None] = lambda deck: None
        self._read_numbers = read_numbers
        self._presenter: x_present.XPresenter | None = None
        self._taking = threading.Lock()
        for deck in self._decks:
            self._watch_vout(deck)
        self._streams: list[ScheduledStream] = []
        if scheduled_sound:  # the player's own output (player.audio_out)
            for deck in self._decks:
                stream = ScheduledStream(f"gstv deck {deck.index}")
                self._streams.append(stream)
                deck.audio_callbacks = attach_sound(deck.player, stream)
            self._hear_only(None)  # until a deck is shown
        if output == "headless":
            width, height = sink_size
            for deck in self._decks:
                self._attach_sink(deck, width, height)

    # -- set-up -------------------------------------------------------------------------
    def _attach_sink(self, deck: Deck, width: int, height: int) -> None:
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

        display = vlc.CallbackDecorators.VideoDisplayCb(CLOCK_GETTIME)
        deck.callbacks = (lock, display)  # keep the ctypes thunks alive
        deck.pixels, deck.size = pixels, (width, height)
        deck.player.video_set_callbacks(lock, None, display, ctypes.c_void_p(CLOCK_MONOTONIC))
        deck.player.video_set_format("RV32", width, height, width * 4)

    def present_in(self, zone_window: int, size: tuple[int, int],
                   display_name: str | None) -> dict[int, int]:
        """Window mode: put the decks' pictures into the video zone `zone_window`
        (`size` at full screen) ourselves (player.x_present). Returns deck index -> the
        X drawable each deck's pictures land in, to watch for them
        (player.presentation). Raises PresentationUnavailable where the X server
        cannot take pictures that way."""
        presenter = x_present.XPresenter(display_name, zone_window, size)
        self._presenter = presenter
        for deck, surface in zip(self._decks, presenter.surfaces):
            self._attach_surface(deck, surface)
        return dict(enumerate(presenter.pixmaps))

    def set_video_area(self, size: tuple[int, int]) -> None:
        """The video zone now has `size` (a transaction shrinks it)."""
        if self._presenter is not None:
            self._presenter.set_area(size)

    @staticmethod
    def _attach_surface(deck: Deck, surface: x_present.DeckSurface) -> None:
        """libVLC's memory output for a deck whose pictures the player presents."""
        @vlc.CallbackDecorators.VideoLockCb
        def lock(opaque, planes):
            planes[0] = surface.lock()
            return 1

        @_FORMAT_CB
        def setup(opaque, chroma, width, height, pitches, lines):
            out_width, out_height, pitch = surface.setup()
            ctypes.memmove(chroma, b"RV32", 4)
            width[0], height[0] = out_width, out_height
            pitches[0], lines[0] = pitch, out_height
            # One picture buffer, as the headless sink's fixed format has: libVLC then
            # renders, displays and only then locks the next (x_present relies on it).
            return 1

        display = vlc.CallbackDecorators.VideoDisplayCb(surface.display_callback)
        deck.callbacks = (lock, display, setup)  # keep the ctypes thunks alive
        deck.surface = surface
        deck.player.video_set_callbacks(lock, None, display, ctypes.c_void_p(surface.opaque))
        _set_format_callbacks(deck.player, setup)

    @staticmethod
    def _watch_vout(deck: Deck) -> None:
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

    def _take_display(self, deck: Deck) -> None:
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

    # -- playback -----------------------------------------------------------------------
    @property
    def standby(self) -> int:
        return 1 if self._active == 0 else 0

    async def preroll(self, path: Path, label: str, offset_ms: int = 0,
                      rate_divisor: int = RATE_BASE, *,
                      source: str | None = None) -> int | None:
        """Open `path` (or `source`, an open descriptor's /proc path that `path` names)
        paused on the standby deck, `offset_ms` into it, its rate set while it is
        paused; the deck, or None when the file cannot be opened or decoded. libVLC has
        opened the file itself when this returns: `source` may be closed then."""
        deck = self._decks[self.standby]
        deck.player.stop()
        deck.label = label
        deck.reset()
        if not self._streams:
            self._fresh_audio_output(deck)
        media = self._instance.media_new_path(source or str(path))
        media.add_option(":start-paused")
        if self._streams:
            media.add_option(f":audio-desync={SOUND_DELAY_MS}")  # see player.audio_out
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

    def _fresh_audio_output(self, deck: Deck) -> None:
        """A muted audio output for the deck before it plays (libVLC's own output).

        libVLC 3 destroys a player's audio output when it stops
        (input_resource_Terminate) and makes the next only when the deck's first sound
        is decoded, which is its unpause; `audio_set_mute` meanwhile reaches no output
        and is lost, and the new output starts unmuted. A deck unpaused behind a PCI
        prompt (a slot start, a rejoin) was heard at the sink from its unpause until
        its `show` (measured 2026-12-03: in 4 prompts of 60, up to 270 ms; libVLC's
        log: "creating audio output" at the unpause). `audio_output_set` makes the
        output at once (and the decoder then reuses it), so the mute is kept."""
        deck.player.audio_output_set(self._aout)
        deck.player.audio_set_mute(True)
        deck.player.audio_set_volume(self._volume)

    async def _prime(self, deck: Deck, offset_ms: int) -> int:
        """Seek the paused deck to where it already is: libVLC then decodes and renders
        that picture while paused, so it is ready on the deck when the deck is shown,
        and the pictures after it follow the media clock exactly."""
        deck.player.set_time(offset_ms)
        # Headless, the sink stamped its display; in a window, the X server drew it
        # into the deck's pixmap (player.presentation).
        deadline = time.monotonic() + PRIME_TIMEOUT_S
        while not (deck.stamp.seconds or deck.pictures) and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        if not (deck.stamp.seconds or deck.pictures):
            # A loaded machine: the deck plays all the same, its first picture late.
            log.info("preroll_unprimed file=%s", deck.label)
        return deck.index

    def unpause(self, deck_index: int) -> None:
        """Start a prerolled deck's media clock (off screen, muted); `show` it
        `START_LEAD_MS` later."""
        deck = self._decks[deck_index]
        deck.player.audio_set_volume(self._volume)
        if self._streams and not self._muted:
            # Heard from now: libVLC hands over its lead (150 ms and more) in the first
            # milliseconds, all of which plays after the show. Said again if a prompt
            # began meanwhile (hide, on the event loop's thread, mutes first).
            self._streams[deck_index].set_heard(True)
            if self._muted:
                self._streams[deck_index].set_heard(False)
        deck.player.set_pause(0)

    def set_rate(self, deck_index: int, divisor: int) -> None:
        """Play `deck_index` at libVLC's rate `RATE_BASE / divisor` (see player.rate)."""
        self._decks[deck_index].player.set_rate(request_for(divisor))

    def presented(self, deck_index: int, at_ns: int) -> None:
        """A picture of the deck reached the X server at `at_ns` (window mode:
        player.presentation, from its own thread)."""
        deck = self._decks[deck_index]
        deck.pictures += 1
        deck.displayed.append(at_ns)

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
        if not self._hidden:
            self._set_shown(deck_index)
        deck.player.audio_set_mute(self._muted)
        self._hear_only(None if self._muted else deck_index, handover=True)
        if previous is not None and previous != deck_index:
            self._decks[previous].player.stop()
            self._decks[previous].label = None

    def blank(self) -> None:
        """Nothing on screen (an idle slot or a file that could not be played)."""
        self._set_shown(None)
        self._hear_only(None)
        for deck in self._decks:
            deck.player.stop()
            deck.label = None
        self._active = None

    def hide(self) -> None:
        """Picture and sound gone now (a PCI prompt): off screen and muted. The decks
        play on, hidden and silent (see the module docstring)."""
        self._hidden = True
        self._set_shown(None)
        self._muted = True
        self._hear_only(None)
        for deck in self._decks:
            deck.player.audio_set_mute(True)
        self.hidden_at_ns = time.monotonic_ns()

    def end_prompt(self) -> None:
        """The prompt is over: the next `show` (a rejoin) or `reveal` puts a deck on
        screen with its sound."""
        self._muted = False
        self._hidden = False

    def reveal(self) -> None:
        """The active deck, which played on in step behind the prompt, on screen again
        with its sound."""
        self._hidden = False
        self._muted = False
        if self._active is not None:
            # Its next picture comes at its own instant; the one it played last,
            # up to a frame ago, would be that late.
            self._set_shown(self._active, latest_picture=False)
            self._decks[self._active].player.audio_set_mute(False)
        self._hear_only(self._active)

    def set_volume(self, level: float) -> None:
        self._volume = max(0, min(100, round(level)))
        if self._active is not None:
            self._decks[self._active].player.audio_set_volume(self._volume)

    def close(self) -> None:
        for deck in self._decks:
            deck.player.stop()
            deck.player.release()
        for stream in self._streams:
            stream.close()
        if self._presenter is not None:
            self._presenter.close()
        self._instance.release()

    def _hear_only(self, deck: int | None, *, handover: bool = False) -> None:
        """The player's own sound output: only `deck` may be heard (None: no deck),
        whatever mute libVLC's audio outputs for the decks think they have
        (player.audio_out). `unpause` lets a starting deck be heard a little earlier.
        `handover`: a slot boundary, where the deck that played lets what it wrote of
        its asset play out."""
        for index, stream in enumerate(self._streams):
            stream.set_heard(index == deck, play_out=handover)

    def _set_shown(self, deck: int | None, *, latest_picture: bool = True) -> None:
        if self._presenter is not None:
            self._presenter.show(deck, latest_picture=latest_picture)
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
            self.frame_log.record(shown.label, shown.index, number, now, held=True)
        self.on_visibility(deck)


# libVLC's format callback with the chroma as a writable pointer (python-vlc declares
# it as a string, which a callback cannot write into).
_FORMAT_CB = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p,
                              ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint),
                              ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint))


def _set_format_callbacks(player: vlc.MediaPlayer, setup) -> None:
    function = vlc.dll.libvlc_video_set_format_callbacks
    function.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    function.restype = None
    function(player._as_parameter_, ctypes.cast(setup, ctypes.c_void_p), None)
