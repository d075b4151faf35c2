"""Steering a playing deck onto the site timeline with libVLC 3's playback rate.

Why rate, and why in steps: media plays at the rate of the terminal's own oscillator,
so a crystal 100 ppm fast plays a 30 s asset 3 ms short. The cure is to play it at the
site clock's rate against our oscillator (`SiteClock.rate`), but libVLC 3 keeps
the rate as an integer `1000 / rate` (measured here: asking for 1.0002 plays 1001 ppm
fast), so only 1000/999, 1, 1000/1001, ... exist. `RateSteer` therefore alternates
between the two rates that bracket the wanted one (see there).

libVLC applies a new rate as if it had held since the demuxer's latest timestamp,
which runs ahead of the screen by the input caching: every change also shifts the
picture by caching x rate change. The engine keeps file caching at 100 ms (VLC's
default is 1 s), which makes that shift 0.1 ms per change.

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
HYSTERESIS_MS = 0.2  # the realised position may stray this far from the wanted one
# Position errors are removed proportionally: 1 ms of error asks for GAIN_PER_MS more
# (or less) speed, so an error fades with a time constant of 1 / (GAIN_PER_MS * 1000)
# = 2 s, and never with more than MAX_CORRECTION, about one quantum past the bracket.
# Gentle on purpose: every rate change also moves the picture at once, opposite to the
# change, by roughly how far the demuxer runs ahead times the change (measured: about
# 0.3 ms per quantum), so steering harder made the position saw-tooth by a millisecond
# (measured in gstv sim). Errors the steer is too gentle for are the player's to
# rejoin (the policy: player.steering). Starts are within half a millisecond (player.starter).
GAIN_PER_MS = 0.0005
MAX_CORRECTION = 0.0012


def quantum(divisor: int) -> float:
    """The rate libVLC really plays when its divisor is `divisor`."""
    return RATE_BASE / divisor


def request_for(divisor: int) -> float:
    """The value to pass to `set_rate` so libVLC's truncation lands on `divisor`
    whatever the float rounding (libVLC computes int(1000 / value))."""
    return RATE_BASE / (divisor + 0.5)


def nearest(target: float) -> int:
    """The divisor of the quantum nearest `target`: what a deck is prerolled with."""
    return round(RATE_BASE / target)


def bracket(target: float) -> tuple[int, int]:
    """Divisors of the quanta just faster and just slower than `target` (equal when
    `target` is a quantum itself)."""
    exact = RATE_BASE / target
    near = round(exact)
    if math.isclose(exact, near, abs_tol=1e-6):
        return near, near
    return math.floor(exact), math.ceil(exact)


class RateSteer:
    """Chooses a deck's libVLC rate divisor.

    The wanted rate is the site clock's pace, corrected in proportion to the measured
    position error (positive = behind). libVLC cannot play that rate, so the steer
    alternates between the two quanta around it (a first-order sigma-delta): it keeps
    the difference between where the realised rates have taken the deck and where the
    wanted rate would have, and switches side when that passes `HYSTERESIS_MS`. On
    average the deck runs at exactly the wanted rate, with a rate change every second
    or so.
    """

    def __init__(self, hysteresis_ms: float = HYSTERESIS_MS) -> None:
        self._band = hysteresis_ms
        self.divisor = RATE_BASE
        self._ahead_ms = 0.0  # realised minus wanted position
        self._wanted = 1.0
        self._at: float | None = None

    def start(self, divisor: int, target: float) -> None:
        """A deck starts playing at `divisor` (the one it was prerolled with)."""
        self.divisor = divisor
        self._ahead_ms, self._wanted, self._at = 0.0, target, None

    def update(self, now_s: float, target: float, error_ms: float) -> int | None:
        """A new divisor when the rate should change, else None."""
        if self._at is not None:
            self._ahead_ms += (quantum(self.divisor) - self._wanted) * (now_s - self._at) * 1000
        self._at = now_s
        correction = max(-MAX_CORRECTION, min(MAX_CORRECTION, error_ms * GAIN_PER_MS))
        self._wanted = wanted = target * (1 + correction)
        fast, slow = bracket(wanted)
        if self._ahead_ms > self._band:
            divisor = slow
        elif self._ahead_ms < -self._band:
            divisor = fast
        elif self.divisor in (fast, slow):
            divisor = self.divisor
        else:  # the wanted rate moved past the current quantum: its nearer side
            divisor = fast if self._ahead_ms < 0 else slow
        if divisor == self.divisor:
            return None
        self.divisor = divisor
        return divisor


def phase_error_ms(positions_ms: list[float], frame_ms: float) -> float:
    """How late pictures were shown (ms; negative = early), from the site-timeline
    positions at which they were displayed: a picture of media time k * frame_ms is
    due at position k * frame_ms, so the lateness is the position modulo the frame
    interval, taken in [-frame/2, frame/2). The median rejects the odd picture a busy
    machine shows late. Errors of half a frame or more are not this module's: they
    come from a clock step, and the player rejoins for those."""
    half = frame_ms / 2
    phases = sorted((p + half) % frame_ms - half for p in positions_ms)
    middle = len(phases) // 2
    if len(phases) % 2:
        return phases[middle]
    return (phases[middle - 1] + phases[middle]) / 2


class ModelledPosition:
    """The position error a deck would have from the rates it was given alone: for
    screens that cannot see their pictures (window mode), and for the simulator's
    crystal when compensation is off. Positive = behind."""

    def __init__(self) -> None:
        self._error = 0.0
        self._at = 0.0
        self._rate = 1.0
        self._target = 1.0

    def start(self, now_s: float, rate: float) -> None:
        self._error, self._at, self._rate = 0.0, now_s, rate

    def advance(self, now_s: float, target: float) -> float:
        self._error += (self._target - self._rate) * (now_s - self._at) * 1000
        self._at, self._target = now_s, target
        return self._error

    def set_rate(self, now_s: float, rate: float) -> None:
        self.advance(now_s, self._target)
        self._rate = rate
