"""What libVLC says of its own clock, heard in its log: the one place it tells that a
playing deck's timing was thrown away.

libVLC 3 takes a playing input's clock again from scratch when its demuxer hands data
over later than the data is due (src/input/es_out.c: "ES_OUT_SET_(GROUP_)PCR is called
too late", then either "pts_delay increased" with a forced rebuffering or "jitter
ignored" with a clock reset). The deck freezes while it rebuffers and then plays on
from wherever the new clock puts it: tens to hundreds of milliseconds off. On two busy
cores it was seen 1 to 3 times per screen in 2 minutes (`gstv sim --output window`,
three 720p VP9 players and an X server). The steering measures position modulo a frame, so it pulls such a deck onto
the nearest frame boundary and leaves it whole frames off (1 to 4 frames, for as long
as 25 s, in `gstv sim --output window`); nothing in libVLC's API reports it but this
log line. So the engine listens to libVLC's log for it: each one is a warning in the
journal (`libvlc_clock_reset`) and a count in the status (`sync.clock_resets`).

Not done, and why: rejoining at each reset was tried (2026-12-02, 3 windows, 120 s,
webm720-vp9, clock faults, prompts). 11 resets made 10 rejoins, the site never
converged in one run, and the next run hung: a player's main thread waited forever in
`libvlc_media_player_stop` while that deck's video output spun in libswscale at
real-time priority, starving the machine. Whether the extra stops caused it is not
known; until it is, a reset is reported, not acted on. The cure to build is to tell
the frame presented rather than only its phase.

- libVLC writes its log into a pipe itself (`libvlc_log_set_file`: formatted in C by
  the thread that logs), and a thread of ours reads the pipe. A Python log callback was
  tried first: every libVLC thread that logs, its real-time video output among them,
  then waits for Python's interpreter lock (a priority inversion), and a 3-screen demo
  on a busy machine lost its sync measure once while it was in, which it may have
  caused. The pipe's writing end does not block: a full
  pipe loses lines, it never holds libVLC up.
- The message's object is not in the line, and libVLC's API does not tie the input
  thread to a media player anyway: a reset counts for the screen, whichever deck it was.
- Other lines are dropped: libVLC says many harmless things (a missing VDPAU driver, a
  screensaver it cannot inhibit) that a technician should not have to read. The engine
  still runs it `--quiet`, which keeps libVLC's own logging to stderr off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading

import vlc

log = logging.getLogger(__name__)

CLOCK_RESET = b"ES_OUT_SET_(GROUP_)PCR  is called too late"  # two spaces, as libVLC 3 has it
READ_BYTES = 1 << 16

_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_LIBC.fdopen.argtypes = (ctypes.c_int, ctypes.c_char_p)
_LIBC.fdopen.restype = ctypes.c_void_p
_LIBC.setvbuf.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t)
_LIBC.fclose.argtypes = (ctypes.c_void_p,)
_IOLBF = 1  # glibc: line buffered


class ClockResets:
    """Counts libVLC's clock resets (see the module docstring) for the status; `count`
    only ever grows. `close` after the libVLC instance is done with."""

    def __init__(self) -> None:
        self.count = 0
        self._read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
        os.set_blocking(write_fd, False)  # libVLC never waits on us (see the module)
        self._stream = _LIBC.fdopen(write_fd, b"w")
        if not self._stream:
            os.close(write_fd)
            os.close(self._read_fd)
            raise OSError(ctypes.get_errno(), "fdopen of libVLC's log pipe")
        _LIBC.setvbuf(self._stream, None, _IOLBF, 0)
        self._instance: vlc.Instance | None = None
        self._reader = threading.Thread(target=self._read, name="libvlc-log", daemon=True)

    def attach(self, instance: vlc.Instance) -> None:
        self._instance = instance
        instance.log_set_file(ctypes.cast(self._stream, vlc.FILE_ptr))
        self._reader.start()

    def close(self) -> None:
        """Stop libVLC writing (it waits for a line being written), then end the pipe."""
        if self._instance is not None:
            self._instance.log_unset()
        if self._stream:
            _LIBC.fclose(self._stream)  # closes the writing end: the reader sees its end
            self._stream = None
        if self._reader.is_alive():
            self._reader.join(timeout=2)

    def _read(self) -> None:
        pending = b""
        try:
            while chunk := os.read(self._read_fd, READ_BYTES):
                *lines, pending = (pending + chunk).split(b"\n")
                for line in lines:
                    if line.startswith(CLOCK_RESET):
                        self._heard(line)
        finally:
            os.close(self._read_fd)

    def _heard(self, line: bytes) -> None:
        self.count += 1
        log.warning("libvlc_clock_reset said=%s",
                    line[len(CLOCK_RESET):].decode(errors="replace").strip(" ()")
                    .replace(" ", "_")[:60])
