from __future__ import annotations

import random

import pytest

from sync.offset_filter import Exchange, OffsetFilter


def exchange(at: float, offset: float, out_ms: float, back_ms: float,
             ppm: float = 0.0) -> Exchange:
    """An exchange at follower time `at` with a leader `offset` ahead (drifting by
    `ppm`), `out_ms` on the way there and `back_ms` on the way back."""
    lead = offset + at * ppm / 1e6
    t1 = at
    t2 = t1 + out_ms + lead
    t3 = t2 + 0.05
    t4 = t3 - lead + back_ms
    return Exchange(t1, t2, t3, t4)


def test_one_symmetric_exchange_gives_the_offset_and_the_delay():
    e = exchange(1_000, 250.0, 2.0, 2.0)
    assert e.offset_ms == pytest.approx(250.0)
    assert e.delay_ms == pytest.approx(4.0)


def test_the_minimum_delay_exchange_wins_over_jittered_ones():
    rng = random.Random(1)
    f = OffsetFilter(window=8)
    for i in range(8):
        # Queueing adds up to 20 ms on one leg only: the offset is off by half of it.
        out, back = 0.2 + rng.uniform(0, 20), 0.2
        f.add(exchange(i * 500, 1_000.0, out, back))
    f.add(exchange(4_500, 1_000.0, 0.2, 0.2))
    assert f.offset_ms == pytest.approx(1_000.0, abs=0.01)


def test_rate_from_the_best_offsets_over_time():
    f = OffsetFilter(window=4, min_rate_span_ms=10_000)
    for i in range(40):
        f.add(exchange(i * 1_000.0, 50.0, 0.3, 0.3, ppm=150.0))
        if i < 10:
            assert f.rate_ppm is None  # not enough history yet
    assert f.rate_ppm == pytest.approx(150.0, rel=0.02)


def test_impossible_exchanges_are_ignored():
    f = OffsetFilter()
    f.add(Exchange(10.0, 5.0, 6.0, 8.0))  # negative delay
    assert f.offset_ms is None
