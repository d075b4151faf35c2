"""SiteClock: the only time source of the player.

Site time is the monotonic clock plus an offset (and, once disciplined, a rate), so it
never jumps when someone sets the system clock, and every screen can be steered to the
same site time without touching the system clock. Until the site sync (issue #5)
disciplines it, the offset is taken once from the system clock at start-up: the player
plays on system time, as the design requires of an untrusted clock.

`fault_offset_ms` and `fault_drift_ppm` exist for the simulator and tests only: they
make this clock run as a terminal with a wrong RTC or a fast crystal would.
"""

from __future__ import annotations

import time


class SiteClock:
    def __init__(
        self,
        *,
        offset_ms: float | None = None,
        monotonic_ns=time.monotonic_ns,
        fault_offset_ms: float = 0.0,
        fault_drift_ppm: float = 0.0,
    ) -> None:
        self._monotonic_ns = monotonic_ns
        self._origin_ns = monotonic_ns()
        if offset_ms is None:  # anchor to the system clock once
            offset_ms = time.time_ns() / 1e6 - self._origin_ns / 1e6
        self._offset_ms = offset_ms + fault_offset_ms
        self._rate = 1.0 + fault_drift_ppm / 1e6
        self.trusted = False

    def now_ms(self) -> int:
        """Site time as integer epoch milliseconds."""
        return int(self.now_exact_ms())

    def now_exact_ms(self) -> float:
        elapsed_ms = (self._monotonic_ns() - self._origin_ns) / 1e6
        return self._origin_ns / 1e6 + self._offset_ms + elapsed_ms * self._rate

    def monotonic_at(self, site_ms: float) -> float:
        """The local monotonic time (seconds) at which site time reaches `site_ms`."""
        elapsed_ms = (site_ms - self._origin_ns / 1e6 - self._offset_ms) / self._rate
        return (self._origin_ns / 1e6 + elapsed_ms) / 1000
