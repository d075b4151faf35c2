"""One PulseAudio playback stream over libpulse's asynchronous API, which says exactly
when what is written next will play: what `player.audio_out` places each buffer by.

Why not libpulse-simple (what this replaced, 2026-12-03): its streams interpolate
timing (PA_STREAM_INTERPOLATE_TIMING), and `pa_simple_get_latency` answers from
PulseAudio's smoother, a regression over 5 s of timing updates that follows a change
(a start, a flush at a PCI prompt, an underrun between slots) only over seconds.
Measured at a rig null sink on a loaded machine: after a prompt's flush the smoothed
latency went wrong by up to 9 ms and stayed wrong for 6 s, and the sound played that
much early while the output believed it on time (p99 5-7 ms audio skew between screens
in a 3-screen `gstv sim`). Here each call asks the server for its timing and computes
from the answer alone: the byte at the stream's read index reaches the sink's output
`sink_usec` after the server's timestamp, and what is written next follows the bytes
queued between the read and write indexes. Same run: placement within ±1 ms of the
due instant at the sink, no drift after prompts.

Thread use: libVLC's audio thread writes and asks the latency; the event loop
flushes. Every call takes the threaded main loop's lock; a write waiting for room
waits on the loop (which releases the lock), so a flush is never held up by it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import time
from collections.abc import Callable

RATE = 48_000
CHANNELS = 2
FRAME_BYTES = 2 * CHANNELS

_SAMPLE_S16LE = 3
_CONTEXT_READY, _CONTEXT_FAILED, _CONTEXT_TERMINATED = 4, 5, 6
_STREAM_READY, _STREAM_FAILED, _STREAM_TERMINATED = 2, 3, 4
_OPERATION_RUNNING = 0
# No PA_STREAM_INTERPOLATE_TIMING: see the module docstring.
_AUTO_TIMING_UPDATE, _ADJUST_LATENCY = 0x0008, 0x2000
# With ADJUST_LATENCY the server gives the sink (tlength - 2 minreq) / 2 of the target
# and the stream's queue the rest (player.audio_out sizes both: BUFFER_MS, SINK_MS).
# Early-request mode (sink latency = minreq) was tried: a second stream's first sound
# on a rig null sink then came 1 s late (bench/sound_restart.py, 2026-12-03).
_FLAGS = _AUTO_TIMING_UPDATE | _ADJUST_LATENCY
_SEEK_RELATIVE, _SEEK_ABSOLUTE, _SEEK_RELATIVE_ON_READ = 0, 1, 2
_MAX_SINK_US = 2_000_000  # a sink latency past this is no timing to place by


class _SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32),
                ("channels", ctypes.c_uint8)]


class BufferAttr(ctypes.Structure):
    _fields_ = [("maxlength", ctypes.c_uint32), ("tlength", ctypes.c_uint32),
                ("prebuf", ctypes.c_uint32), ("minreq", ctypes.c_uint32),
                ("fragsize", ctypes.c_uint32)]


class _CVolume(ctypes.Structure):  # pa_cvolume, <pulse/volume.h>
    _fields_ = [("channels", ctypes.c_uint8), ("values", ctypes.c_uint32 * 32)]


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _TimingInfo(ctypes.Structure):  # pa_timing_info, <pulse/def.h>
    _fields_ = [("timestamp", _Timeval), ("synchronized_clocks", ctypes.c_int),
                ("sink_usec", ctypes.c_uint64), ("source_usec", ctypes.c_uint64),
                ("transport_usec", ctypes.c_uint64), ("playing", ctypes.c_int),
                ("write_index_corrupt", ctypes.c_int), ("write_index", ctypes.c_int64),
                ("read_index_corrupt", ctypes.c_int), ("read_index", ctypes.c_int64),
                ("configured_sink_usec", ctypes.c_uint64),
                ("configured_source_usec", ctypes.c_uint64),
                ("since_underrun", ctypes.c_int64)]


_NOTIFY = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_REQUEST = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
_pulse = None


def _library():
    global _pulse
    if _pulse is None:
        lib = ctypes.CDLL(ctypes.util.find_library("pulse") or "libpulse.so.0")
        pointer, void = ctypes.c_void_p, None
        for name, restype, argtypes in [
                ("pa_threaded_mainloop_new", pointer, []),
                ("pa_threaded_mainloop_get_api", pointer, [pointer]),
                ("pa_threaded_mainloop_start", ctypes.c_int, [pointer]),
                ("pa_threaded_mainloop_stop", void, [pointer]),
                ("pa_threaded_mainloop_free", void, [pointer]),
                ("pa_threaded_mainloop_lock", void, [pointer]),
                ("pa_threaded_mainloop_unlock", void, [pointer]),
                ("pa_threaded_mainloop_wait", void, [pointer]),
                ("pa_threaded_mainloop_signal", void, [pointer, ctypes.c_int]),
                ("pa_context_new", pointer, [pointer, ctypes.c_char_p]),
                ("pa_context_set_state_callback", void, [pointer, _NOTIFY, pointer]),
                ("pa_context_connect", ctypes.c_int, [pointer, ctypes.c_char_p,
                                                      ctypes.c_int, pointer]),
                ("pa_context_get_state", ctypes.c_int, [pointer]),
                ("pa_context_errno", ctypes.c_int, [pointer]),
                ("pa_context_disconnect", void, [pointer]),
                ("pa_context_unref", void, [pointer]),
                ("pa_stream_new", pointer, [pointer, ctypes.c_char_p,
                                            ctypes.POINTER(_SampleSpec), pointer]),
                ("pa_stream_set_state_callback", void, [pointer, _NOTIFY, pointer]),
                ("pa_stream_set_write_callback", void, [pointer, _REQUEST, pointer]),
                ("pa_stream_connect_playback", ctypes.c_int,
                 [pointer, ctypes.c_char_p, ctypes.POINTER(BufferAttr), ctypes.c_int,
                  pointer, pointer]),
                ("pa_stream_get_state", ctypes.c_int, [pointer]),
                # for the rig's recorder (gstv_rigs.sound), which reads a sink's monitor
                ("pa_stream_set_read_callback", void, [pointer, _REQUEST, pointer]),
                ("pa_stream_connect_record", ctypes.c_int,
                 [pointer, ctypes.c_char_p, ctypes.POINTER(BufferAttr), ctypes.c_int]),
                ("pa_stream_peek", ctypes.c_int, [pointer, ctypes.POINTER(ctypes.c_void_p),
                                                  ctypes.POINTER(ctypes.c_size_t)]),
                ("pa_stream_drop", ctypes.c_int, [pointer]),
                ("pa_stream_writable_size", ctypes.c_size_t, [pointer]),
                ("pa_stream_write", ctypes.c_int, [pointer, ctypes.c_char_p, ctypes.c_size_t,
                                                   pointer, ctypes.c_int64, ctypes.c_int]),
                ("pa_stream_flush", pointer, [pointer, pointer, pointer]),
                ("pa_stream_update_timing_info", pointer, [pointer, pointer, pointer]),
                ("pa_stream_get_timing_info", ctypes.POINTER(_TimingInfo), [pointer]),
                ("pa_stream_unref", void, [pointer]),
                ("pa_operation_get_state", ctypes.c_int, [pointer]),
                ("pa_operation_set_state_callback", void, [pointer, _NOTIFY, pointer]),
                ("pa_operation_unref", void, [pointer]),
                ("pa_stream_get_index", ctypes.c_uint32, [pointer]),
                ("pa_sw_volume_from_linear", ctypes.c_uint32, [ctypes.c_double]),
                ("pa_cvolume_set", pointer, [ctypes.POINTER(_CVolume), ctypes.c_uint,
                                             ctypes.c_uint32]),
                ("pa_context_set_sink_input_volume", pointer,
                 [pointer, ctypes.c_uint32, ctypes.POINTER(_CVolume), pointer, pointer])]:
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        _pulse = lib
    return _pulse


class PulseError(RuntimeError):
    """The server cannot be reached, or the stream failed."""


class _Stream:
    """A 48 kHz stereo S16 stream: playback on the default sink (`$PULSE_SINK`,
    `$PULSE_SERVER` as for any PulseAudio client), or recording from `source`."""

    def __init__(self, name: str, attr: BufferAttr, source: str | None = None) -> None:
        lib = _library()
        self._lib = lib
        self._loop = lib.pa_threaded_mainloop_new()
        self._context = self._stream = None
        # Every callback only wakes whoever waits on the loop (kept alive here).
        self._wake = _NOTIFY(lambda *_: lib.pa_threaded_mainloop_signal(self._loop, 0))
        self._wake_request = _REQUEST(
            lambda *_: lib.pa_threaded_mainloop_signal(self._loop, 0))
        try:
            self._connect(name.encode(), attr, source)
        except PulseError:
            self.close()
            raise

    def _connect(self, name: bytes, attr: BufferAttr, source: str | None) -> None:
        lib, loop = self._lib, self._loop
        self._context = lib.pa_context_new(lib.pa_threaded_mainloop_get_api(loop), b"gstv")
        if not self._context:
            raise PulseError("no PulseAudio context")
        lib.pa_context_set_state_callback(self._context, self._wake, None)
        if lib.pa_context_connect(self._context, None, 0, None) < 0:
            raise PulseError(f"cannot connect (pulse error "
                             f"{lib.pa_context_errno(self._context)})")
        lib.pa_threaded_mainloop_lock(loop)
        try:
            if lib.pa_threaded_mainloop_start(loop) < 0:
                raise PulseError("cannot start the PulseAudio main loop")
            while (state := lib.pa_context_get_state(self._context)) != _CONTEXT_READY:
                if state in (_CONTEXT_FAILED, _CONTEXT_TERMINATED):
                    raise PulseError(f"cannot connect (pulse error "
                                     f"{lib.pa_context_errno(self._context)})")
                lib.pa_threaded_mainloop_wait(loop)
            spec = _SampleSpec(_SAMPLE_S16LE, RATE, CHANNELS)
            self._stream = lib.pa_stream_new(self._context, name, ctypes.byref(spec), None)
            if not self._stream:
                raise PulseError("cannot make a stream")
            lib.pa_stream_set_state_callback(self._stream, self._wake, None)
            lib.pa_stream_set_write_callback(self._stream, self._wake_request, None)
            lib.pa_stream_set_read_callback(self._stream, self._wake_request, None)
            if source is None:
                connected = lib.pa_stream_connect_playback(
                    self._stream, None, ctypes.byref(attr), _FLAGS, None, None)
            else:
                connected = lib.pa_stream_connect_record(
                    self._stream, source.encode(), ctypes.byref(attr), _FLAGS)
            if connected < 0:
                raise PulseError(f"cannot connect the stream (pulse error "
                                 f"{lib.pa_context_errno(self._context)})")
            while (state := lib.pa_stream_get_state(self._stream)) != _STREAM_READY:
                if state in (_STREAM_FAILED, _STREAM_TERMINATED):
                    raise PulseError(f"the stream failed (pulse error "
                                     f"{lib.pa_context_errno(self._context)})")
                lib.pa_threaded_mainloop_wait(loop)
        finally:
            lib.pa_threaded_mainloop_unlock(loop)

    def _failed(self) -> bool:
        return self._lib.pa_stream_get_state(self._stream) != _STREAM_READY

    def _timing(self) -> _TimingInfo | None:
        """The server's timing of this moment (one round trip; the loop locked)."""
        lib, loop = self._lib, self._loop
        if self._failed():
            return None
        operation = lib.pa_stream_update_timing_info(self._stream, None, None)
        if not operation:
            return None
        lib.pa_operation_set_state_callback(operation, self._wake, None)
        while lib.pa_operation_get_state(operation) == _OPERATION_RUNNING:
            lib.pa_threaded_mainloop_wait(loop)
        lib.pa_operation_unref(operation)
        info = lib.pa_stream_get_timing_info(self._stream)
        if not info or info.contents.write_index_corrupt or info.contents.read_index_corrupt:
            return None
        return _TimingInfo.from_buffer_copy(info.contents)

    def close(self) -> None:
        """As pa_simple_free does it: the loop stopped first, so no callback runs on."""
        lib = self._lib
        if self._loop:
            lib.pa_threaded_mainloop_stop(self._loop)
        if self._stream:
            lib.pa_stream_unref(self._stream)
            self._stream = None
        if self._context:
            lib.pa_context_disconnect(self._context)
            lib.pa_context_unref(self._context)
            self._context = None
        if self._loop:
            lib.pa_threaded_mainloop_free(self._loop)
            self._loop = None


class PlaybackStream(_Stream):
    """Where the player's sound goes (player.audio_out)."""

    def write(self, data: bytes, keep: Callable[[], bool] | None = None, *,
              due_us: int | None = None) -> bool:
        """Queue `data`, waiting for room as PulseAudio makes it (this is what paces
        libVLC's audio thread). False: the stream failed. `keep`, asked under the
        loop's lock as each piece goes in: False writes silence in its place. A flush
        (which takes the same lock) said while this waited for room is then never
        followed by sound written after it: seen before, a 5 ms chunk let in by the
        room a PCI prompt's flush made, heard 2 ms into the prompt.

        `due_us`: put `data` where it plays at that monotonic instant, counted from
        the stream's read index and the server's timing of it, asked under the same
        lock just before the write (what was written before may have run dry long ago: with no
        pre-buffering the read index runs on through an underrun); what is already
        late is left out. Where the server cannot tell, it goes at the read index."""
        lib, loop = self._lib, self._loop
        lib.pa_threaded_mainloop_lock(loop)
        try:
            seek, offset = _SEEK_RELATIVE, 0
            if due_us is not None:
                info = self._timing()
                read_plays_at = _read_plays_at_us(info)
                if read_plays_at is not None:
                    ahead = (due_us - read_plays_at) * RATE // 1_000_000 * FRAME_BYTES
                    data = data[max(0, -ahead):]
                    # In the stream's own byte count: the sink reading on meanwhile
                    # does not move it.
                    seek, offset = _SEEK_ABSOLUTE, info.read_index + max(0, ahead)
                else:
                    # At the read index, wherever what was written last went: a
                    # stream just connected may not say it plays, while its read
                    # index runs on (written after the last, a first start's sound
                    # was dropped for a second).
                    seek = _SEEK_RELATIVE_ON_READ
            view = memoryview(data)
            while view:
                if self._failed():
                    return False
                room = lib.pa_stream_writable_size(self._stream)
                if room == ctypes.c_size_t(-1).value:
                    return False
                if room == 0:
                    lib.pa_threaded_mainloop_wait(loop)
                    continue
                piece = bytes(view[:room]) if keep is None or keep() else bytes(
                    min(room, len(view)))
                if lib.pa_stream_write(self._stream, piece, len(piece), None, offset,
                                       seek) < 0:
                    return False
                seek, offset = _SEEK_RELATIVE, 0
                view = view[len(piece):]
            return True
        finally:
            lib.pa_threaded_mainloop_unlock(loop)

    def set_volume(self, linear: float) -> None:
        """The stream's volume (1.0: as written), applied by the server: scaling every
        sample in Python held the interpreter 1.7 ms per 20 ms buffer, and libVLC's
        video thread, which needs it to present a picture, waited (frames a whole
        frame late in window mode at slot starts, when libVLC hands 200 ms over at
        once). Does not wait for the server."""
        lib = self._lib
        lib.pa_threaded_mainloop_lock(self._loop)
        try:
            if self._failed():
                return
            volume = _CVolume()
            lib.pa_cvolume_set(ctypes.byref(volume), CHANNELS,
                               lib.pa_sw_volume_from_linear(max(0.0, linear)))
            operation = lib.pa_context_set_sink_input_volume(
                self._context, lib.pa_stream_get_index(self._stream), ctypes.byref(volume),
                None, None)
            if operation:
                lib.pa_operation_unref(operation)
        finally:
            lib.pa_threaded_mainloop_unlock(self._loop)

    def flush(self) -> None:
        """Drop what is queued ahead of the sink; does not wait for the server."""
        lib = self._lib
        lib.pa_threaded_mainloop_lock(self._loop)
        try:
            if not self._failed():
                operation = lib.pa_stream_flush(self._stream, None, None)
                if operation:
                    lib.pa_operation_unref(operation)
        finally:
            lib.pa_threaded_mainloop_unlock(self._loop)

    def next_plays_at_us(self) -> int | None:
        """When (monotonic us) what is written next plays, from timing the server gives
        now; None when it cannot tell. The clocks are read together: a thread put off
        between an answer and its own clock read (as libVLC's audio thread is on two
        loaded cores) would misplace every buffer by that much."""
        self._lib.pa_threaded_mainloop_lock(self._loop)
        try:
            info = self._timing()
            if info is None:
                return None
            now_us = time.monotonic_ns() // 1000
            return now_us + _latency_from(info, time.time_ns() // 1000)
        finally:
            self._lib.pa_threaded_mainloop_unlock(self._loop)

    def latency_us(self) -> int | None:
        """How long from now until what is written next is played, from timing the
        server gives now (one round trip); None when it cannot tell."""
        self._lib.pa_threaded_mainloop_lock(self._loop)
        try:
            info = self._timing()
            return None if info is None else _latency_from(info, time.time_ns() // 1000)
        finally:
            self._lib.pa_threaded_mainloop_unlock(self._loop)


class RecordStream(_Stream):
    """A source read with the server's timing of each read: what the rig's recorder
    (gstv_rigs.sound) stamps a sink's monitor with."""

    def read(self) -> tuple[bytes, _TimingInfo | None]:
        """The next fragment (waiting for one) and the server's timing just after it
        was taken; (b"", None) when the stream failed."""
        lib, loop = self._lib, self._loop
        lib.pa_threaded_mainloop_lock(loop)
        try:
            data, size = ctypes.c_void_p(), ctypes.c_size_t()
            while True:
                if self._failed():
                    return b"", None
                if lib.pa_stream_peek(self._stream, ctypes.byref(data),
                                      ctypes.byref(size)) < 0:
                    return b"", None
                if size.value:
                    break
                lib.pa_threaded_mainloop_wait(loop)
            # A hole (no data, a size) reads as silence.
            chunk = ctypes.string_at(data, size.value) if data.value else bytes(size.value)
            lib.pa_stream_drop(self._stream)
            return chunk, self._timing()
        finally:
            lib.pa_threaded_mainloop_unlock(loop)


def pulse_server_present() -> bool:
    """Whether a PulseAudio (or PipeWire's) server answers where libpulse looks:
    `$PULSE_SERVER`, else the user's runtime directory, else the system-wide socket.
    A window then plays through libVLC's PulseAudio output, else through ALSA: the
    order libVLC itself tries, made explicit because the decks name their output
    (`_fresh_audio_output`). A probe of the socket, without loading libpulse."""
    server = os.environ.get("PULSE_SERVER", "")
    candidates = [server.removeprefix("unix:")] if server.startswith(("unix:", "/")) else []
    if server and not candidates:
        return True  # a network server: libpulse will try it
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    candidates += [f"{runtime}/pulse/native", "/var/run/pulse/native"]
    for path in candidates:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(path)
                return True
            except OSError:
                continue
    return False


def _read_plays_at_us(info: _TimingInfo | None) -> int | None:
    """When (monotonic us) the byte at the stream's read index plays: the sink's latency
    after the server's timestamp (which may be past already: the answer took its round
    trip). A stream that has not started (just connected) starts at once (no
    pre-buffering): a sink's latency from now. None: no timing to place by."""
    if info is None:
        return None
    now_us = time.monotonic_ns() // 1000
    if not info.playing:
        return now_us + info.sink_usec if info.sink_usec < _MAX_SINK_US else None
    stamped_us = info.timestamp.tv_sec * 1_000_000 + info.timestamp.tv_usec
    in_us = info.sink_usec - (time.time_ns() // 1000 - stamped_us)
    return now_us + in_us if abs(in_us) < _MAX_SINK_US else None


def _latency_from(info: _TimingInfo, now_wall_us: int) -> int:
    """From a timing answer: the queued bytes, the sink's own latency, less the time
    the sink has played on since the answer's timestamp (the server's wall clock)."""
    queued_us = (info.write_index - info.read_index) // FRAME_BYTES * 1_000_000 // RATE
    latency = queued_us + info.sink_usec
    if info.playing:
        stamped_us = info.timestamp.tv_sec * 1_000_000 + info.timestamp.tv_usec
        latency -= max(0, now_wall_us - stamped_us)
    return max(0, latency)
