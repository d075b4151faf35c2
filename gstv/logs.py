"""Log set-up for the daemons, done once at the entry point.

One line per event: the event name, then key=value pairs (`slot_start file=a.mp4
asset=A-1`), each prefixed with its syslog priority (`<6>`) so journald keeps the level
when the line comes through stderr (tests/test_log_lines.py holds every log call in
the code to that shape). Library modules only call `logging.getLogger`.

Decisions:
- Repeats are rate-limited: a warning or error identical to one already written in
  the last `REPEAT_WINDOW_S` (same logger, same event and the same values, counters
  aside) is counted, not written; the first one after the window is written with
  `repeated=N`, how many were held back. A download failing every 30 s thus writes a
  line every 5 minutes, and a technician still sees that it goes on and how often.
  Information lines are never held back: each is a distinct event (a slot, a prompt).
- httpx and httpcore log every request at INFO with its full URL; they are held to
  warnings, so a cloud URL with credentials in it never reaches the journal (the
  agent logs the cloud's host only, and never the token).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
             logging.CRITICAL: 2}
REPEAT_WINDOW_S = 300.0
_MAX_REMEMBERED = 1_000
_QUIET_LIBRARIES = ("httpx", "httpcore")


class JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITY.get(record.levelno, 6)
        text = super().format(record).replace("\n", " | ")
        return f"<{priority}>{text}"


class RepeatFilter(logging.Filter):
    """Holds back warnings and errors repeated within `window_s` (see the module)."""

    def __init__(self, window_s: float = REPEAT_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._window_s = window_s
        self._clock = clock
        self._seen: dict[tuple, list[float | int]] = {}  # key: [window start, held back]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, record.msg, _identity(record.args))
        now = self._clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self._window_s:
            seen[1] += 1
            return False
        held = int(seen[1]) if seen is not None else 0
        if len(self._seen) >= _MAX_REMEMBERED:
            self._forget(now)
        self._seen[key] = [now, 0]
        if held:
            record.msg = f"{record.msg} repeated={held}"
        return True

    def _forget(self, now: float) -> None:
        for key in [k for k, (start, _) in self._seen.items() if now - start >= self._window_s]:
            del self._seen[key]
        if len(self._seen) >= _MAX_REMEMBERED:
            self._seen.clear()


def _identity(args: object) -> tuple:
    """The values that tell one repeat from another event: counters do not."""
    if not isinstance(args, tuple):
        return (repr(args),)
    return tuple("#" if isinstance(a, (int, float)) and not isinstance(a, bool) else repr(a)
                 for a in args)


def setup_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JournalFormatter("%(message)s"))
    handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
