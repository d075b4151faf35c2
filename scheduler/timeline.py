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
  video present, idle slots (the player shows black) of `IDLE_GAP_MS` each, the last one
  cut at the run's end. Not one slot for the whole run: a screen takes new content at
  a slot boundary only, and a terminal that started before its first playlist arrived
  stayed black until midnight (found by bench/soak.py, 2026-12-04).
- A slot lasts its media's duration, and ends early only at a run's end.
- Media "present" means a positive duration in the `durations` mapping given in.

Rules of GSTV's playback documents (issue #18; `upstream/configuration-network.md`,
`upstream/video-playback.md`, QA cases 104-109 and 178). Their inputs are values like
the rest: the network configuration, each file's receive time (epoch ms, when the
agent finished writing it) and the instant since which the site has been offline (None:
online). The site leader announces the last two with its inventory (player.content), so
every screen swaps and halts at the same slot.
- Evergreen swap: a slot of a file named in the network's `evergreen` whose start is at
  or past its receive time plus `expiryHours` plays `swapFilename` instead, for the swap
  file's duration; `expiryHours` 0 swaps always. With no swap file, a blank one or one
  not present, the spot is skipped and takes no time, like an asset outside its
  daypart. An evergreen file not present at all (never received, refused) counts as
  expired: its swap plays, if present. The slot keeps the scheduled asset (its assetId and coupons; POP, see
  player.pop_tracker) and names the original in `swapped_from`. A file without a
  receive time never expires (the loader gives every present file one: its record's,
  else its modification time). A newer version received starts the clock again,
  because its receive time is newer.
- Carry-over, offline only: a run with no schedule of its own date, on a day whose local
  midnight is after `offline_since`, plays the most recent earlier schedule's loops;
  each asset is still filtered by its own `start`..`end` dates (against the run's date)
  and dayparts. With no earlier schedule it is closed as before. Online, seed 001
  stands: a schedule plays only on its own date.
- Halt: from `offline_since` plus `shutdownHours` on, every slot is a "halted" slot
  (black, silent, no POP), `HALTED_SLOT_MS` long so that a site that reaches the cloud
  again has a boundary to resume at within seconds. `shutdownHours` 0 never halts: a
  terminal must not go black on every network blip.

Day tables are built once per day and looked up by bisection, so "what plays at T"
never replays the day from midnight; any day of a long playlist can be asked for in
any order. A small cache keeps the last few days built.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from scheduler.configuration import SiteConfiguration
from scheduler.hours import Run, day_runs
from scheduler.localtime import OffsetSpans, local_date, local_midnight
from scheduler.network import DEFAULT_NETWORK, NetworkConfiguration
from scheduler.playlist import Asset, Schedule, Site

IDLE_GAP_MS = 60_000
HALTED_SLOT_MS = 5_000
HOUR_MS = 3_600_000
SlotKind = Literal["asset", "blankout", "idle", "halted"]


class Slot(NamedTuple):
    start: int  # epoch ms, inclusive
    end: int  # epoch ms, exclusive
    kind: SlotKind
    filename: str | None = None  # the asset's or the blankout video's file
    asset: Asset | None = None  # coupons and tiNumber travel with it
    loop_number: int | None = None
    segment_id: str | None = None
    swapped_from: str | None = None  # the evergreen file this slot's file replaces

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
    expires_at: float  # epoch ms from which it is swapped (inf: never)
    swap: str | None  # what plays once expired, None: skipped
    swap_duration: int


class Timeline:
    def __init__(
        self,
        *,
        site: Site | None,
        configuration: SiteConfiguration,
        durations: Mapping[str, int],
        tz: ZoneInfo,
        network: NetworkConfiguration = DEFAULT_NETWORK,
        received: Mapping[str, int] | None = None,
        offline_since: int | None = None,
        cached_days: int = 4,
    ) -> None:
        self._schedules: dict[date, Schedule] = (
            {s.date: s for s in site.schedules} if site is not None else {}
        )
        self._dates = sorted(self._schedules)
        self._network = network
        self._received = received or {}
        self._offline_since = offline_since
        self._halt_at = (offline_since + round(network.shutdownHours * HOUR_MS)
                         if offline_since is not None and network.shutdownHours > 0
                         else None)
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

    @property
    def halt_at(self) -> int | None:
        """The instant from which the site is halted for being offline, if it will be."""
        return self._halt_at

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
        start = local_midnight(day, self._tz)
        end = local_midnight(day + timedelta(days=1), self._tz)
        slots: list[Slot] = []
        schedule = self._schedule_for(day, start)
        for run in day_runs(self._hours, day, self._tz):
            open_schedule = schedule if run.is_open else None
            slots += (self._fill_open(run, open_schedule) if open_schedule
                      else self._fill_closed(run))
        if self._halt_at is not None and self._halt_at < end:
            slots = self._halted_from(slots, max(self._halt_at, start), end)
        return DayTable(day, start, end, slots, [s.start for s in slots])

    def _schedule_for(self, day: date, midnight: int) -> Schedule | None:
        """The day's own schedule; offline since before its midnight, else the most
        recent earlier one (the carry-over rule)."""
        own = self._schedules.get(day)
        if own is not None or self._offline_since is None or self._offline_since >= midnight:
            return own
        earlier = bisect_right(self._dates, day - timedelta(days=1))
        return self._schedules[self._dates[earlier - 1]] if earlier else None

    @staticmethod
    def _halted_from(slots: list[Slot], halt_at: int, end: int) -> list[Slot]:
        kept = [s if s.end <= halt_at else s._replace(end=halt_at)
                for s in slots if s.start < halt_at]
        at = halt_at
        while at < end:
            kept.append(Slot(at, min(at + HALTED_SLOT_MS, end), "halted"))
            at = kept[-1].end
        return kept

    def _fill_closed(self, run: Run) -> list[Slot]:
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
                candidate = candidates[index]
                if candidate.windows:
                    if minute < 0:
                        minute = offsets.minute_of_day(at)
                    if not any(low <= minute < high for low, high in candidate.windows):
                        continue
                if at >= candidate.expires_at and candidate.swap is None:
                    continue  # expired, nothing to swap in: the spot is skipped
                chosen = index
                break
            if chosen is None:
                slot = self._gap_slot(at, run.end)
            else:
                position = chosen + 1
                candidate = candidates[chosen]
                asset = candidate.asset
                if at >= candidate.expires_at:
                    slot = Slot(at, min(at + candidate.swap_duration, run.end), "asset",
                                candidate.swap, asset, candidate.loop_number,
                                schedule.segmentId, asset.filename)
                else:
                    slot = Slot(at, min(at + candidate.duration, run.end), "asset",
                                asset.filename, asset, candidate.loop_number,
                                schedule.segmentId)
            slots.append(slot)
            at = slot.end
        return slots

    def _candidates(self, schedule: Schedule, day: date) -> list[_Candidate]:
        """The sequence without what is skipped all day long (dates, missing media)."""
        durations = self._durations
        candidates = []
        for loop in sorted(schedule.loops, key=lambda lp: lp.loopNumber):
            for asset in loop.assets:
                if not asset.start <= day <= asset.end:
                    continue
                expires_at, swap, swap_duration = self._evergreen(asset.filename)
                duration = durations.get(asset.filename, 0)
                if duration <= 0:
                    if swap is None:
                        continue  # not present, nothing to swap in: skipped
                    expires_at = -math.inf  # never received: its swap plays
                candidates.append(_Candidate(
                    asset, loop.loopNumber, duration,
                    tuple((d.start, d.end) for d in asset.dayparts),
                    expires_at, swap, swap_duration))
        return candidates

    def _evergreen(self, filename: str) -> tuple[float, str | None, int]:
        """When `filename` expires, what replaces it (None: nothing) and for how long."""
        entry = self._network.evergreen_for(filename)
        if entry is None:
            return math.inf, None, 0
        if entry.expiryHours == 0:
            expires_at = -math.inf
        elif filename in self._received:
            expires_at = self._received[filename] + round(entry.expiryHours * HOUR_MS)
        else:
            expires_at = math.inf  # present without a receive time: never expires
        swap = entry.swapFilename or None
        swap_duration = self._durations.get(swap, 0) if swap else 0
        return expires_at, swap if swap_duration > 0 else None, swap_duration
