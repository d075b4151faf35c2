"""GSTV's playback rules in the pure timeline (issue #18): evergreen swaps, the halt
after `shutdownHours` offline and the last schedule carried over, with injected
receive times and offline instants."""

from __future__ import annotations

from datetime import timedelta

from scheduler.configuration import default_configuration
from scheduler.network import Evergreen, NetworkConfiguration
from scheduler.timeline import HALTED_SLOT_MS, HOUR_MS, Timeline
from tests.scheduler.timeline_helpers import DAY, NY, asset, at, midnight, schedule, site

S = 1000
DURATIONS = {"news.mp4": 10 * S, "forecast.mp4": 10 * S, "generic.mp4": 4 * S,
             "ad.mp4": 10 * S}


def timeline(sched_site, *, evergreen=(), shutdown_hours=0.0, received=None,
             offline_since=None, durations=DURATIONS) -> Timeline:
    network = NetworkConfiguration(shutdownHours=shutdown_hours, evergreen=tuple(evergreen))
    return Timeline(site=sched_site, configuration=default_configuration("SITE-0042"),
                    durations=durations, tz=NY, network=network, received=received,
                    offline_since=offline_since)


def plays(tl: Timeline, start: int, seconds: int) -> list[tuple[str | None, int]]:
    return [(s.filename, (s.start - start) // S)
            for s in tl.slots_between(start, start + seconds * S)]


LOOP = schedule(DAY, [asset("news.mp4"), asset("forecast.mp4"), asset("ad.mp4")])
RECEIVED_AT = midnight(DAY) + 20 * S  # the forecast expires 1 h after this


def test_an_evergreen_file_is_swapped_from_the_first_slot_at_its_expiry():
    entry = Evergreen(filename="forecast.mp4", expiryHours=1, swapFilename="generic.mp4")
    tl = timeline(site(LOOP), evergreen=[entry], received={"forecast.mp4": RECEIVED_AT})
    expiry = RECEIVED_AT + HOUR_MS
    # Every 30 s the loop starts again: news at +0, forecast at +10 s.
    loop_start = midnight(DAY) + 120 * 30 * S  # 01:00:00, forecast at 01:00:10
    assert expiry == loop_start + 20 * S
    before = tl.slot_at(loop_start + 10 * S)
    assert (before.filename, before.swapped_from) == ("forecast.mp4", None)
    # The next loop's forecast spot (01:00:40) starts past the expiry: swapped, and
    # for the swap file's own duration, so the ad follows 4 s later.
    assert plays(tl, loop_start + 30 * S, 30) == [
        ("news.mp4", 0), ("generic.mp4", 10), ("ad.mp4", 14), ("news.mp4", 24)]
    swapped = tl.slot_at(loop_start + 40 * S)
    assert swapped.swapped_from == "forecast.mp4"
    assert swapped.asset is not None and swapped.asset.filename == "forecast.mp4"


def test_a_slot_starting_exactly_at_the_expiry_is_swapped():
    entry = Evergreen(filename="forecast.mp4", expiryHours=0.25, swapFilename="generic.mp4")
    spot = midnight(DAY) + 70 * S  # the third loop's forecast spot
    tl = timeline(site(LOOP), evergreen=[entry],
                  received={"forecast.mp4": spot - HOUR_MS // 4})
    assert tl.slot_at(spot).filename == "generic.mp4"
    assert tl.slot_at(spot - 30 * S).filename == "forecast.mp4"


def test_without_a_swap_file_an_expired_spot_is_skipped_and_takes_no_time():
    for swap in (None, "", "not-here.mp4"):
        entry = Evergreen(filename="forecast.mp4", expiryHours=1, swapFilename=swap)
        tl = timeline(site(LOOP), evergreen=[entry], received={"forecast.mp4": 0})
        start = midnight(DAY)
        assert plays(tl, start, 40) == [("news.mp4", 0), ("ad.mp4", 10), ("news.mp4", 20),
                                        ("ad.mp4", 30)], swap


def test_expiry_hours_zero_swaps_always_and_a_new_receipt_starts_the_clock_again():
    always = Evergreen(filename="forecast.mp4", expiryHours=0, swapFilename="generic.mp4")
    tl = timeline(site(LOOP), evergreen=[always], received={})
    assert tl.slot_at(midnight(DAY) + 10 * S).filename == "generic.mp4"
    entry = Evergreen(filename="forecast.mp4", expiryHours=1, swapFilename="generic.mp4")
    spot = midnight(DAY) + 120 * 30 * S + 10 * S  # 01:00:10
    old = timeline(site(LOOP), evergreen=[entry], received={"forecast.mp4": 0})
    renewed = timeline(site(LOOP), evergreen=[entry],
                       received={"forecast.mp4": spot - 10 * S})
    assert old.slot_at(spot).filename == "generic.mp4"
    assert renewed.slot_at(spot).filename == "forecast.mp4"
    # No receive time at all: it never expires (the loader always gives one).
    assert timeline(site(LOOP), evergreen=[entry]).slot_at(spot).filename == "forecast.mp4"


def test_the_site_halts_shutdown_hours_after_it_went_offline_in_short_slots():
    offline = midnight(DAY) + 5 * S
    tl = timeline(site(LOOP), shutdown_hours=2.5, offline_since=offline)
    halt = offline + 150 * 60 * S
    assert tl.halt_at == halt
    cut = tl.slot_at(halt - 1)
    assert cut.kind == "asset" and cut.end == halt  # what plays is cut at the halt
    halted = tl.slot_at(halt)
    assert (halted.kind, halted.filename, halted.start, halted.end) == (
        "halted", None, halt, halt + HALTED_SLOT_MS)
    # It lasts into the next days, every slot halted.
    later = tl.slot_at(midnight(DAY + timedelta(days=2)) + 3 * S)
    assert later.kind == "halted" and later.end - later.start <= HALTED_SLOT_MS


def test_shutdown_hours_zero_never_halts_and_online_never_halts():
    never = timeline(site(LOOP), shutdown_hours=0, offline_since=midnight(DAY))
    assert never.halt_at is None
    assert never.slot_at(midnight(DAY + timedelta(days=1)) - S).kind == "asset"
    online = timeline(site(LOOP), shutdown_hours=1, offline_since=None)
    assert online.halt_at is None


def test_offline_since_before_midnight_carries_the_last_schedule_over_with_asset_dates():
    yesterday = DAY - timedelta(days=1)
    carried = schedule(yesterday, [asset("news.mp4"), asset("ad.mp4", end=yesterday),
                                   asset("forecast.mp4", start=DAY + timedelta(days=1))])
    older = schedule(yesterday - timedelta(days=3), [asset("generic.mp4")])
    offline = midnight(DAY) - 60 * S  # 23:59 the day before
    tl = timeline(site(older, carried), offline_since=offline)
    start = midnight(DAY)
    # The ad ended yesterday, the forecast starts tomorrow: only the news plays today.
    assert plays(tl, start, 30) == [("news.mp4", 0), ("news.mp4", 10), ("news.mp4", 20)]
    assert tl.slot_at(start).segment_id == carried.segmentId
    tomorrow = midnight(DAY + timedelta(days=1))
    assert plays(tl, tomorrow, 20) == [("news.mp4", 0), ("forecast.mp4", 10)]


def test_carry_over_needs_the_site_offline_since_before_the_days_midnight():
    yesterday = DAY - timedelta(days=1)
    carried = schedule(yesterday, [asset("news.mp4")])
    online = timeline(site(carried))
    assert online.slot_at(midnight(DAY) + S).kind == "idle"  # seed 001: closed
    after_midnight = timeline(site(carried), offline_since=midnight(DAY) + 60 * S)
    assert after_midnight.slot_at(midnight(DAY) + 120 * S).kind == "idle"
    # A schedule of today's own date wins over carrying yesterday's.
    today = schedule(DAY, [asset("ad.mp4")])
    offline = timeline(site(carried, today), offline_since=midnight(DAY) - S)
    assert offline.slot_at(midnight(DAY) + S).filename == "ad.mp4"
    # Nothing earlier to carry: closed.
    nothing = timeline(site(schedule(DAY + timedelta(days=1), [asset("ad.mp4")])),
                       offline_since=0)
    assert nothing.slot_at(midnight(DAY) + S).kind == "idle"


def test_the_timeline_is_a_function_of_its_inputs():
    entry = Evergreen(filename="forecast.mp4", expiryHours=1, swapFilename="generic.mp4")
    args = dict(evergreen=[entry], received={"forecast.mp4": RECEIVED_AT},
                shutdown_hours=3, offline_since=at("2026-11-23T01:30:00"))
    first, second = timeline(site(LOOP), **args), timeline(site(LOOP), **args)
    window = (midnight(DAY), midnight(DAY) + 6 * HOUR_MS)
    assert list(first.slots_between(*window)) == list(second.slots_between(*window))


def test_an_evergreen_file_never_received_plays_its_swap_and_without_one_is_skipped():
    entry = Evergreen(filename="forecast.mp4", expiryHours=6, swapFilename="generic.mp4")
    absent = {k: v for k, v in DURATIONS.items() if k != "forecast.mp4"}
    tl = timeline(site(LOOP), evergreen=[entry], durations=absent)
    start = midnight(DAY)
    assert plays(tl, start, 24) == [("news.mp4", 0), ("generic.mp4", 10), ("ad.mp4", 14)]
    assert tl.slot_at(start + 10 * S).swapped_from == "forecast.mp4"
    bare = timeline(site(LOOP), durations=absent)  # no evergreen rule: skipped as ever
    assert plays(bare, start, 20) == [("news.mp4", 0), ("ad.mp4", 10)]
