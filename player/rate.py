"""Steering a playing deck onto the site timeline with libVLC 3's playback rate.

Why rate, and why in steps: media plays at the rate of the terminal's own oscillator,
so a crystal 100 ppm fast plays a 30 s asset 3 ms short. The cure is to play it at the
site clock's rate against our oscillator (`SiteClock.rate_now()`), but libVLC 3 keeps
the rate as an integer `1000 / rate` (measured here: asking for 1.0002 plays 1001 ppm
fast), so only 1000/999, 1, 1000/1001, ... exist. The controller therefore switches
between the two rates that bracket the wanted one, by the sign of the measured
position error, with a hysteresis band: on average the deck runs at exactly the wanted
rate and its position stays within about the band.

Sound: libVLC's time-stretch filter (scaletempo) loses 20-50 ms of audio at every rate
change of a playing player (measured with an audio callback: that is the reported
"audio drops"); the engine runs with `--no-audio-time-stretch`, so a rate change only
resamples, 0.1 % of pitch (1.7 cents, inaudible), and the sound stays continuous
(tests/player/test_rate_sound.py counts the samples).

Pure: times and errors are arguments.
"""

from __future__ import annotations

import math

RATE_BASE = 1000  # libVLC 3: INPUT_RATE_DEFAULT; the real rate is RATE_BASE / int(RATE_BASE / r)
HYSTERESIS_MS = 0.3  # leave a rate only when the error has crossed this far
MAX_STEER = 3  # at most this many quanta from the wanted rate (3 ms per second)


def quantum(divisor: int) -> float:
    """The rate libVLC really plays when its divisor is `divisor`."""
    return RATE_BASE / divisor


def request_for(divisor: int) -> float:
    """The value to pass to `set_rate` so libVLC's truncation lands on `divisor`
    whatever the float rounding (libVLC computes int(1000 / value))."""
    return RATE_BASE / (divisor + 0.5)


def bracket(target: float) -> tuple[int, int]:
    """Divisors of the quanta just faster and just slower than `target` (equal when
    `target` is a quantum itself)."""
    exact = RATE_BASE / target
    near = round(exact)
    if math.isclose(exact, near, abs_tol=1e-6):
        return near, near
    return math.floor(exact), math.ceil(exact)


class RateSteer:
    """Chooses a deck's libVLC rate divisor from the wanted rate and the deck's
    position error (ms; positive = behind the site timeline)."""

    def __init__(self, hysteresis_ms: float = HYSTERESIS_MS) -> None:
        self._band = hysteresis_ms
        self.divisor = RATE_BASE

    def start(self, target: float) -> int:
        """The divisor to preroll with: the quantum nearest the wanted rate."""
        self.divisor = round(RATE_BASE / target)
        return self.divisor

    def update(self, target: float, error_ms: float) -> int | None:
        """A new divisor when the rate should change, else None."""
        fast, slow = bracket(target)
        # Larger errors get a larger step, up to MAX_STEER quanta past the bracket.
        steps = min(MAX_STEER, max(1, int(abs(error_ms) / 2)))
        if error_ms > self._band:  # behind: faster, i.e. a smaller divisor
            wanted = slow - steps
        elif error_ms < -self._band:  # ahead: slower
            wanted = fast + steps
        elif fast == slow:
            # The wanted rate is a quantum: take it once the error is back through zero.
            wanted = fast if (self.divisor - fast) * error_ms >= 0 else self.divisor
        elif self.divisor in (fast, slow):
            wanted = self.divisor
        else:  # back in the band from a larger step: the bracket's side
            wanted = fast if error_ms > 0 else slow
        if wanted == self.divisor:
            return None
        self.divisor = wanted
        return wanted
