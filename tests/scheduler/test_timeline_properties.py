"""Properties of the timeline over random playlists, hours, zones and DST days: slots
tile each day exactly, never cross a run boundary, and agree with the slow reference
simulation in `timeline_helpers`, for whole runs and for point lookups."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.configuration import Hours, OpenPeriod, SiteConfiguration
from scheduler.hours import day_runs
from scheduler.timeline import Slot, Timeline
from tests.scheduler.timeline_helpers import asset, reference_open_run, schedule, site

ZONES = [ZoneInfo(z) for z in ("America/New_York", "UTC", "Europe/London",
                               "Australia/Lord_Howe")]  # Lord Howe shifts by 30 minutes
DAYS = [date(2026, 3, 8), date(2026, 11, 1), date(2026, 3, 29), date(2026, 10, 25),
        date(2026, 4, 5), date(2026, 10, 4), date(2026, 11, 23)]
FILES = [f"f{i}.mp4" for i in range(6)]

@st.composite
def daypart(draw):
    low = draw(st.integers(0, 1439))
    return low, draw(st.integers(low, 1440))


@st.composite
def random_asset(draw, day: date):
    """Dates around `day` (sometimes excluding it), up to two dayparts."""
    return asset(
        draw(st.sampled_from(FILES)),
        dayparts=draw(st.lists(daypart(), max_size=2)),
        start=day + timedelta(days=draw(st.integers(-2, 1))),
        end=day + timedelta(days=draw(st.integers(-1, 2))),
    )


@st.composite
def period(draw):
    opens = draw(st.integers(0, 1439))
    return OpenPeriod(openAt=opens, closeAt=draw(st.integers(opens, 2880)))


@st.composite
def scenario(draw):
    tz = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(DAYS))
    loops = draw(st.lists(st.lists(random_asset(day), min_size=1, max_size=4), min_size=1,
                          max_size=3))
    durations = {f: draw(st.integers(1, 600)) * 1000 for f in FILES if draw(st.integers(0, 5))}
    blankout = draw(st.sampled_from([None, "f0.mp4", "blank.mp4"]))
    if blankout == "blank.mp4" and draw(st.booleans()):
        durations["blank.mp4"] = draw(st.integers(1, 900)) * 1000
    all_day = draw(st.booleans())
    hours = Hours() if all_day else Hours(**{
        key: tuple(draw(st.lists(period(), max_size=2)))
        for key in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    })
    config = SiteConfiguration(siteId="S", hours=hours, blankoutVideo=blankout)
    sched = schedule(day, *loops)
    return tz, day, Timeline(site=site(sched), configuration=config, durations=durations,
                             tz=tz), sched, durations, config


def effective_blankout(config, durations):
    b = config.blankoutVideo
    return b if b and durations.get(b, 0) > 0 else None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(), st.data())
def test_slots_tile_the_day_and_agree_with_the_reference(case, data):
    tz, day, timeline, sched, durations, config = case
    table = timeline.day(day)
    slots = table.slots
    # Contiguous, ordered, non-empty, covering midnight to midnight.
    assert slots[0].start == table.start and slots[-1].end == table.end
    assert all(a.end == b.start for a, b in zip(slots, slots[1:]))
    assert all(s.end > s.start for s in slots)
    runs = day_runs(config.hours, day, tz)
    assert runs[0].start == table.start and runs[-1].end == table.end
    blankout = effective_blankout(config, durations)
    for run in runs:
        inside = [s for s in slots if run.start <= s.start < run.end]
        # No slot crosses a run boundary.
        assert inside and inside[-1].end == run.end and inside[0].start == run.start
        if run.is_open:
            expected = reference_open_run(run.start, run.end, sched, durations, blankout, tz)
        elif blankout:
            expected = []
            while not expected or expected[-1].end < run.end:
                at = expected[-1].end if expected else run.start
                expected.append(Slot(at, min(at + durations[blankout], run.end), "blankout",
                                     blankout))
        else:
            expected = [Slot(at, min(at + 60_000, run.end), "idle")
                        for at in range(run.start, run.end, 60_000)]
        assert inside == expected
    # Point lookups agree with the table, from a fresh timeline asked out of order.
    for _ in range(5):
        instant = data.draw(st.integers(table.start, table.end - 1))
        found = timeline.slot_at(instant)
        assert found.start <= instant < found.end
        assert found in slots


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(), st.integers(0, 3 * 86_400_000))
def test_slots_between_is_contiguous_across_days(case, span):
    tz, day, timeline, *_ = case
    start = timeline.day(day).start + span // 3
    slots = list(timeline.slots_between(start, start + span + 1))
    assert slots[0].start <= start < slots[0].end
    assert all(a.end == b.start for a, b in zip(slots, slots[1:]))
    assert slots[-1].end > start + span
