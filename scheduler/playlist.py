"""The playlist update message (seed 001) as frozen models.

Build these with `scheduler.playlist_validation.parse_playlist_update`, which produces
the seed's error texts; constructing them directly is for code that already holds
checked values (tests, the timeline benchmarks).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from scheduler.types import DaypartMinute, Frozen, UtcTimestamp

BannerType = Literal["prefueling", "postfueling"]
AssetType = Literal["advertising", "programming", "brandedMessaging", "rpa"]
BANNER_TYPES: tuple[str, ...] = ("prefueling", "postfueling")
ASSET_TYPES: tuple[str, ...] = ("advertising", "programming", "brandedMessaging", "rpa")


class Banner(Frozen):
    filename: str
    start: date
    end: date
    type: BannerType

    def shows_on(self, day: date) -> bool:
        return self.start <= day <= self.end


class Daypart(Frozen):
    """Local time window `start <= t < end`, in minutes after midnight."""

    start: DaypartMinute
    end: DaypartMinute

    def contains(self, minute_of_day: float) -> bool:
        return self.start <= minute_of_day < self.end


class Coupon(Frozen):
    title: str
    detail: str
    barcode: str  # the 12 digits of a UPC-A symbol (an 11-digit number given: its check digit added)
    restriction: str
    validFrom: str


class Asset(Frozen):
    assetId: str
    filename: str
    type: AssetType
    start: date
    end: date
    tiNumber: str | None = None
    dayparts: tuple[Daypart, ...] = ()
    coupons: tuple[Coupon, ...] = ()

    def runs_on(self, day: date) -> bool:
        return self.start <= day <= self.end


class Loop(Frozen):
    loopNumber: int
    assets: tuple[Asset, ...]


class Schedule(Frozen):
    segmentId: str
    date: date
    loops: tuple[Loop, ...]


class Site(Frozen):
    siteId: str
    banners: tuple[Banner, ...] = ()
    schedules: tuple[Schedule, ...]


class PlaylistUpdate(Frozen):
    guid: str
    updatedOn: UtcTimestamp
    playlist: tuple[Site, ...]

    def site(self, site_id: str) -> Site | None:
        return next((s for s in self.playlist if s.siteId == site_id), None)
