"""Each deck's sound, written to PulseAudio by the player itself, every buffer placed on
the instant libVLC stamped it with: the sound held to the picture, and so to the site
clock, within a fraction of a millisecond.

Why not libVLC's own PulseAudio output: libVLC 3's audio core corrects the sound only
when it is more than 40 ms early or 60 ms late (src/audio_output/dec.c,
aout_DecSynchronize: AOUT_MAX_PTS_ADVANCE, AOUT_MAX_PTS_DELAY). Measured with it, on
screens whose pictures were within 1.3 ms of each other at p99, the sinks were 3-5 ms
apart at p50 and 9-65 ms at p99, and a screen's offset moved by up to 12 ms from one
slot to the next: no fixed per-screen delay holds that.

So the decks give their decoded sound to libVLC's audio callbacks (S16, 48 kHz,
stereo), each buffer with its presentation time on libVLC's clock, which is
CLOCK_MONOTONIC in microseconds. `ScheduledStream` writes it to a PulseAudio stream
(`player.pulse_stream`) and, before each buffer, compares when its first sample will
play (now plus the stream's latency, from the server's timing of this moment, not
interpolated: see that module) with when it should:
it drops the samples that are late or writes silence before those that are early.
Corrections under `TOLERANCE_US` are left alone, others at most `MAX_STEP_US` a buffer,
as frames left out or repeated across it, never as a silence. A start (the first buffer
after a flush, or after the stream ran dry) is put on its instant by the stream itself,
counted from its read index (player.pulse_stream), whatever was written before.

- Mute is applied here, volume by the server (libVLC hands both to the volume
  callback). Muting flushes what PulseAudio holds ahead; muted, the stream goes on with
  silence. Over
  libVLC's mute, the engine says which deck may be heard (`set_heard`): only the one
  starting or on screen, and none during a PCI prompt.
- The stream starts once 5 ms are written and stops when it runs dry (between two
  slots nothing is written); the next buffer after is placed afresh.
"""

from __future__ import annotations

import ctypes
import logging
import statistics
import threading
import time
from collections import deque

import vlc

from player.pulse_stream import CHANNELS, FRAME_BYTES, RATE, BufferAttr, PlaybackStream, \
    PulseError, pulse_server_present

log = logging.getLogger(__name__)

TOLERANCE_US = 250  # 12 samples: what is left of a correction smaller than this waits
MAX_STEP_US = 900  # at most this much taken out or repeated per buffer while playing
ERRORS_KEPT = 5  # a correction follows the median of this many buffers' errors
# (43 frames of a 20 ms buffer's 960, spread: 4.5 % for 20 ms)
# The stream's queue ahead of the sink. A write past it blocks libVLC's audio thread,
# which is how its own outputs pace it. It has to ride out the moments libVLC's audio
# thread cannot deliver: its callbacks need the GIL, which a thread of ours may hold
# while real-time decoders of three 1080p screens hold both cores. With 60 ms, a
# 3-screen mp41080-h264 `gstv sim` had ~150 gaps a minute (libVLC's output, 4). A
# flush drops this queue at once; the sink's own part (SINK_BYTES) is kept small by
# the stream's minreq (player.pulse_stream): left to the server, the sink took ~80 ms
# of a 200 ms target and a prompt's silence once waited 115 ms for it. The cost: what
# is queued behind a prompt was written silent, so the sound comes back when that has
# played, ~200 ms after prompt_end (bench/prompt_latency.py; 50-66 ms with 60 ms).
# Writing the recent buffers again with their sound at prompt_end was tried, and
# taken out: it held libVLC's audio thread long enough to delay the pictures' return
# (resume 0.36 s against 0.03 s, `gstv sim` webm720-vp9, 2026-12-03).
BUFFER_MS = 200
# More ahead than this is no real latency nor anything written (libVLC leads by 240 ms
# at most): a count that would hold every later buffer back, cut to nothing.
MAX_AHEAD_US = 2_000_000
MAX_LEAD_US = 300_000  # the furthest ahead a start's first buffer is put
# No pre-buffering: the stream never stops, its read index runs on through an underrun
# (between two slots a deck writes nothing), and the server's timing of it holds, so a
# start is put exactly by it (player.pulse_stream). With 5 ms of pre-buffering (the
# stream stopping when dry, starting when written to) a start's first sample went
# wherever the sink's next cycle took it: slot starts were heard 1-2 ms apart between
# screens. (Written after the last write instead, a start on a stream that ran on lands
# behind its read index, dropped: a deck re-used after a 20 s slot lost its first 3 s.)
PREBUF_BYTES = 0
# What the sink itself holds: a flush cannot take it back from a null sink's monitor,
# so a prompt's silence waits up to this.
SINK_BYTES = RATE * FRAME_BYTES * 10 // 1000
CHUNK_BYTES = RATE * FRAME_BYTES * 5 // 1000  # 5 ms: how late a mute can reach a write
# libVLC hands a start's first buffer over ~4 ms after the deck's unpause, due ~6 ms
# later (measured, player's own output: delivered +4.2 ms, due +10.2 ms), and a write
# needs ~10 ms to reach the sink: its first milliseconds, late, were cut, and a sound
# starting with the slot was heard 5-13 ms late, more or less so on each screen. So
# each deck's sound is played this much after its picture (the media option
# `:audio-desync`, set by the engine): the start's first buffer then comes with time to
# spare, and every screen is late by the same amount, so they stay together. (A negative
# desync would have the sound handed over sooner; libVLC 3 ignores it for a deck
# started paused: measured, the buffers came due at the same instants.) Lip sync
# tolerates sound up to 45 ms after the picture (ITU-R BT.1359); this is a third of it.
SOUND_DELAY_MS = 15


def times_its_own_sound(sound_timing: str, output: str, headless_audio: str) -> bool:
    """Whether the player's own output plays the sound (`[player] sound_timing`).
    "auto", the default: wherever a PulseAudio server takes it, headless ("pulse", the
    rigs) or in a window, since only this output holds the sound to the picture within
    a millisecond (README, the sound tables); libVLC's own elsewhere. (In a window since
    2026-12-04: with libVLC's X output, three window players with it and prompts had
    stopped answering; with the player presenting its own pictures they ran, 3 screens,
    120 s, prompts.) On a terminal with ALSA alone libVLC's is the only one that plays
    at all; on the null output nothing needs timing."""
    if sound_timing != "auto":
        return sound_timing == "player"
    if output == "headless":
        return headless_audio == "pulse"
    return pulse_server_present()


def _open_stream(name: str) -> PlaybackStream:
    target = RATE * FRAME_BYTES * BUFFER_MS // 1000
    unset = 0xFFFFFFFF  # the server's choice
    # PulseAudio gives the sink (target - 2 minreq) / 2 (player.pulse_stream).
    minreq = (target - 2 * SINK_BYTES) // 2 // FRAME_BYTES * FRAME_BYTES
    return PlaybackStream(name, BufferAttr(unset, target, PREBUF_BYTES, minreq, unset))


class ScheduledStream:
    """One deck's PulseAudio stream, its buffers placed on their instants."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._handle: PlaybackStream | None = None
        self._lock = threading.Lock()  # libVLC's audio thread writing; close()
        self._handle_lock = threading.Lock()  # the handle's life, against flush()
        self._volume = 1.0
        self._muted = False  # libVLC tells the deck's mute and volume as they are set
        self._heard = True  # the engine's say, over libVLC's mute (set_heard)
        self._fresh = True  # nothing playing: the next buffer is placed exactly
        self._written_until_us = 0  # when what was written will have played
        self._generation = 0  # flushes so far: a write in progress across one stops
        self._errors: deque[int] = deque(maxlen=ERRORS_KEPT)  # us late, latest buffers
        self._tail = False  # no longer heard, its last sound left to play out
        self._draining = False  # libVLC reached the end of the media

    def _open(self) -> PlaybackStream | None:
        try:
            return _open_stream(self._name)
        except PulseError as error:
            log.warning("sound_unavailable stream=%s error=%s", self._name, error)
            return None

    # -- libVLC's callbacks (its audio thread) ----------------------------------------
    def play(self, data: bytes, pts_us: int) -> None:
        self._draining = False
        with self._lock:
            if self._handle is None:
                handle = self._open()
                if handle is None:
                    return
                if self._volume != 1.0:
                    handle.set_volume(self._volume)
                with self._handle_lock:
                    self._handle = handle
            self._write_placed(data, pts_us)

    def _write_placed(self, data: bytes, pts_us: int) -> None:
        """Write `data` placed on its instant `pts_us`; a flush while it is written
        drops the rest of it, stale."""
        generation = self._generation
        plays_at = self._handle.next_plays_at_us()
        now_us = time.monotonic_ns() // 1000
        if plays_at is None or not now_us - MAX_AHEAD_US < plays_at < now_us + MAX_AHEAD_US:
            plays_at = now_us  # it cannot tell
        if not now_us < self._written_until_us < now_us + MAX_AHEAD_US:
            self._fresh = True  # it ran dry (or the count is lost): nothing plays
        if self._fresh:
            # A start: put on its instant by the stream itself, from the read index
            # (player.pulse_stream), then the rest after it. (Placing a start's
            # buffers by the latency instead, whole for 200 ms, cut or put silence in
            # the sound: 2-9 ms silences 200 ms into a slot, seen at the rig's sinks.)
            self._fresh = False
            self._errors.clear()
            due_us = min(pts_us, plays_at + MAX_LEAD_US)  # never more than libVLC's lead
            self._written_until_us = due_us + len(data) // FRAME_BYTES * 1_000_000 // RATE
            self._write(data, generation, due_us=due_us)
            return
        # > 0: late. Each answer is a round trip to a server that may be put off too:
        # the median of the last ones, less what was corrected since each was taken.
        self._errors.append(plays_at - pts_us)
        late_us = max(-MAX_STEP_US, min(MAX_STEP_US, statistics.median(self._errors)))
        if abs(late_us) > TOLERANCE_US:  # frames taken out or repeated, never a silence
            frames = -round(late_us * RATE / 1_000_000)
            data = _respaced(data, frames)
            corrected = round(frames * 1_000_000 / RATE)
            self._errors = deque((e + corrected for e in self._errors), maxlen=ERRORS_KEPT)
        self._written_until_us = max(plays_at, now_us) + \
            len(data) // FRAME_BYTES * 1_000_000 // RATE
        # In chunks, each muted or not as things are when it is written: a write
        # blocks until PulseAudio has room, and libVLC hands over up to 240 ms at
        # once, all of which would play after a mute that came meanwhile.
        for at in range(0, len(data), CHUNK_BYTES):
            if not self._write(data[at:at + CHUNK_BYTES], generation):
                return

    def _write(self, data: bytes, generation: int, due_us: int | None = None) -> bool:
        """One write, muted or scaled as things are now; False when it was not done
        (flushed meanwhile, or PulseAudio went away)."""
        if self._generation != generation:
            return False  # flushed meanwhile: the next buffer is placed afresh
        if not self._may_be_heard():
            data = bytes(len(data))
        # Asked again as it goes in (a write may wait for room): silence if muted
        # since, or flushed since (it would now play at the wrong place).
        if self._handle.write(data, keep=lambda: self._may_be_heard()
                              and self._generation == generation, due_us=due_us):
            return True
        # PulseAudio went away: the next buffer connects again.
        log.warning("sound_lost stream=%s reconnect=next_buffer", self._name)
        with self._handle_lock:
            self._handle.close()
            self._handle = None
        return False

    def _may_be_heard(self) -> bool:
        return self._heard and not self._muted

    def flush(self) -> None:
        """Drop what PulseAudio holds ahead. Not behind `_lock`, which a blocked write
        holds: the thread muting (the event loop, at a PCI prompt) never waits for one.
        The stream takes its own main loop's lock for each call."""
        with self._handle_lock:
            self._generation += 1
            if self._handle is not None:
                self._handle.flush()
            self._fresh = True
            self._tail = False

    def libvlc_flush(self) -> None:
        """libVLC flushing the deck's sound (a seek, its stop, the end of the media).
        At the end of a media libVLC says it drains, then flushes well before the last
        sound it handed over has played (measured: 38 ms before, every slot, a gap at
        every change of asset); a deck no longer heard has its last sound left to play
        out by the engine (`set_heard`). Neither is dropped."""
        if self._heard and not self._draining:
            self.flush()

    def drain(self) -> None:
        """libVLC handed over the media's last sound."""
        self._draining = True

    def set_volume(self, volume: float, muted: bool) -> None:
        """From the thread that set it. Muting drops what the stream holds ahead (up
        to libVLC's lead, 100 ms or more): a PCI prompt's silence is at once."""
        if muted and not self._muted:
            self._muted = True
            self.flush()
        volume = max(0.0, volume)
        if volume != self._volume:
            with self._handle_lock:
                if self._handle is not None:
                    self._handle.set_volume(volume)
        self._volume, self._muted = volume, muted

    def set_heard(self, heard: bool, *, play_out: bool = False) -> None:
        """Whether the deck may be heard at all: from its unpause until another deck
        takes over, never during a PCI prompt, whatever mute libVLC reports. libVLC 3
        makes a deck's audio output anew at each start, with a mute of its own that a
        mute said earlier may not have reached (player.engine, `_fresh_audio_output`);
        its buffers come here all the same. The flag is set before the flush, so no
        buffer is written heard after. `play_out`: another deck took over at a slot
        boundary; what this one wrote of its asset still plays (it ends by then, or
        `SOUND_DELAY_MS` after), only what it writes from now on is silent."""
        was, self._heard = self._heard, heard
        if heard:
            self._tail = False
        elif play_out:
            self._tail = self._tail or was
        elif was or self._tail:
            self.flush()

    def close(self) -> None:
        with self._lock, self._handle_lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def _respaced(data: bytes, frames: int) -> bytes:
    """`data` with `frames` frames more (repeated) or, negative, fewer (taken out),
    spread evenly through it. A silence put in the sound, however short, is a click
    on a tone (a 0.9 ms one, beside a zero crossing of the clips' 440 Hz bed, was
    counted as a gap at the sink); a frame in twenty repeated is not heard."""
    total = len(data) // FRAME_BYTES
    count = min(abs(frames), total // 2)
    if count == 0:
        return data
    pieces, start = [], 0
    for i in range(count):
        at = (i + 1) * total // (count + 1) * FRAME_BYTES
        if frames < 0:
            pieces.append(data[start:at])  # the frame at `at` left out
            start = at + FRAME_BYTES
        else:
            pieces.append(data[start:at + FRAME_BYTES])  # the frame at `at` twice
            start = at
    pieces.append(data[start:])
    return b"".join(pieces)


def _bytes_for(microseconds: int) -> int:
    return (microseconds * RATE // 1_000_000) * FRAME_BYTES


def attach(player: vlc.MediaPlayer, stream: ScheduledStream) -> tuple:
    """Route `player`'s sound to `stream`; the ctypes thunks, to keep alive."""
    @vlc.CallbackDecorators.AudioPlayCb
    def play(opaque, samples, count, pts):
        stream.play(ctypes.string_at(samples, count * FRAME_BYTES), pts)

    @vlc.CallbackDecorators.AudioPauseCb
    def pause(opaque, pts):
        stream.libvlc_flush()

    @vlc.CallbackDecorators.AudioResumeCb
    def resume(opaque, pts):
        stream.libvlc_flush()

    @vlc.CallbackDecorators.AudioFlushCb
    def flush(opaque, pts):
        stream.libvlc_flush()

    @vlc.CallbackDecorators.AudioDrainCb
    def drain(opaque):
        stream.drain()

    @vlc.CallbackDecorators.AudioSetVolumeCb
    def set_volume(opaque, volume, mute):
        stream.set_volume(volume, bool(mute))

    player.audio_set_callbacks(play, pause, resume, flush, drain, None)
    player.audio_set_volume_callback(set_volume)
    player.audio_set_format("S16N", RATE, CHANNELS)
    return (play, pause, resume, flush, drain, set_volume)
