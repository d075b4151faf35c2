"""Builders of checked models for timeline tests, and a slow reference simulation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.configuration import Hours, OpenPeriod, SiteConfiguration
from scheduler.localtime import epoch_ms, from_epoch_ms
from scheduler.playlist import Asset, Daypart, Loop, Schedule, Site
from scheduler.timeline import Slot

NY = ZoneInfo("America/New_York")
DAY = date(2026, 11, 23)  # a Monday


def asset(name: str, *, dayparts=(), start=date(2026, 1, 1), end=date(2026, 12, 31),
          asset_id: str | None = None) -> Asset:
    return Asset(
        assetId=asset_id or f"id-{name}", filename=name, type="advertising", start=start,
        end=end, dayparts=tuple(Daypart(start=s, end=e) for s, e in dayparts),
    )


def schedule(day: date, *loops: list[Asset], numbers: list[int] | None = None) -> Schedule:
    numbers = numbers or list(range(1, len(loops) + 1))
    return Schedule(
        segmentId=f"SEG-{day.isoformat()}", date=day,
        loops=tuple(Loop(loopNumber=n, assets=tuple(a)) for n, a in zip(numbers, loops)),
    )


def site(*schedules: Schedule) -> Site:
    return Site(siteId="SITE-0042", schedules=tuple(schedules))


def config(blankout: str | None = None, **days: list[tuple[str, str]]) -> SiteConfiguration:
    """`mon=[("0600", "2200")]`; days not named are open all day."""
    def minutes(text: str) -> int:
        return int(text[:2]) * 60 + int(text[2:])
    hours = Hours(**{
        day: tuple(OpenPeriod(openAt=minutes(o), closeAt=minutes(c)) for o, c in periods)
        for day, periods in days.items()
    })
    return SiteConfiguration(siteId="SITE-0042", hours=hours, blankoutVideo=blankout)


def at(text: str, tz: ZoneInfo = NY) -> int:
    """Epoch ms of a local ISO time (an explicit offset wins)."""
    moment = datetime.fromisoformat(text)
    return epoch_ms(moment if moment.tzinfo else moment.replace(tzinfo=tz))


def local(instant: int, tz: ZoneInfo = NY) -> str:
    return from_epoch_ms(instant, tz).isoformat(timespec="milliseconds")


def reference_open_run(start: int, end: int, sched: Schedule, durations: dict[str, int],
                       blankout: str | None, tz: ZoneInfo) -> list[Slot]:
    """The open-run rule written the slow, obvious way: every slot re-reads the whole
    sequence, converts time with zoneinfo, and checks every rule on every asset."""
    sequence = [(a, lp.loopNumber) for lp in sorted(sched.loops, key=lambda x: x.loopNumber)
                for a in lp.assets]
    day = from_epoch_ms(start, tz).date()
    slots, position, now = [], 0, start
    while now < end:
        wall = from_epoch_ms(now, tz)
        minute = wall.hour * 60 + wall.minute + wall.second / 60 + wall.microsecond / 6e7
        chosen = None
        for step in range(len(sequence)):
            index = (position + step) % len(sequence)
            a, _ = sequence[index]
            if not (a.start <= day <= a.end) or durations.get(a.filename, 0) <= 0:
                continue
            if a.dayparts and not any(d.start <= minute < d.end for d in a.dayparts):
                continue
            chosen = index
            break
        if chosen is None:
            if blankout:
                slot = Slot(now, min(now + durations[blankout], end), "blankout", blankout)
            else:
                slot = Slot(now, min(now + 60_000, end), "idle")
        else:
            a, number = sequence[chosen]
            position = chosen + 1
            slot = Slot(now, min(now + durations[a.filename], end), "asset", a.filename, a,
                        number, sched.segmentId)
        slots.append(slot)
        now = slot.end
    return slots


def midnight(day: date, tz: ZoneInfo = NY) -> int:
    return epoch_ms(datetime.combine(day, datetime.min.time()).replace(tzinfo=tz))


def next_day(day: date) -> date:
    return day + timedelta(days=1)
