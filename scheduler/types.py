"""Shared building blocks of the message models: the frozen base and the seed-formatted
value types.

Values are held typed (dates, UTC datetimes, minutes after midnight) so the scheduler
never re-parses text, and are written back in the seed's own spelling when a model is
dumped with `mode="json"`, so a staged `active/playlist.json` reads like the message it
came from. Models are only ever built from what a validator has already checked (see
`scheduler.playlist_validation`); pydantic here re-checks types, it does not produce the
error texts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NewType

from pydantic import BaseModel, ConfigDict, PlainSerializer

from scheduler.timeformats import format_daypart_time, format_hhmm, format_timestamp

DurationMs = NewType("DurationMs", int)


class Frozen(BaseModel):
    """Immutable, and strict about fields: a typo in our own code fails loudly.

    Strict types too (no coercion): values arrive already checked and typed by the
    validators, and strict construction is measurably cheaper for the tens of
    thousands of assets of a month's playlist.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, strict=True)


# An aware UTC datetime written `YYYY-MM-DD HH:MM:SS.mmm`.
UtcTimestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]
# Minutes after local midnight written `HH:MM` (dayparts) or `HHMM` (configuration).
DaypartMinute = Annotated[int, PlainSerializer(format_daypart_time, return_type=str)]
ClockMinute = Annotated[int, PlainSerializer(format_hhmm, return_type=str)]
