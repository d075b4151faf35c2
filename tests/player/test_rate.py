"""libVLC rate quanta and the steer that realises any rate with them."""

from __future__ import annotations

import pytest

from player.rate import (
    RATE_BASE,
    HYSTERESIS_MS,
    ModelledPosition,
    RateSteer,
    bracket,
    nearest,
    phase_error_ms,
    quantum,
    request_for,
)


def test_the_request_lands_on_its_divisor_after_libvlcs_truncation():
    for divisor in (980, 998, 999, 1000, 1001, 1020):
        as_float32 = float.fromhex(float(request_for(divisor)).hex())
        assert int(RATE_BASE / as_float32) == divisor


def test_bracket_gives_the_quanta_around_a_rate():
    assert bracket(1.0) == (1000, 1000)
    assert bracket(1.0002) == (999, 1000)
    assert quantum(999) > 1.0002 > quantum(1000)
    assert bracket(0.9997) == (1000, 1001)


def run(steer: RateSteer, target: float, error_ms: float, seconds: float) -> float:
    """Drive the steer every 100 ms; where the deck ends up against the wanted rate
    (ms), and check it never strays more than the band plus one tick."""
    position, wanted, t = 0.0, 0.0, 0.0
    steer.start(nearest(target), target)
    worst = 0.0
    while t < seconds:
        steer.update(t, target, error_ms)
        position += quantum(steer.divisor) * 100
        wanted += target * 100
        t += 0.1
        worst = max(worst, abs(position - wanted))
    assert worst < HYSTERESIS_MS + 0.25
    return (position - wanted)


@pytest.mark.parametrize("ppm", [0.0, 37.0, 200.0, -150.0, 450.0])
def test_with_no_error_the_deck_runs_at_the_wanted_rate_on_average(ppm):
    drift = run(RateSteer(), 1 + ppm / 1e6, 0.0, 60.0)
    assert abs(drift) < HYSTERESIS_MS + 0.25  # 60 s at 200 ppm would be 12 ms


def mean_rate(steer: RateSteer, error_ms: float) -> float:
    steer.start(1000, 1.0)
    rates = []
    for tick in range(50):  # five seconds, every 100 ms, the error held
        steer.update(tick / 10, 1.0, error_ms)
        rates.append(quantum(steer.divisor))
    return sum(rates) / len(rates)


def test_a_deck_behind_is_sped_up_in_proportion_and_one_ahead_slowed():
    assert mean_rate(RateSteer(), 1.0) == pytest.approx(1.0005, abs=0.0002)
    assert mean_rate(RateSteer(), 2.0) == pytest.approx(1.0010, abs=0.0002)
    assert mean_rate(RateSteer(), -1.0) == pytest.approx(0.9995, abs=0.0002)
    # Large errors are not chased with large rates: those are rejoined instead.
    assert mean_rate(RateSteer(), 50.0) < 1.0013


def test_phase_error_is_the_lateness_modulo_a_frame():
    frame = 1000 / 30
    shown = [k * frame + 1.2 for k in range(10, 20)]
    assert phase_error_ms(shown, frame) == pytest.approx(1.2)
    early = [k * frame - 2.5 for k in range(10, 20)] + [k * frame + 9 for k in (3,)]
    assert phase_error_ms(early, frame) == pytest.approx(-2.5)  # one late picture ignored


def test_modelled_position_integrates_rate_against_target():
    model = ModelledPosition()
    model.start(0.0, 1.0)
    assert model.advance(10.0, 1.001) == pytest.approx(0.0)  # target applies from now
    assert model.advance(20.0, 1.001) == pytest.approx(10.0, rel=1e-6)  # 10 ms behind
    model.set_rate(20.0, 1.002)
    assert model.advance(30.0, 1.001) == pytest.approx(0.0, abs=1e-6)
