"""Opening hours: which parts of a local day the site is open, cut into runs.

Rules (issue #3):
- A weekday's periods are `openAt`..`closeAt` in wall-clock minutes from that day's
  local midnight; `closeAt` past 2400 runs into the next day (2600 is 02:00 next day)
  and that part belongs to the earlier weekday's entry. A day therefore takes its
  periods from its own entry and the spill of the previous day's.
- Overlapping or touching periods merge. An `openAt` equal to its `closeAt` opens
  nothing.
- The day is cut into runs at its hard boundaries: local midnight, each opening and
  each closing. Runs are contiguous and cover the whole local day, which on DST days is
  23 or 25 hours of real time.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from scheduler.configuration import Hours
from scheduler.localtime import local_midnight, wall_instant


class Run(NamedTuple):
    start: int  # epoch ms, inclusive
    end: int  # epoch ms, exclusive
    day: date  # the local date the run belongs to
    is_open: bool


def open_intervals(hours: Hours, day: date, tz: ZoneInfo) -> list[tuple[int, int]]:
    """The merged open intervals within local `day`, as epoch-ms pairs."""
    day_start, day_end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    intervals = []
    for entry_day in (day - timedelta(days=1), day):
        for period in hours.for_weekday(entry_day.weekday()):
            opens = max(wall_instant(entry_day, period.openAt, tz), day_start)
            closes = min(wall_instant(entry_day, period.closeAt, tz), day_end)
            if opens < closes:
                intervals.append((opens, closes))
    return merge_intervals(intervals)


def merge_intervals(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching (start, end) intervals joined, in order."""
    merged: list[tuple[int, int]] = []
    for opens, closes in sorted(intervals):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return merged


def day_runs(hours: Hours, day: date, tz: ZoneInfo) -> list[Run]:
    """Open and closed runs covering local `day` from midnight to midnight."""
    day_start, day_end = local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)
    runs: list[Run] = []
    cursor = day_start
    for opens, closes in open_intervals(hours, day, tz):
        if cursor < opens:
            runs.append(Run(cursor, opens, day, False))
        runs.append(Run(opens, closes, day, True))
        cursor = closes
    if cursor < day_end:
        runs.append(Run(cursor, day_end, day, False))
    return runs
