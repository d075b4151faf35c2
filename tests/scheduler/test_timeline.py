"""The site timeline rules, each with plain arguments (no clock, no files)."""

from __future__ import annotations

from datetime import date, timedelta

from scheduler.configuration import default_configuration
from scheduler.hours import day_runs
from scheduler.timeline import Timeline
from tests.scheduler.timeline_helpers import (
    DAY,
    NY,
    asset,
    at,
    config,
    local,
    midnight,
    next_day,
    schedule,
    site,
)

S = 1000


def timeline(sched_site, cfg=None, **durations_s) -> Timeline:
    durations = {name.replace("_", "-") + ".mp4": s * S for name, s in durations_s.items()}
    return Timeline(site=sched_site, configuration=cfg or default_configuration("SITE-0042"),
                    durations=durations, tz=NY)


def names(slots) -> list[str | None]:
    return [s.filename for s in slots]


def test_loops_play_in_loop_number_order_assets_in_array_order_and_repeat():
    sched = schedule(DAY, [asset("c.mp4"), asset("d.mp4")], [asset("a.mp4"), asset("b.mp4")],
                     numbers=[2, 1])
    tl = timeline(site(sched), a=10, b=10, c=10, d=10)
    slots = list(tl.slots_between(midnight(DAY), midnight(DAY) + 60 * S))
    assert names(slots) == ["a.mp4", "b.mp4", "c.mp4", "d.mp4", "a.mp4", "b.mp4"]
    assert [s.loop_number for s in slots[:4]] == [1, 1, 2, 2]
    assert slots[0].start == midnight(DAY) and slots[0].segment_id == "SEG-2026-11-23"
    assert all(s.kind == "asset" for s in slots)


def test_missing_media_and_assets_outside_their_dates_take_no_time():
    sched = schedule(DAY, [
        asset("a.mp4"),
        asset("gone.mp4"),  # no duration: not present at the terminal
        asset("old.mp4", end=DAY - timedelta(days=1)),
        asset("future.mp4", start=DAY + timedelta(days=1)),
        asset("last-day.mp4", end=DAY),  # end date is inclusive
    ])
    tl = timeline(site(sched), a=10, old=10, future=10, last_day=5)
    slots = list(tl.slots_between(midnight(DAY), midnight(DAY) + 30 * S))
    assert names(slots) == ["a.mp4", "last-day.mp4", "a.mp4", "last-day.mp4"]
    assert slots[1].start == midnight(DAY) + 10 * S


def test_a_daypart_that_opens_mid_loop():
    # b plays only from 06:00. Each pass is a (20 s) then maybe b (20 s).
    sched = schedule(DAY, [asset("a.mp4"), asset("b.mp4", dayparts=[(6 * 60, 7 * 60)])])
    tl = timeline(site(sched), a=20, b=20)
    before = list(tl.slots_between(at("2026-11-23T05:59:00"), at("2026-11-23T06:00:00")))
    assert set(names(before)) == {"a.mp4"}
    # a started at 05:59:40 ends 06:00:00: b's slot starts at 06:00:00, inside its daypart.
    first_b = next(s for s in tl.slots_between(at("2026-11-23T05:59:00"),
                                               at("2026-11-23T06:10:00"))
                   if s.filename == "b.mp4")
    assert local(first_b.start) == "2026-11-23T06:00:00.000-05:00"
    # The daypart end is exclusive: a slot may start at 06:59:40 but not at 07:00:00.
    around_end = list(tl.slots_between(at("2026-11-23T06:59:00"), at("2026-11-23T07:01:00")))
    assert [(local(s.start)[11:19], s.filename) for s in around_end] == [
        ("06:59:00", "a.mp4"), ("06:59:20", "b.mp4"), ("06:59:40", "a.mp4"),
        ("07:00:00", "a.mp4"), ("07:00:20", "a.mp4"), ("07:00:40", "a.mp4"),
    ]


def test_daypart_decided_by_the_slot_start_not_the_loop_start():
    # c's daypart opens at 00:00:30; the pass starts at 00:00:00 with a (20 s) then b (20 s):
    # c is reached at 00:00:40, inside its window, although the pass began outside it.
    sched = schedule(DAY, [asset("a.mp4"), asset("b.mp4"), asset("c.mp4", dayparts=[(0, 1)])])
    tl = timeline(site(sched), a=20, b=20, c=10)
    slots = list(tl.slots_between(midnight(DAY), midnight(DAY) + 70 * S))
    assert names(slots) == ["a.mp4", "b.mp4", "c.mp4", "a.mp4"]
    assert slots[2].start == midnight(DAY) + 40 * S


def test_nothing_playable_plays_one_gap_slot_then_retries_from_where_it_stood():
    # Only b and c, both dayparted from 00:01: before then a whole pass yields nothing.
    sched = schedule(DAY, [asset("b.mp4", dayparts=[(1, 1440)]),
                           asset("c.mp4", dayparts=[(1, 1440)])])
    with_blankout = timeline(site(sched), config(blankout="blank.mp4"), b=20, c=20, blank=25)
    slots = list(with_blankout.slots_between(midnight(DAY), midnight(DAY) + 110 * S))
    assert [(s.kind, s.filename, (s.start - midnight(DAY)) // S) for s in slots] == [
        ("blankout", "blank.mp4", 0), ("blankout", "blank.mp4", 25), ("blankout", "blank.mp4", 50),
        ("asset", "b.mp4", 75), ("asset", "c.mp4", 95),
    ]
    no_blankout = timeline(site(sched), b=20, c=20)
    slots = list(no_blankout.slots_between(midnight(DAY), midnight(DAY) + 80 * S))
    assert [(s.kind, (s.end - s.start) // S) for s in slots] == [("idle", 60), ("asset", 20)]


def test_the_midnight_cut():
    days = [schedule(d, [asset("a.mp4")]) for d in (DAY, next_day(DAY))]
    tl = timeline(site(*days), a=7)
    end_of_day = list(tl.slots_between(midnight(next_day(DAY)) - 10 * S,
                                       midnight(next_day(DAY)) + 10 * S))
    assert [(local(s.start)[11:19], local(s.end)[11:19]) for s in end_of_day] == [
        ("23:59:47", "23:59:54"),  # 86400 s = 12342 x 7 s + 6 s
        ("23:59:54", "00:00:00"),  # the last 6 s slot is cut at midnight
        ("00:00:00", "00:00:07"),  # the new day's run starts afresh
        ("00:00:07", "00:00:14"),
    ]
    assert end_of_day[2].segment_id == "SEG-2026-11-24"


def test_a_day_without_a_schedule_is_filled_as_if_closed():
    tl = timeline(site(schedule(DAY, [asset("a.mp4")])), config(blankout="blank.mp4"),
                  a=10, blank=30)
    other_day = next_day(DAY)
    slots = list(tl.slots_between(midnight(other_day), midnight(other_day) + 90 * S))
    assert [(s.kind, s.filename) for s in slots] == [("blankout", "blank.mp4")] * 3
    black = timeline(site(schedule(DAY, [asset("a.mp4")])), a=10)
    slots = list(black.slots_between(midnight(other_day), midnight(next_day(other_day))))
    # A minute each, not one slot to midnight: content staged meanwhile is taken at the
    # next minute, not at the end of the day.
    assert {s.kind for s in slots} == {"idle"} and len(slots) == 24 * 60
    assert (slots[0].start, slots[0].end) == (midnight(other_day), midnight(other_day) + 60 * S)
    assert slots[-1].end == midnight(next_day(other_day))


def test_closed_hours_play_the_blankout_back_to_back_from_the_closing():
    cfg = config(blankout="blank.mp4", mon=[("0600", "2200")])
    tl = timeline(site(schedule(DAY, [asset("a.mp4")])), cfg, a=7, blank=25)
    slots = list(tl.slots_between(at("2026-11-23T21:59:50"), at("2026-11-23T22:01:00")))
    assert [(local(s.start)[11:19], s.kind) for s in slots] == [
        ("21:59:49", "asset"),
        ("21:59:56", "asset"),  # 16 h = 8228 x 7 s + 4 s: the last slot is cut at closing
        ("22:00:00", "blankout"), ("22:00:25", "blankout"), ("22:00:50", "blankout"),
    ]
    assert local(slots[1].end)[11:19] == "22:00:00"
    # Without a blankout video, idle minutes from the closing cover the closed run.
    tl = timeline(site(schedule(DAY, [asset("a.mp4")])), config(mon=[("0600", "2200")]), a=9)
    idle = tl.slot_at(at("2026-11-23T23:00:30"))
    assert (idle.kind, local(idle.start), local(idle.end)) == (
        "idle", "2026-11-23T23:00:00.000-05:00", "2026-11-23T23:01:00.000-05:00")
    # The blankout file named but not present counts as no blankout video.
    tl = timeline(site(schedule(DAY, [asset("a.mp4")])),
                  config(blankout="blank.mp4", mon=[("0600", "2200")]), a=9)
    assert tl.slot_at(at("2026-11-23T23:00:00")).kind == "idle"


def test_closing_at_2600_belongs_to_the_previous_weekday():
    # Monday 0600-2600: open until 02:00 Tuesday. Tuesday's own entry opens at 0700.
    cfg = config(blankout="blank.mp4", mon=[("0600", "2600")], tue=[("0700", "2300")])
    tuesday = next_day(DAY)
    tl = timeline(site(schedule(DAY, [asset("a.mp4")]), schedule(tuesday, [asset("b.mp4")])),
                  cfg, a=10, b=10, blank=30)
    runs = day_runs(cfg.hours, tuesday, NY)
    assert [(local(r.start)[11:16], local(r.end)[11:16], r.is_open) for r in runs] == [
        ("00:00", "02:00", True), ("02:00", "07:00", False), ("07:00", "23:00", True),
        ("23:00", "00:00", False),
    ]
    # After midnight the spill plays Tuesday's schedule (the run's local date).
    assert tl.slot_at(at("2026-11-24T01:00:00")).filename == "b.mp4"
    assert tl.slot_at(at("2026-11-24T03:00:00")).kind == "blankout"
    assert tl.slot_at(at("2026-11-23T23:30:00")).filename == "a.mp4"


def test_two_periods_in_one_day():
    cfg = config(blankout="blank.mp4", mon=[("0600", "1200"), ("1300", "2300")])
    runs = day_runs(cfg.hours, DAY, NY)
    assert [(local(r.start)[11:16], r.is_open) for r in runs] == [
        ("00:00", False), ("06:00", True), ("12:00", False), ("13:00", True), ("23:00", False)]
    tl = timeline(site(schedule(DAY, [asset("a.mp4"), asset("b.mp4")])), cfg, a=7, b=11,
                  blank=30)
    assert tl.slot_at(at("2026-11-23T12:30:00")).kind == "blankout"
    reopened = tl.slot_at(at("2026-11-23T13:00:05"))
    # Each opening starts the sequence afresh at its first asset.
    assert (reopened.filename, local(reopened.start)[11:19]) == ("a.mp4", "13:00:00")


def test_overlapping_and_touching_periods_merge():
    # Sunday's spill to 06:00 touches Monday's 06:00 opening; Monday's two periods overlap.
    cfg = config(mon=[("0600", "1400"), ("1200", "2000")], sun=[("2000", "3000")])
    runs = day_runs(cfg.hours, DAY, NY)
    assert [(local(r.start)[11:16], local(r.end)[11:16], r.is_open) for r in runs] == [
        ("00:00", "20:00", True), ("20:00", "00:00", False)]


def test_spring_forward_day_is_23_hours_and_dayparts_follow_the_wall_clock():
    spring = date(2026, 3, 8)
    sched = schedule(spring, [asset("a.mp4"), asset("b.mp4", dayparts=[(3 * 60, 4 * 60)])])
    tl = timeline(site(sched), a=60, b=60)
    table = tl.day(spring)
    assert (table.end - table.start) == 23 * 3600 * S
    # Slots are real time: 60 s each, straight through the skipped hour.
    at_jump = tl.slot_at(at("2026-03-08T01:59:30"))
    assert local(at_jump.start) == "2026-03-08T01:59:00.000-05:00"
    assert local(at_jump.end) == "2026-03-08T03:00:00.000-04:00"
    # The 03:00-04:00 daypart is wall-clock time: b plays from 03:00 EDT.
    first_b = next(s for s in table.slots if s.filename == "b.mp4")
    assert local(first_b.start) == "2026-03-08T03:00:00.000-04:00"
    assert all(s.end - s.start == 60 * S for s in table.slots)


def test_fall_back_day_is_25_hours_and_the_repeated_hour_plays_through():
    autumn = date(2026, 11, 1)
    sched = schedule(autumn, [asset("a.mp4"), asset("b.mp4", dayparts=[(60, 120)])])
    tl = timeline(site(sched), a=60, b=60)
    table = tl.day(autumn)
    assert (table.end - table.start) == 25 * 3600 * S
    # 01:00-02:00 happens twice; the daypart is open in both.
    b_slots = [local(s.start) for s in table.slots if s.filename == "b.mp4"]
    assert b_slots[0] == "2026-11-01T01:00:00.000-04:00"
    assert "2026-11-01T01:00:00.000-05:00" in b_slots
    assert b_slots[-1] == "2026-11-01T01:58:00.000-05:00"
    assert len(b_slots) == 60


def test_closing_hours_on_dst_days_are_wall_clock():
    spring = date(2026, 3, 8)  # a Sunday
    cfg = config(sun=[("0100", "0400")])
    runs = day_runs(cfg.hours, spring, NY)
    opened = next(r for r in runs if r.is_open)
    assert (local(opened.start), local(opened.end)) == (
        "2026-03-08T01:00:00.000-05:00", "2026-03-08T04:00:00.000-04:00")
    assert opened.end - opened.start == 2 * 3600 * S  # three wall hours, two real ones


def test_slot_at_says_since_when_and_is_consistent_with_slots_between():
    sched = schedule(DAY, [asset("a.mp4"), asset("b.mp4")])
    tl = timeline(site(sched), a=13, b=17)
    probe = at("2026-11-23T10:11:12.345")
    slot = tl.slot_at(probe)
    assert slot.start <= probe < slot.end
    assert slot in list(tl.slots_between(probe - 60 * S, probe + 60 * S))
    # Any day can be asked for, in any order, with the same answer.
    fresh = timeline(site(sched), a=13, b=17)
    fresh.slot_at(at("2026-12-25T10:00:00"))
    assert fresh.slot_at(probe) == slot


def test_coupons_travel_with_their_slot():
    from scheduler.playlist import Coupon
    couponed = asset("a.mp4").model_copy(update={"coupons": (Coupon(
        title="t", detail="d", barcode="036000291452", restriction="r", validFrom="v"),)})
    tl = timeline(site(schedule(DAY, [couponed])), a=10)
    assert tl.slot_at(midnight(DAY)).asset.coupons[0].barcode == "036000291452"
