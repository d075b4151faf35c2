"""The site timeline: what plays when, identical on every screen of a site.

A pure function of (the site's playlist, its configuration, the media present with
their durations, the site's time zone); it never reads a clock or a file, so every
screen that holds the same inputs computes the same slots to the millisecond
(instants are integer epoch milliseconds, see `scheduler.localtime`).

Rules (issue #3, in force since the first release):
- Days are local days of the site's IANA zone; DST days are 23 or 25 hours long and
  slot lengths are real time. Each day is cut into runs at local midnight, at every
  opening and at every closing (`scheduler.hours`); whatever plays at a boundary is
  cut there, and the next run starts afresh.
- Open run: uses the schedule whose `date` is the run's local date. Its sequence is the
  assets of its loops, loops by ascending `loopNumber` (equal numbers in array order),
  assets in array order, repeating after the last loop; it starts at the run's start
  with the first asset. An asset is skipped, taking no time, when the run's date is
  outside its `start`..`end` (inclusive), when the local wall time at which its slot
  would start is outside all of its dayparts (`start <= t < end`; none = any time), or
  when its media is not present. When one whole pass of the sequence yields nothing
  playable, one gap slot plays (the blankout video, or 60 s of idle when there is none)
  and the sequence is tried again at its end from where it stood, since a daypart may
  have opened meanwhile. With no schedule for the run's date the run is filled as if
  closed.
- Closed run: the blankout video back to back from the run's start; without a blankout
  video present, one idle slot (the player shows black) covers the run.
- A slot lasts its media's duration, and ends early only at a run's end.
- Media "present" means a positive duration in the `durations` mapping given in.

Day tables are built once per day and looked up by bisection, so "what plays at T"
never replays the day from midnight; any day of a long playlist can be asked for in
any order. A small cache keeps the last few days built.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from scheduler.configuration import SiteConfiguration
from scheduler.hours import Run, day_runs
from scheduler.localtime import OffsetSpans, local_date, local_midnight
from scheduler.playlist import Asset, Schedule, Site

IDLE_GAP_MS = 60_000
SlotKind = Literal["asset", "blankout", "idle"]


class Slot(NamedTuple):
    start: int  # epoch ms, inclusive
    end: int  # epoch ms, exclusive
    kind: SlotKind
    filename: str | None = None  # the asset's or the blankout video's file
    asset: Asset | None = None  # coupons and tiNumber travel with it
    loop_number: int | None = None
    segment_id: str | None = None

    @property
    def asset_id(self) -> str | None:
        return self.asset.assetId if self.asset is not None else None


class DayTable(NamedTuple):
    day: date
    start: int
    end: int
    slots: list[Slot]
    starts: list[int]  # slots[i].start, for bisection


class _Candidate(NamedTuple):
    asset: Asset
    loop_number: int
    duration: int
    windows: tuple[tuple[int, int], ...]  # dayparts as (start, end) minutes


class Timeline:
    def __init__(
        self,
        *,
        site: Site | None,
        configuration: SiteConfiguration,
        durations: Mapping[str, int],
        tz: ZoneInfo,
        cached_days: int = 4,
    ) -> None:
        self._schedules: dict[date, Schedule] = (
            {s.date: s for s in site.schedules} if site is not None else {}
        )
        self._hours = configuration.hours
        self._durations = durations
        self._tz = tz
        blankout = configuration.blankoutVideo
        self._blankout = blankout if blankout and durations.get(blankout, 0) > 0 else None
        self._cache: OrderedDict[date, DayTable] = OrderedDict()
        self._cached_days = cached_days
        self._last: DayTable | None = None

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def day(self, day: date) -> DayTable:
        """The slot table of local `day`, from its midnight to the next."""
        table = self._cache.get(day)
        if table is None:
            table = self._build_day(day)
            self._cache[day] = table
            if len(self._cache) > self._cached_days:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(day)
        return table

    def slot_at(self, instant: int) -> Slot:
        """The slot playing at `instant`; its `start` says since when."""
        table = self._last
        if table is None or not table.start <= instant < table.end:
            table = self._last = self.day(local_date(instant, self._tz))
        return table.slots[bisect_right(table.starts, instant) - 1]

    def slots_between(self, start: int, end: int) -> Iterator[Slot]:
        """Every slot overlapping `[start, end)`, in order."""
        day = local_date(start, self._tz)
        while True:
            table = self.day(day)
            if table.start >= end:
                return
            first = max(bisect_right(table.starts, start) - 1, 0)
            for slot in table.slots[first:]:
                if slot.start >= end:
                    return
                yield slot
            day += timedelta(days=1)

    def _build_day(self, day: date) -> DayTable:
        slots: list[Slot] = []
        for run in day_runs(self._hours, day, self._tz):
            schedule = self._schedules.get(day) if run.is_open else None
            slots += self._fill_open(run, schedule) if schedule else self._fill_closed(run)
        start = local_midnight(day, self._tz)
        end = local_midnight(day + timedelta(days=1), self._tz)
        return DayTable(day, start, end, slots, [s.start for s in slots])

    def _fill_closed(self, run: Run) -> list[Slot]:
        if self._blankout is None:
            return [Slot(run.start, run.end, "idle")]
        slots = []
        at = run.start
        while at < run.end:
            slots.append(self._gap_slot(at, run.end))
            at = slots[-1].end
        return slots

    def _gap_slot(self, at: int, run_end: int) -> Slot:
        if self._blankout is None:
            return Slot(at, min(at + IDLE_GAP_MS, run_end), "idle")
        end = min(at + self._durations[self._blankout], run_end)
        return Slot(at, end, "blankout", self._blankout)

    def _fill_open(self, run: Run, schedule: Schedule) -> list[Slot]:
        candidates = self._candidates(schedule, run.day)
        count = len(candidates)
        offsets = OffsetSpans(run.start, run.end, self._tz)
        slots: list[Slot] = []
        at, position = run.start, 0
        while at < run.end:
            chosen = None
            minute = -1.0  # local wall minute at `at`, computed only when a daypart asks
            for step in range(count):
                index = (position + step) % count
                windows = candidates[index].windows
                if windows:
                    if minute < 0:
                        minute = offsets.minute_of_day(at)
                    if not any(low <= minute < high for low, high in windows):
                        continue
                chosen = index
                break
            if chosen is None:
                slot = self._gap_slot(at, run.end)
            else:
                position = chosen + 1
                asset, loop_number, duration, _ = candidates[chosen]
                slot = Slot(
                    at, min(at + duration, run.end), "asset", asset.filename, asset,
                    loop_number, schedule.segmentId,
                )
            slots.append(slot)
            at = slot.end
        return slots

    def _candidates(self, schedule: Schedule, day: date) -> list[_Candidate]:
        """The sequence without what is skipped all day long (dates, missing media)."""
        durations = self._durations
        return [
            _Candidate(
                asset, loop.loopNumber, durations[asset.filename],
                tuple((d.start, d.end) for d in asset.dayparts),
            )
            for loop in sorted(schedule.loops, key=lambda lp: lp.loopNumber)
            for asset in loop.assets
            if asset.start <= day <= asset.end and durations.get(asset.filename, 0) > 0
        ]
