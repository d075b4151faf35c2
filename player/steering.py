"""Keeping the deck on screen on the site timeline: its position error measured (or
modelled), its libVLC rate chosen (player.rate), and the call to rejoin when steering
cannot close the error. No clock of its own: every instant is an argument.

- Every `STEER_INTERVAL_S` the playing deck's position error is measured from its
  displayed pictures (each picture's time against its due site instant, modulo the
  frame interval, median of the pictures of the last `MEASURE_SPAN_MS`; headless, the
  display callback's times; in a window, when the X server received each picture,
  player.presentation), or modelled from the rates it played at when there are none
  (a deck hidden behind a prompt in a window, an X server without Damage). Pictures
  within `SETTLE_AFTER_START_MS` of a start do not count yet.
- The wanted rate is the site clock's against our oscillator (`SiteClock.rate`, and in
  the simulator the crystal it plays); `RateSteer` picks libVLC's rate from it and the
  error.

The rejoin policy: steer what steering can close, rejoin only what it cannot.
- An error under `REJOIN_ERROR_MS` (12 ms) is steered away however long it lasts: the
  steer removes up to 1.2 ms a second (player.rate), and a rejoin cannot do better for
  an error that comes from the file or the machine, since it would come back with the
  next start. (An 8 ms threshold once made a VP9+Opus file rejoin every 3 s: its
  constant 13 ms came back after every rejoin. player.media_timing now accounts for
  that; the policy keeps whatever is left from looping.)
- 12 ms or more, seen `REJOIN_AFTER_TICKS` (5) ticks in a row (0.5 s), is rejoined at a
  future instant: a clock step, a deck that started late on a busy machine. Past 12 ms
  (0.36 of a 30 fps frame) the measurement, taken modulo the frame interval, is close
  to wrapping, and steering would take more than 10 s.
- After a rejoin for position error, the next one waits `REJOIN_BACKOFF_S` (5 s),
  doubling after each one that did not hold (at most `REJOIN_BACKOFF_MAX_S`, 80 s);
  once the error stays under `CALM_MS` for `CALM_S`, the backoff starts again at 5 s.
  An error that rejoining does not cure is thus steered, not rejoined in a loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from player.rate import RATE_BASE, ModelledPosition, RateSteer, nearest, phase_error_ms

STEER_INTERVAL_S = 0.1
REJOIN_ERROR_MS = 12.0
REJOIN_AFTER_TICKS = 5
REJOIN_BACKOFF_S = 5.0
REJOIN_BACKOFF_MAX_S = 80.0
CALM_MS = 2.0
CALM_S = 10.0
MEASURE_SPAN_MS = 300
SETTLE_AFTER_START_MS = 60


@dataclass(frozen=True)
class Playing:
    deck: int
    slot_start: int  # site ms
    since: float  # site ms the deck went on screen


@dataclass(frozen=True)
class Steer:
    error_ms: float
    divisor: int | None = None  # a new rate for the deck
    rejoin: bool = False


class Steering:
    def __init__(self, *, compensate: bool, site_at: Callable[[int], float]) -> None:
        self._compensate = compensate
        self._site_at = site_at  # site ms of a monotonic ns
        self._steer = RateSteer()
        self._model = ModelledPosition()
        self._far_ticks = 0
        self._backoff_s = REJOIN_BACKOFF_S
        self._no_rejoin_before = float("-inf")  # monotonic s
        self._calm_since: float | None = None
        self.playing: Playing | None = None
        self.error_ms = 0.0
        self.measured = False  # the last tick's error came from pictures, not the model

    def wanted_rate(self, clock_rate: float, oscillator: float) -> float:
        """libVLC rate that plays media at the site clock's pace. The oscillator factor
        is 1 on a real terminal (its crystal is libVLC's clock); in the simulator it
        plays the part of that crystal. A slew under way is left out: it is short and
        shows up as position error, which the steering removes."""
        return clock_rate * oscillator if self._compensate else oscillator

    @staticmethod
    def preroll_divisor(wanted: float) -> int:
        """The rate a deck is prerolled with, set while it is still paused."""
        return nearest(wanted)

    def start(self, playing: Playing, divisor: int, wanted: float, now_s: float) -> None:
        self.playing = playing
        self._steer.start(divisor, wanted)
        self._far_ticks = 0
        self._model.start(now_s, RATE_BASE / divisor)

    def stop(self) -> None:
        self.playing = None

    def tick(self, now_s: float, wanted: float, displayed: tuple[list[int], float]) -> Steer:
        """One steering tick for the deck on screen."""
        assert self.playing is not None
        error = self._model.advance(now_s, wanted)
        measured = self.measured_error(*displayed)
        self.measured = measured is not None
        if measured is not None and self._compensate:
            error = measured
            if self._should_rejoin(now_s, measured):
                self.error_ms = error
                return Steer(error, rejoin=True)
        divisor = self._steer.update(now_s, wanted, error)
        if divisor is not None:
            self._model.set_rate(now_s, RATE_BASE / divisor)
        self.error_ms = error
        return Steer(error, divisor=divisor)

    def _should_rejoin(self, now_s: float, measured: float) -> bool:
        """The rejoin policy of the module docstring, one tick of it."""
        if abs(measured) < CALM_MS:
            self._calm_since = now_s if self._calm_since is None else self._calm_since
            if now_s - self._calm_since >= CALM_S:
                self._backoff_s = REJOIN_BACKOFF_S
        else:
            self._calm_since = None
        self._far_ticks = self._far_ticks + 1 if abs(measured) >= REJOIN_ERROR_MS else 0
        if self._far_ticks < REJOIN_AFTER_TICKS or now_s < self._no_rejoin_before:
            return False
        self._far_ticks = 0
        self._no_rejoin_before = now_s + self._backoff_s
        self._backoff_s = min(self._backoff_s * 2, REJOIN_BACKOFF_MAX_S)
        return True

    def measured_error(self, times: list[int], frame_ms: float) -> float | None:
        """Median lateness (ms) of the deck's latest pictures against their site
        instants; None without enough pictures (window mode, audio only)."""
        playing = self.playing
        if playing is None or frame_ms <= 0 or not times:
            return None
        newest = self._site_at(times[-1])
        cutoff = max(newest - MEASURE_SPAN_MS, playing.since + SETTLE_AFTER_START_MS)
        recent = []
        for shown_ns in reversed(times):  # newest first: stop at the cutoff
            site_ms = self._site_at(shown_ns)
            if site_ms < cutoff:
                break
            recent.append(site_ms)
        if len(recent) < 5:
            return None
        return phase_error_ms([t - playing.slot_start for t in recent], frame_ms)
