"""Offset and rate of a follower's clock to the leader's, from NTP-style four-timestamp
exchanges. Pure: timestamps in, estimates out.

    t1 follower sends, t2 leader receives, t3 leader replies, t4 follower receives
    offset = ((t2 - t1) + (t3 - t4)) / 2      leader minus follower
    delay  = (t4 - t1) - (t3 - t2)            round trip spent on the way

The offset of one exchange is wrong by up to half its delay, and queueing (a busy
network, a busy leader) makes delays vary much more than the clocks do. So, as NTP's
clock filter does, the estimate is the offset of the exchange with the smallest delay
among the last `window` ones: it is the one that waited least. The rate (the follower's
oscillator against the leader's) is the least-squares slope of those best offsets over
time, once they span `min_rate_span_ms`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Exchange:
    t1: float
    t2: float
    t3: float
    t4: float

    @property
    def offset_ms(self) -> float:
        return ((self.t2 - self.t1) + (self.t3 - self.t4)) / 2

    @property
    def delay_ms(self) -> float:
        return (self.t4 - self.t1) - (self.t3 - self.t2)


class OffsetFilter:
    def __init__(self, *, window: int = 8, history: int = 32,
                 min_rate_span_ms: float = 10_000) -> None:
        self._recent: deque[Exchange] = deque(maxlen=window)
        self._best: deque[tuple[float, float]] = deque(maxlen=history)  # (t4, offset)
        self._min_rate_span_ms = min_rate_span_ms

    def add(self, exchange: Exchange) -> None:
        if exchange.delay_ms < 0:  # impossible: a clock stepped mid-exchange
            return
        self._recent.append(exchange)
        best = self.best()
        if not self._best or self._best[-1][0] != best.t4:  # each best exchange once,
            self._best.append((best.t4, best.offset_ms))   # at its own time

    def best(self) -> Exchange:
        """The least-delayed recent exchange; the newest of equals."""
        return min(reversed(self._recent), key=lambda e: e.delay_ms)

    @property
    def offset_ms(self) -> float | None:
        return self.best().offset_ms if self._recent else None

    @property
    def rate_ppm(self) -> float | None:
        """How much faster the leader's clock runs than ours, in ppm, or None while
        the history is too short to tell."""
        line = self._line()
        return None if line is None else line[2] * 1e6

    def predict(self, at_ms: float) -> float | None:
        """The offset at our time `at_ms`: on the fitted line once the rate is known
        (which also averages the best samples' own errors), else the best sample's."""
        line = self._line()
        if line is None:
            return self.offset_ms
        mean_t, mean_o, slope = line
        return mean_o + (at_ms - mean_t) * slope

    def reset(self) -> None:
        """Forget everything (a new leader is a new reference)."""
        self._recent.clear()
        self._best.clear()

    def _line(self) -> tuple[float, float, float] | None:
        """Least squares through the best offsets: (mean time, mean offset, slope)."""
        if len(self._best) < 3 or self._best[-1][0] - self._best[0][0] < self._min_rate_span_ms:
            return None
        times = [t for t, _ in self._best]
        offsets = [o for _, o in self._best]
        mean_t, mean_o = sum(times) / len(times), sum(offsets) / len(offsets)
        spread = sum((t - mean_t) ** 2 for t in times)
        slope = sum((t - mean_t) * (o - mean_o) for t, o in zip(times, offsets)) / spread
        return mean_t, mean_o, slope
