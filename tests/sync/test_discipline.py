"""The follower's discipline with injected time: two SiteClocks on one fake monotonic
clock, exchanges with chosen path delays."""

from __future__ import annotations

import pytest

from sync.clock import SiteClock
from sync.discipline import FIRST_STEP_MS, SETTLE_EXCHANGES, Discipline
from sync.offset_filter import Exchange


class Site:
    """A leader and a follower clock on one fake monotonic clock."""

    def __init__(self, *, offset_ms: float, leader_ppm: float = 0.0,
                 follower_ppm: float = 0.0) -> None:
        self.now_ns = 10_000_000_000

        def monotonic_ns() -> int:
            return self.now_ns

        self.leader = SiteClock(offset_ms=0.0, monotonic_ns=monotonic_ns,
                                fault_drift_ppm=leader_ppm)
        self.follower = SiteClock(offset_ms=0.0, monotonic_ns=monotonic_ns,
                                  fault_offset_ms=offset_ms, fault_drift_ppm=follower_ppm)
        self.discipline = Discipline(self.follower)

    def wait(self, ms: float) -> None:
        self.now_ns += int(ms * 1e6)

    def exchange(self, out_ms: float = 0.2, back_ms: float = 0.2) -> str | None:
        t1 = self.follower.local_ms()
        self.wait(out_ms)
        t2 = t3 = self.leader.now_exact_ms()
        self.wait(back_ms)
        return self.discipline.add(Exchange(t1, t2, t3, self.follower.local_ms()))

    def settle(self, exchanges: int = SETTLE_EXCHANGES + 1) -> None:
        """Exchanges every quarter second."""
        for _ in range(exchanges):
            self.exchange()
            self.wait(250)

    def error_ms(self) -> float:
        return self.leader.now_exact_ms() - self.follower.now_exact_ms()


def test_first_contact_steps_to_the_leaders_time():
    site = Site(offset_ms=-1_800.0)
    assert site.exchange() == "step"
    assert site.error_ms() == pytest.approx(0.0, abs=0.01)
    assert site.follower.steps == 1


def test_before_first_in_step_even_small_errors_are_stepped():
    site = Site(offset_ms=3.0)  # a restarted leader: its RTC is nearly right
    assert site.exchange() == "step"
    assert abs(site.error_ms()) < FIRST_STEP_MS


def test_in_step_after_settling_and_small_errors_are_slewed_after():
    site = Site(offset_ms=900.0)
    site.settle()
    assert site.discipline.in_step
    steps = site.follower.steps
    # The leader's clock is corrected by 1.5 ms (its NTP, say): we slew, never jump.
    site.leader.correct(1.5, step=True)
    assert site.exchange() == "slew"
    assert site.follower.steps == steps
    before = site.follower.now_exact_ms()
    site.wait(100)
    assert site.follower.now_exact_ms() - before == pytest.approx(100.05, abs=0.001)  # 500 ppm


def test_a_drifting_follower_learns_the_rate_and_stays_within_tens_of_microseconds():
    site = Site(offset_ms=-500.0, leader_ppm=120.0, follower_ppm=-180.0)
    worst = 0.0
    for i in range(240):  # a minute of exchanges every quarter second
        site.exchange(out_ms=0.2 + (i % 7) * 0.3, back_ms=0.2)  # uneven queueing
        site.wait(250)
        if i > 40:
            worst = max(worst, abs(site.error_ms()))
    assert worst < 0.05
    # Site ms per follower-oscillator ms: (1 + 120e-6) / (1 - 180e-6).
    assert (site.follower.rate - 1) * 1e6 == pytest.approx(300.05, abs=2)


def test_a_new_leader_keeps_the_rate_learned_so_nothing_jumps_meanwhile():
    site = Site(offset_ms=0.0, leader_ppm=100.0)
    site.settle(120)
    rate = site.follower.rate
    site.discipline.reset()
    assert site.follower.rate == rate
    site.wait(10_000)  # ten silent seconds free-running
    assert abs(site.error_ms()) < 0.05


def test_losing_step_by_two_milliseconds_or_more_is_out_of_step():
    site = Site(offset_ms=0.0)
    site.settle()
    assert site.discipline.in_step
    site.leader.correct(5.0, step=True)
    site.exchange()
    assert not site.discipline.in_step
