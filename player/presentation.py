"""When the X server drew each picture a window-mode deck presented: what the steering
measures position from in a window, as it does from the headless sink's display times.

The X Damage extension reports every drawing into a drawable. So this watches each
deck's drawable on an X connection of its own, in a thread of its own, and stamps each
report with CLOCK_MONOTONIC, the clock the whole player uses. The drawables:
- the player's own presentation (player.x_present): each deck's pixmap, into which
  every picture is put at its instant, whether the deck is on screen or hidden behind a
  PCI prompt, so both are measured;
- libVLC's own X output (the fallback): each deck's window, its inferiors included
  (libVLC draws into a child it makes inside it). An unmapped window (the standby
  deck, the video zone during a prompt) gets no drawing and so no reports: the
  steering models those stretches (player.steering). Tk's own painting of a deck
  window (its black background when the deck is put on screen) is reported too; it
  comes within the steering's settling time after a start, and the steering takes the
  median of many pictures.

- A report is stamped when it is read, which can be late (this thread waits for the
  interpreter lock). The report also carries the server's time in milliseconds, and
  the X server's clock is CLOCK_MONOTONIC (measured under Xvfb here: the read comes
  0.29-1.73 ms after the server's millisecond, median 0.87 ms). A report is therefore
  taken at its read time, but never later than `SERVER_SLACK_MS` after the server's
  millisecond: a late read costs at most that. (With the X server starved of CPU the
  server's millisecond was seen up to 50 ms stale: such a report comes out early, and
  the steering's median of many pictures leaves it out.)
- One report per picture: the damage level is "non-empty", subtracted after each
  report, so the server sends the next report at the next drawing.

What a real panel adds after the X server (its scan-out, up to one refresh) is the same
for every screen of a site with the same hardware, and is not measured here.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

SERVER_SLACK_MS = 1.0
POLL_S = 0.2  # how often the thread looks whether it should stop


class PresentationWatch:
    """Reports `on_presented(deck, monotonic_ns)` for each picture drawn into a deck's
    drawable. Needs the X Damage extension; without it (or without python-xlib)
    `start` returns False and the steering models position, as it did before."""

    def __init__(self, display_name: str | None, windows: dict[int, int],
                 on_presented: Callable[[int, int], None]) -> None:
        self._display_name = display_name
        self._windows = windows  # deck index -> X drawable id
        self._on_presented = on_presented
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        try:
            from Xlib import display as xdisplay
            from Xlib.ext import damage
            connection = xdisplay.Display(self._display_name)
            if not connection.has_extension("DAMAGE"):
                raise RuntimeError("the X server has no DAMAGE extension")
            connection.damage_query_version()  # required before any other request
            decks = {}
            for deck, window_id in self._windows.items():
                window = connection.create_resource_object("window", window_id)
                decks[window_id] = (deck, window.damage_create(damage.DamageReportNonEmpty))
            connection.sync()
        except Exception as exc:  # noqa: BLE001 - any failure means: model, as before
            log.warning("presentation_unwatched reason=%s", str(exc).replace(" ", "_")[:80])
            return False
        self._thread = threading.Thread(target=self._run, args=(connection, decks),
                                        name="presentation", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self, connection, decks: dict[int, tuple[int, object]]) -> None:
        notify = connection.extension_event.DamageNotify
        try:
            while not self._stop.is_set():
                readable, _, _ = select.select([connection.fileno()], [], [], POLL_S)
                if not readable and not connection.pending_events():
                    continue
                while connection.pending_events():
                    event = connection.next_event()
                    read_ns = time.monotonic_ns()
                    if event.type != notify:
                        continue
                    connection.damage_subtract(event.damage, 0, 0)
                    deck = decks.get(event.drawable.id)
                    if deck is not None:
                        self._on_presented(deck[0], presented_ns(read_ns, event.timestamp))
                connection.flush()
        except Exception as exc:  # noqa: BLE001 - the X connection went away
            if not self._stop.is_set():
                log.warning("presentation_unwatched reason=%s",
                            str(exc).replace(" ", "_")[:80])
        finally:
            try:
                connection.close()
            except Exception:  # noqa: BLE001
                pass


def presented_ns(read_ns: int, server_ms: int) -> int:
    """A report's time: when it was read, but at most `SERVER_SLACK_MS` past the
    server's millisecond (a 32-bit count that wraps every 49.7 days)."""
    read_ms = read_ns // 1_000_000
    server_full_ms = read_ms - ((read_ms - server_ms) % (1 << 32))
    latest = int((server_full_ms + SERVER_SLACK_MS) * 1_000_000)
    return min(read_ns, latest)
