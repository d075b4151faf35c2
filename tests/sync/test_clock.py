"""SiteClock with injected monotonic time: steps, slews, rate, faults, inversion."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.clock import MAX_SLEW_PPM, STEP_THRESHOLD_MS, SiteClock


class FakeMonotonic:
    def __init__(self) -> None:
        self.ns = 5_000_000_000

    def __call__(self) -> int:
        return self.ns

    def advance_ms(self, ms: float) -> None:
        self.ns += int(ms * 1_000_000)


@pytest.fixture
def mono() -> FakeMonotonic:
    return FakeMonotonic()


def clock(mono, **kwargs) -> SiteClock:
    return SiteClock(offset_ms=1_000_000.0, monotonic_ns=mono, **kwargs)


def test_site_time_follows_the_monotonic_clock(mono):
    c = clock(mono)
    start = c.now_exact_ms()
    mono.advance_ms(1234.5)
    assert c.now_exact_ms() - start == pytest.approx(1234.5)
    assert not c.trusted


def test_a_large_error_is_stepped_at_once(mono):
    c = clock(mono)
    before = c.now_exact_ms()
    assert c.correct(-1_500) == "step"
    assert c.now_exact_ms() == pytest.approx(before - 1_500)


def test_a_small_error_is_slewed_no_faster_than_the_limit(mono):
    c = clock(mono)
    before = c.now_exact_ms()
    assert c.correct(2.0) == "slew"
    assert c.now_exact_ms() == pytest.approx(before)  # no jump
    mono.advance_ms(1_000)  # half way: 500 ppm over 1 s is 0.5 ms
    assert c.now_exact_ms() - before == pytest.approx(1_000 + 0.5)
    mono.advance_ms(10_000)  # done after 4 s; then plain rate again
    assert c.now_exact_ms() - before == pytest.approx(11_000 + 2.0)
    assert STEP_THRESHOLD_MS > 2.0 and MAX_SLEW_PPM == 500


def test_a_new_correction_replaces_a_slew_under_way(mono):
    c = clock(mono)
    before = c.now_exact_ms()
    c.correct(10.0)
    mono.advance_ms(4_000)  # 2 ms of the 10 applied
    c.correct(-1.0)  # measured afresh: the old remainder is dropped
    mono.advance_ms(60_000)
    assert c.now_exact_ms() - before == pytest.approx(64_000 + 2.0 - 1.0)


def test_rate_changes_are_continuous(mono):
    c = clock(mono)
    c.correct(4.0)
    mono.advance_ms(2_000)
    at_change = c.now_exact_ms()
    c.set_rate(1.0001)
    assert c.now_exact_ms() == pytest.approx(at_change)
    mono.advance_ms(10_000)  # 100 ppm for 10 s = 1 ms; the slew's last 3 ms too
    assert c.now_exact_ms() - at_change == pytest.approx(10_000 + 1.0 + 3.0)


def test_fault_injection_is_a_wrong_rtc_and_a_fast_crystal(mono):
    honest = clock(mono)
    faulty = clock(mono, fault_offset_ms=1_500, fault_drift_ppm=200)
    assert faulty.now_exact_ms() - honest.now_exact_ms() == pytest.approx(1_500)
    mono.advance_ms(100_000)
    assert faulty.now_exact_ms() - honest.now_exact_ms() == pytest.approx(1_500 + 20)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 20_000), st.floats(-400, 400),
                          st.floats(0.9995, 1.0005)), max_size=6),
       st.floats(-300, 300), st.floats(0, 30_000))
def test_site_time_is_monotonic_and_monotonic_at_inverts_it(steps, drift, ahead):
    mono = FakeMonotonic()
    c = SiteClock(offset_ms=0.0, monotonic_ns=mono, fault_drift_ppm=drift)
    last = c.now_exact_ms()
    for wait, error, rate in steps:
        mono.advance_ms(wait)
        now = c.now_exact_ms()
        assert now >= last
        last = now
        if abs(error) < STEP_THRESHOLD_MS:  # slews and rate changes never go back
            c.correct(error)
            c.set_rate(rate)
            assert c.now_exact_ms() == pytest.approx(now, abs=1e-6)
    target = c.now_exact_ms() + ahead
    due = c.monotonic_at(target)
    mono.ns = int(due * 1e9)
    assert c.now_exact_ms() == pytest.approx(target, abs=0.01)
