"""The rejoin policy (player.steering): errors steering can close are steered, however
long they last; large ones are rejoined, but never in a loop. Virtual time: the
pictures' display times are made up, site time is the monotonic time."""

from __future__ import annotations

from player.steering import (CALM_S, REJOIN_AFTER_TICKS, REJOIN_BACKOFF_S, STEER_INTERVAL_S,
                             Playing, Steering)

FRAME_MS = 1000 / 30


def pictures(now_s: float, late_ms: float) -> tuple[list[int], float]:
    """The last 300 ms of pictures of a deck on screen since 0, each `late_ms` late."""
    now_ms = now_s * 1000
    first = int((now_ms - 300) / FRAME_MS) + 1
    last = int((now_ms - late_ms) / FRAME_MS)
    return [round((k * FRAME_MS + late_ms) * 1e6) for k in range(first, last + 1)], FRAME_MS


def run(steering: Steering, start_s: float, seconds: float, late_ms: float) -> list[float]:
    """Tick for `seconds` from `start_s`; the instants at which a rejoin was asked."""
    rejoins = []
    ticks = round(seconds / STEER_INTERVAL_S)
    for i in range(ticks):
        now = start_s + i * STEER_INTERVAL_S
        if steering.tick(now, 1.0, pictures(now, late_ms)).rejoin:
            rejoins.append(round(now, 2))
    return rejoins


def steering_from(now_s: float) -> Steering:
    steering = Steering(compensate=True, site_at=lambda ns: ns / 1e6)
    steering.start(Playing(deck=0, slot_start=0, since=0), 1000, 1.0, now_s)
    return steering


def test_an_error_under_12_ms_is_steered_however_long_it_lasts():
    steering = steering_from(1.0)
    assert run(steering, 1.0, 30, late_ms=10.0) == []
    assert 9.5 < steering.error_ms < 10.5


def test_a_large_error_is_rejoined_after_half_a_second():
    steering = steering_from(1.0)
    rejoins = run(steering, 1.0, 1.0, late_ms=14.0)
    assert rejoins == [round(1.0 + (REJOIN_AFTER_TICKS - 1) * STEER_INTERVAL_S, 2)]


def test_an_error_that_comes_back_after_every_rejoin_is_not_rejoined_in_a_loop():
    steering = steering_from(1.0)
    rejoins = run(steering, 1.0, 60, late_ms=14.0)  # the deck never gets better
    gaps = [b - a for a, b in zip(rejoins, rejoins[1:])]
    assert len(rejoins) == 4  # at 1.4 s, then 5, 10 and 20 s later; next one after 80 s
    assert gaps[0] >= REJOIN_BACKOFF_S and all(b >= 2 * a - 0.2 for a, b in zip(gaps, gaps[1:]))


def test_the_backoff_starts_again_once_the_screen_held_in_step():
    steering = steering_from(1.0)
    first = run(steering, 1.0, 6, late_ms=14.0)  # rejoined at 1.4 s, and 5 s later
    assert len(first) == 2
    assert run(steering, 7.0, CALM_S + 1, late_ms=0.5) == []  # calm for 10 s
    again = run(steering, 18.0, 6, late_ms=14.0)
    assert len(again) == 2 and again[1] - again[0] < 2 * REJOIN_BACKOFF_S
