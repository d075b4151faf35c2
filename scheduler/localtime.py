"""Site-local wall time and UTC instants, in integer milliseconds.

Every instant in the scheduler is an `int` of milliseconds since the Unix epoch (UTC):
integer arithmetic is exact, so every screen computes the very same slot bounds.

Wall times that do not exist (the hour skipped in spring) or exist twice (the hour
repeated in autumn) are resolved the way `zoneinfo` does with `fold=0`: a nonexistent
02:30 is taken with the offset in force before the change (it lands at 03:30 new
time), a repeated 01:30 is the first one. Local midnight of every day in the zones we
serve exists, so day bounds are never affected.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
DAY_MS = 86_400_000
MINUTE_MS = 60_000


def epoch_ms(moment: datetime) -> int:
    """An aware datetime as exact integer milliseconds."""
    return (moment - EPOCH) // MS


def from_epoch_ms(instant: int, tz: ZoneInfo) -> datetime:
    return (EPOCH + instant * MS).astimezone(tz)


def wall_instant(day: date, minutes: int, tz: ZoneInfo) -> int:
    """The instant of local wall time `minutes` after midnight of `day` (may pass 1440)."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return epoch_ms(wall.replace(tzinfo=tz))


def local_midnight(day: date, tz: ZoneInfo) -> int:
    return wall_instant(day, 0, tz)


def local_date(instant: int, tz: ZoneInfo) -> date:
    return from_epoch_ms(instant, tz).date()


def offset_ms(instant: int, tz: ZoneInfo) -> int:
    offset = from_epoch_ms(instant, tz).utcoffset()
    assert offset is not None
    return offset // MS


class OffsetSpans:
    """The UTC offsets in force over `[start, end)`, found once so that converting an
    instant to wall time inside a run costs an addition, not a `zoneinfo` call.

    Spans are located by bisection to the millisecond; a run is at most a day long and
    no zone changes its offset twice within one.
    """

    def __init__(self, start: int, end: int, tz: ZoneInfo) -> None:
        self._starts: list[int] = []
        self._offsets: list[int] = []
        self._add(start, end, tz)

    def _add(self, start: int, end: int, tz: ZoneInfo) -> None:
        first, last = offset_ms(start, tz), offset_ms(end - 1, tz)
        self._starts.append(start)
        self._offsets.append(first)
        if first == last:
            return
        low, high = start, end - 1  # offset(low) == first != offset(high)
        while high - low > 1:
            middle = (low + high) // 2
            if offset_ms(middle, tz) == first:
                low = middle
            else:
                high = middle
        self._add(high, end, tz)

    def minute_of_day(self, instant: int) -> float:
        """Local wall-clock minutes after midnight at `instant` (seconds as fraction)."""
        index = len(self._starts) - 1
        while self._starts[index] > instant:
            index -= 1
        return ((instant + self._offsets[index]) % DAY_MS) / MINUTE_MS
