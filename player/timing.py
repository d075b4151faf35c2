"""Time as the player's loops see it: the `Clock` protocol, and the real one.

The slot loop, the steering and the ticker never read a clock or sleep on their own:
they ask a `Clock`. The real one (`SiteTiming`) is the terminal's `SiteClock` (site time
from the machine's monotonic clock plus a disciplined offset, sync.clock) and asyncio's
sleeps; a test's virtual clock (tests/player/fakes.py) moves time forward by hand, so
the player's logic runs in virtual time with no sleeps and no libVLC.

Sleeping to an instant is cut short by an `interrupt` (a prompt starting, a rejoin):
`sleep_until` then answers False. The last `SPIN_MS` before a start are spun rather
than slept, so the start lands on its instant whatever the event loop's timer slack.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from sync.clock import SiteClock

SPIN_MS = 2.0


class Clock(Protocol):
    @property
    def steps(self) -> int:
        """How often site time has been stepped (each step is a rejoin)."""

    @property
    def rate(self) -> float:
        """Site seconds per monotonic second: what media must play at."""

    @property
    def oscillator_factor(self) -> float:
        """This terminal's crystal against true time (1 on a real terminal)."""

    @property
    def trusted(self) -> bool: ...

    def monotonic(self) -> float: ...

    def monotonic_ns(self) -> int: ...

    def now_ms(self) -> int:
        """Site time, epoch milliseconds."""

    def monotonic_at(self, site_ms: float) -> float:
        """The monotonic time (s) at which site time reaches `site_ms`."""

    def site_at_monotonic(self, monotonic_ns: int) -> float:
        """Site time (ms) at a monotonic instant (ns)."""

    async def sleep(self, seconds: float) -> None: ...

    async def sleep_until(self, site_ms: float, interrupt: asyncio.Event, *,
                          spin: bool = False) -> bool:
        """Until site time `site_ms`; False if `interrupt` was set first."""


class SiteTiming:
    """The real `Clock`: a `SiteClock` and asyncio."""

    def __init__(self, clock: SiteClock) -> None:
        self.site = clock

    @property
    def steps(self) -> int:
        return self.site.steps

    @property
    def rate(self) -> float:
        return self.site.rate

    @property
    def oscillator_factor(self) -> float:
        return self.site.oscillator_factor

    @property
    def trusted(self) -> bool:
        return self.site.trusted

    def monotonic(self) -> float:
        return time.monotonic()

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def now_ms(self) -> int:
        return self.site.now_ms()

    def monotonic_at(self, site_ms: float) -> float:
        return self.site.monotonic_at(site_ms)

    def site_at_monotonic(self, monotonic_ns: int) -> float:
        return self.site.site_at_monotonic(monotonic_ns)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def sleep_until(self, site_ms: float, interrupt: asyncio.Event, *,
                          spin: bool = False) -> bool:
        target = self.site.monotonic_at(site_ms)
        while True:
            remaining = target - time.monotonic()
            if remaining <= SPIN_MS / 1000 or interrupt.is_set():
                break
            try:
                await asyncio.wait_for(interrupt.wait(), remaining - SPIN_MS / 1000)
            except TimeoutError:
                pass
        if interrupt.is_set():
            return False
        while spin and time.monotonic() < target:
            pass
        return True
