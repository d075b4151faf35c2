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

- libVLC calls the log callback for every message of every level, from its own
  threads; levels under warning are returned from at once, before any formatting.
- The message's object is the input thread, which libVLC's API does not tie to a media
  player: a reset counts for the screen, whichever deck it was.
- With a log callback set, libVLC writes nothing to stderr itself (the engine runs it
  `--quiet` anyway); warnings and errors other than this one are left unlogged, as
  before: libVLC says many harmless things at those levels (a missing VDPAU driver, a
  screensaver it cannot inhibit) that a technician should not have to read.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

import vlc

log = logging.getLogger(__name__)

CLOCK_RESET = b"ES_OUT_SET_(GROUP_)PCR  is called too late"  # two spaces, as libVLC 3 has it
WARNING = 3  # libvlc_log_level: DEBUG 0, NOTICE 2, WARNING 3, ERROR 4
MESSAGE_BYTES = 256

_LIBC = ctypes.CDLL(ctypes.util.find_library("c"))
_VSNPRINTF = _LIBC.vsnprintf
_VSNPRINTF.argtypes = (ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p)
_VSNPRINTF.restype = ctypes.c_int


def format_message(fmt: bytes, args) -> bytes:
    """libVLC's printf-style message made text, with libc's own vsnprintf (the
    arguments are a C va_list)."""
    buffer = ctypes.create_string_buffer(MESSAGE_BYTES)
    _VSNPRINTF(buffer, MESSAGE_BYTES, fmt, args)
    return buffer.value


class ClockResets:
    """Counts libVLC's clock resets (see the module docstring) for the player to rejoin
    on; `count` only ever grows."""

    def __init__(self) -> None:
        self.count = 0
        self._callback = vlc.CallbackDecorators.LogCb(self._on_message)  # kept alive

    def attach(self, instance: vlc.Instance) -> None:
        instance.log_set(self._callback, None)

    def _on_message(self, _data, level, _context, fmt, args) -> None:
        if level < WARNING or fmt is None or not fmt.startswith(b"ES_OUT_SET_"):
            return
        text = format_message(fmt, args)
        if text.startswith(CLOCK_RESET):
            self.count += 1
            log.warning("libvlc_clock_reset said=%s",
                        text[len(CLOCK_RESET):].decode(errors="replace").strip(" ()")
                        .replace(" ", "_")[:60])
