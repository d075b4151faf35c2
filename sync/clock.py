"""SiteClock: the only time source of the player.

Site time is a piecewise-linear function of the monotonic clock, so it never jumps
when someone sets the system clock, and every screen can be steered to the same site
time without touching the system clock:

    site(t) = anchor_site + (local(t) - anchor_local) * rate + slew(t)

- Until something better is known, the offset comes from the system clock once, at
  start-up: the player plays on system time, and `trusted` stays False.
- `correct(error_ms)`: an error of `STEP_THRESHOLD_MS` or more is stepped at once (a
  terminal that just booted with a wrong RTC; a slew would take hours); a smaller one
  is slewed, spread over time at no more than `MAX_SLEW_PPM`, so pictures never skip.
  A new correction replaces a slew still under way (its measurement already includes
  what was applied so far).
- `set_rate(rate)`: the frequency of site time against the local oscillator, set by
  the follower's filter; re-anchored so the change is continuous.

`fault_offset_ms` and `fault_drift_ppm` exist for the simulator and tests only: they
make this clock read the monotonic clock as a terminal with a wrong RTC and a fast or
slow crystal would.
"""

from __future__ import annotations

import time
from collections.abc import Callable

STEP_THRESHOLD_MS = 250.0  # errors this large are stepped, smaller ones slewed
MAX_SLEW_PPM = 500.0  # 1 ms of error takes at least 2 s to slew away


class SiteClock:
    def __init__(
        self,
        *,
        offset_ms: float | None = None,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
        fault_offset_ms: float = 0.0,
        fault_drift_ppm: float = 0.0,
    ) -> None:
        self._monotonic_ns = monotonic_ns
        self._origin_ns = monotonic_ns()
        self._drift = 1.0 + fault_drift_ppm / 1e6
        local = self._local_ms()
        if offset_ms is None:  # anchor to the system clock once
            offset_ms = time.time_ns() / 1e6 - self._origin_ns / 1e6
        self._anchor_local = local
        self._anchor_site = local + offset_ms + fault_offset_ms
        self._rate = 1.0
        self._slew_rate = 0.0  # extra ms of site time per local ms while slewing
        self._slew_end = local
        self.trusted = False
        self.steps = 0  # how many times site time was stepped: playback must rejoin

    # -- reading ------------------------------------------------------------------------
    def now_ms(self) -> int:
        """Site time as integer epoch milliseconds."""
        return int(self.now_exact_ms())

    def now_exact_ms(self) -> float:
        return self._site_at(self._local_ms())

    def site_at_monotonic(self, monotonic_ns: int) -> float:
        """Site time (ms) at a past or future reading of the monotonic clock, e.g. the
        moment a frame was displayed."""
        return self._site_at(self._local_at(monotonic_ns))

    def local_ms(self) -> float:
        """This terminal's oscillator in ms, never steered: the follower measures the
        leader against it, so its own corrections do not muddle the measure."""
        return self._local_ms()

    @property
    def oscillator_factor(self) -> float:
        """How fast this terminal's oscillator runs against true time (1 + injected
        drift): the engine plays media this much fast too, as a real crystal would."""
        return self._drift

    def monotonic_at(self, site_ms: float) -> float:
        """The monotonic time (seconds, as `time.monotonic()`) at which site time
        reaches `site_ms`."""
        local = self._local_for(site_ms)
        return (self._origin_ns / 1e6 + (local - self._origin_ns / 1e6) / self._drift) / 1000

    @property
    def rate(self) -> float:
        return self._rate

    # -- steering -----------------------------------------------------------------------
    def correct(self, error_ms: float, *, step: bool = False) -> str:
        """Steer site time by `error_ms` (reference minus ours); "step" or "slew".
        `step` forces a step whatever the size (nothing plays on this clock yet)."""
        now = self._local_ms()
        self._reanchor(now)
        if step or abs(error_ms) >= STEP_THRESHOLD_MS:
            self._anchor_site += error_ms
            self.steps += 1
            self._slew_rate, self._slew_end = 0.0, now
            return "step"
        speed = MAX_SLEW_PPM / 1e6
        self._slew_rate = speed if error_ms > 0 else -speed
        self._slew_end = now + abs(error_ms) / speed
        return "slew"

    def set_rate(self, rate: float) -> None:
        self._reanchor(self._local_ms())
        self._rate = rate

    # -- the function ---------------------------------------------------------------------
    def _local_ms(self) -> float:
        """The monotonic clock as this terminal's oscillator counts it."""
        return self._local_at(self._monotonic_ns())

    def _local_at(self, monotonic_ns: int) -> float:
        return (self._origin_ns + (monotonic_ns - self._origin_ns) * self._drift) / 1e6

    def _site_at(self, local: float) -> float:
        slewing = max(0.0, min(local, self._slew_end) - self._anchor_local)
        return (self._anchor_site + (local - self._anchor_local) * self._rate
                + slewing * self._slew_rate)

    def _local_for(self, site_ms: float) -> float:
        """Inverse of `_site_at`: during the slew, then after it."""
        if self._slew_rate and self._slew_end > self._anchor_local:
            if site_ms < self._site_at(self._slew_end):
                return self._anchor_local + (site_ms - self._anchor_site) / (
                    self._rate + self._slew_rate)
            return self._slew_end + (site_ms - self._site_at(self._slew_end)) / self._rate
        return self._anchor_local + (site_ms - self._anchor_site) / self._rate

    def _reanchor(self, local: float) -> None:
        """Restart the function at `local` with the same value there; a slew under way
        goes on to its end."""
        self._anchor_site = self._site_at(local)
        self._anchor_local = local
        if local >= self._slew_end:
            self._slew_rate = 0.0
