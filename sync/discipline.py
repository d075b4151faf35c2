"""A follower's SiteClock steered onto the leader's, from time exchanges.

The exchanges are stamped on our side with the raw oscillator (`SiteClock.local_ms`),
not with site time: the offset (leader site time - our oscillator) is then a straight
line whose slope is the rate difference, untouched by the corrections we make, and the
`OffsetFilter` fits it through its minimum-delay samples. From that line:

- rate: our site clock runs at `1 + slope` against the oscillator, so it keeps the
  leader's pace between exchanges and while the leader is silent (free-running on the
  last rate: nothing on screen jumps while a new leader is found);
- offset: the line's value now minus our site time is the error; `SiteClock.correct`
  steps it when it is 250 ms or more (first contact, a split site healing) and slews it
  otherwise, at most 500 ppm, so pictures never skip.

Until the terminal has been in step once, every error over `FIRST_STEP_MS` is
stepped rather than slewed: nothing plays on this clock yet (the player waits for the
site's time before it joins), and slewing even 5 ms at 500 ppm would keep a restarted
terminal out of step for ten seconds. After that, only the clock's own thresholds
apply, so later corrections (a new leader) never jump.

`in_step` is what a peer must be to lead (see sync.election): the last
`SETTLE_EXCHANGES` errors all under `IN_STEP_MS`.
"""

from __future__ import annotations

from sync.clock import SiteClock
from sync.offset_filter import Exchange, OffsetFilter

IN_STEP_MS = 2.0
SETTLE_EXCHANGES = 4
FIRST_STEP_MS = 0.5


class Discipline:
    def __init__(self, clock: SiteClock, *, window: int = 8, history: int = 48,
                 min_rate_span_ms: float = 4_000) -> None:
        self._clock = clock
        self._filter = OffsetFilter(window=window, history=history,
                                    min_rate_span_ms=min_rate_span_ms)
        self._settled = 0
        self.error_ms: float | None = None  # the last measured error, for status
        self.in_step = False
        self._ever_in_step = False

    def reset(self) -> None:
        """A new leader: a new line to fit. The clock keeps its rate meanwhile."""
        self._filter.reset()
        self._settled = 0

    def add(self, exchange: Exchange) -> str | None:
        """Take one exchange (t1, t4 on our oscillator); "step", "slew" or None."""
        self._filter.add(exchange)
        if self._filter.offset_ms is None:
            return None
        rate_ppm = self._filter.rate_ppm
        if rate_ppm is not None:
            self._clock.set_rate(1 + rate_ppm / 1e6)
        local = self._clock.local_ms()
        offset = self._filter.predict(local)
        assert offset is not None
        error = local + offset - self._clock.now_exact_ms()
        self.error_ms = error
        if not self._ever_in_step and abs(error) > FIRST_STEP_MS:
            action = self._clock.correct(error, step=True)
        else:
            action = self._clock.correct(error)
        if abs(error) >= IN_STEP_MS:
            self._settled = 0
            self.in_step = False
        else:
            self._settled += 1
            if self._settled >= SETTLE_EXCHANGES:
                self.in_step = self._ever_in_step = True
        return action
