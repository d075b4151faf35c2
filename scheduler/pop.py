"""The proof-of-play record (seed 002).

The seed's glossary says `tiNumber`, its JSON example `ioNumber`: we emit `tiNumber`
(the playlist's name for the value it carries over) and accept `ioNumber` when reading.
`recordId` is ours: a stable id per record, so the receiver can drop the duplicates that
at-least-once delivery produces.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, PlainSerializer

from scheduler.timeformats import format_pop_timestamp
from scheduler.types import Frozen

PopTimestamp = Annotated[datetime, PlainSerializer(format_pop_timestamp, return_type=str)]
ScreenState = Literal["Full", "Partial"]


class PopRecord(Frozen):
    recordId: str
    filename: str
    assetId: str
    tiNumber: str | None = Field(
        default=None, validation_alias=AliasChoices("tiNumber", "ioNumber")
    )
    startTimestamp: PopTimestamp
    endTimestamp: PopTimestamp
    screenState: ScreenState
    siteId: str
    screenId: str

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
