"""A thread that does one thing at an exact monotonic instant: unpause a deck.

Why not the event loop: its steps (a time exchange, a status answer, closing the
previous deck) take up to several milliseconds now and then, and a deck unpaused late
plays late by as much for its whole slot (measured in `gstv sim`: starts 2-4 ms off
whenever a step ran across the instant). This thread sleeps until just before the
instant and spins the rest, so only the interpreter lock stands between it and the
instant, which the event loop hands over within the switch interval (0.5 ms in the
player). Where real-time scheduling is allowed it runs above libVLC's threads: on a
busy machine a decoder would otherwise hold the core it needs (measured: unpauses
2-3 ms late in a four-player rig without, within 0.1 ms with).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

SPIN_S = 0.0015
# Above libVLC's own threads (their real-time priorities go up to about 20): the thread
# runs a few milliseconds per slot, so it can starve nothing.
PRIORITY = 40


class Starter:
    def __init__(self, *, realtime: bool = False) -> None:
        self._realtime = realtime
        self._jobs: list[tuple[float, Callable[[], None], Future]] = []
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="starter", daemon=True)
        self._thread.start()

    def at(self, monotonic_s: float, action: Callable[[], None]) -> Future:
        """Run `action` at `monotonic_s` (at once if that is past); cancel the returned
        future to call it off."""
        future: Future = Future()
        with self._wake:
            self._jobs.append((monotonic_s, action, future))
            self._jobs.sort(key=lambda job: job[0])
            self._wake.notify()
        return future

    def close(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._thread.join()

    def _run(self) -> None:
        if self._realtime:
            try:
                os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(PRIORITY))
            except OSError:
                pass  # not allowed here: ordinary scheduling, a little less exact
        while True:
            with self._wake:
                while not self._stopped and not self._jobs:
                    self._wake.wait()
                if self._stopped:
                    return
                when, action, future = self._jobs[0]
                left = when - time.monotonic() - SPIN_S
                if left > 0:
                    self._wake.wait(left)  # woken early by a new, sooner job: re-plan
                    continue
                self._jobs.pop(0)
            while time.monotonic() < when:
                pass
            if future.set_running_or_notify_cancel():
                try:
                    action()
                    future.set_result(None)
                except Exception as exc:  # noqa: BLE001 - handed to the waiter
                    future.set_exception(exc)
