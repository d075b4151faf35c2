"""The date and time spellings of the GSTV messages, parsed strictly and written one way.

The seeds disagree with themselves on one point (see `shared/seeds/README.md`): the
playlist document writes `updatedOn` as `YYYY-MM-DD HH:MM:SS.mmm`, the configuration
document as `...:SS:mmm`. We accept both on input and always emit the dotted form.

Parsers return `None` for text that does not match instead of raising: the validators
turn that into the seed's own error text, which only they know.
"""

from __future__ import annotations

import re
from functools import lru_cache
from datetime import UTC, date, datetime

# `YYYY-MM-DD HH:MM:SS` then `.` or `:` then 1 to 3 digits of milliseconds.
_UPDATED_ON = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})[.:](\d{1,3})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_HH_COLON_MM = re.compile(r"(\d{2}):(\d{2})")
_HHMM = re.compile(r"(\d{2}):?(\d{2})")  # seed 003's HHMM, or HH:MM as GSTV sends it

MINUTES_PER_DAY = 24 * 60


def parse_updated_on(text: str) -> datetime | None:
    """`updatedOn` / `notificationTimestamp` as an aware UTC datetime."""
    match = _UPDATED_ON.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int(fraction.ljust(3, "0")) * 1000, tzinfo=UTC,
        )
    except ValueError:  # 2026-02-30, 25:00:00 ...
        return None


def format_timestamp(moment: datetime) -> str:
    """UTC `YYYY-MM-DD HH:MM:SS.mmm`, the form every notification carries."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"


def format_pop_timestamp(moment: datetime) -> str:
    """`yyyy-mm-dd HH:MM:SS`, the POP seed's form (whole seconds), in the zone `moment`
    is given in: the caller picks it (sync_agent.delivery: the site's local time by
    default). The form carries no zone, as the seed's does not."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def parse_pop_timestamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """A calendar date written exactly `YYYY-MM-DD`."""
    if _DATE.fullmatch(text) is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def parse_daypart_time(text: str) -> int | None:
    """A daypart bound `HH:MM` as minutes after local midnight.

    `24:00` is accepted (as 1440) because a daypart that runs to the end of the day has
    no other spelling: with `23:59` the last minute would never play.
    """
    match = _HH_COLON_MM.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def format_daypart_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hhmm(text: str, *, latest: int) -> int | None:
    """A configuration time as minutes, at most `latest` minutes.

    Seed 003 writes `HHMM`; GSTV's later site and network configuration documents, and
    the messages its QA sends, write `HH:MM` ("08:00", "26:00"). Both mean the same, and
    nothing else is a time: "8:00", "0860", "12AM" are refused. `closeAt` may run past
    2400 / 24:00 into the next day (26:00 is 02:00 next day), so the caller says how far
    a value may go.
    """
    match = _HHMM.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59:
        return None
    value = hours * 60 + minutes
    return value if value <= latest else None


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}{minutes % 60:02d}"
