"""Validation of the playlist update message (seed 001), with the seed's error texts.

The first defect wins, in document order: `guid`, `updatedOn`, `playlist`, then each
site in turn: `siteId`, its banners, its schedules, and within a schedule its loops,
their assets, each asset's dayparts and coupons. Within one object the fields are
checked in the seed glossary's order, each field "missing" before "malformed", and a
rule that relates two fields (start after end) as soon as the second one is read.

Where the seed has a combined text for an object that lacks its filename ("Banner
Structure is Missing Information", "Asset Information is Missing", "Asset Daypart
Information is Missing"), that text wins over the plain "Filename is Missing", because
it describes more of what is wrong.

Decisions beyond the seed (each with a message of our own, in the seed's style):
- Ids (`siteId`, `segmentId`, `assetId`, `tiNumber`) may be JSON numbers; they are kept
  as text. `tiNumber` is optional (the glossary does not mark it required).
- Empty `playlist`, `schedules`, `loops` or `assets` arrays count as missing; empty
  `banners`, `dayparts` or `coupons` arrays mean none.
- `loopNumber` must be a JSON integer. Two loops with one number play in array order.
- Two schedules of one site with the same `date` are rejected: which one plays would
  be a guess.
- A daypart may end at `24:00` (end of day); one whose start equals its end never plays.
- A coupon `barcode` is a UPC-A number: 11 digits (GSTV's form: the check digit is
  computed and drawn) or 12 with a right check digit (scheduler.upc). Anything else
  cannot be drawn or would not scan, and is refused.
- With `site_id` given (the terminal's own site), an update none of whose sites is that
  site fails with "Site ID Does Not Exist", reported at the first site. An update for
  several sites is valid when every site in it is valid.
- Unknown fields are ignored, so GSTV can add fields without stopping every terminal.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from scheduler import limits
from scheduler.limits import MAX_TEXT_CHARS
from scheduler.playlist import (
    ASSET_TYPES,
    BANNER_TYPES,
    Asset,
    Banner,
    Coupon,
    Daypart,
    Loop,
    PlaylistUpdate,
    Schedule,
    Site,
)
from scheduler.reading import (
    absent,
    array,
    blank,
    date_field,
    filename,
    header,
    ident,
    names_site,
    required_date,
    required_ident,
    objects,
    reject,
    text,
    top_object,
)
from scheduler.timeformats import parse_daypart_time
from scheduler.upc import check_digit, full_upc_a, problem


def parse_playlist_update(message: Any, *, site_id: str | None = None) -> PlaylistUpdate:
    """The checked update, or `UpdateRejected` with the first defect's text."""
    msg = top_object(message)
    guid, updated_on = header(msg)
    if absent(msg, "playlist"):
        reject("The Playlist Structure is Missing Information")
    raw_sites = array(
        msg["playlist"], "The Playlist Structure", limits.MAX_SITES,
        missing="The Playlist Structure is Missing Information",
    )
    objects(raw_sites, "The Playlist Structure", "The Playlist Structure is Missing Information")
    if _asset_count(raw_sites) > limits.MAX_ASSETS_PER_UPDATE:
        reject(
            "The Playlist has Too Many Assets "
            f"(at most {limits.MAX_ASSETS_PER_UPDATE} in one update)"
        )
    sites = tuple(
        _site(raw, raw_sites, site_id if index == 0 else None)
        for index, raw in enumerate(raw_sites)
    )
    return PlaylistUpdate(guid=guid, updatedOn=updated_on, playlist=sites)


def _asset_count(sites: list[dict[str, Any]]) -> int:
    """Assets over the whole update, counted before any is validated, so an enormous
    message is refused at once; malformed parts count as empty (they fail later)."""
    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    schedules = (s for site in sites for s in items(site.get("schedules")) if isinstance(s, dict))
    loops = (lp for s in schedules for lp in items(s.get("loops")) if isinstance(lp, dict))
    return sum(len(items(lp.get("assets"))) for lp in loops)


def _site(
    raw: dict[str, Any], all_sites: list[dict[str, Any]], own_site: str | None
) -> Site:
    if absent(raw, "siteId"):
        reject("Site Identifier is Missing")
    site_id = ident(raw["siteId"], "Site Identifier")
    if own_site is not None and not names_site(all_sites, own_site):
        reject("Site ID Does Not Exist")
    banners: tuple[Banner, ...] = ()
    if raw.get("banners") is not None:
        raw_banners = array(raw["banners"], "Banner Structure", limits.MAX_BANNERS)
        banners = tuple(_banner(b) for b in raw_banners)
    if absent(raw, "schedules"):
        reject("Schedule Structure is Missing Information")
    raw_schedules = array(
        raw["schedules"], "Schedule Structure", limits.MAX_SCHEDULES,
        missing="Schedule Structure is Missing Information",
    )
    objects(raw_schedules, "Schedule Structure", "Schedule Structure is Missing Information")
    schedules: list[Schedule] = []
    seen_dates: set[Any] = set()
    for raw_schedule in raw_schedules:
        schedule = _schedule(raw_schedule)
        if schedule.date in seen_dates:
            reject(f"Schedule Date is Duplicated - {schedule.date.isoformat()}")
        seen_dates.add(schedule.date)
        schedules.append(schedule)
    return Site(siteId=site_id, banners=banners, schedules=tuple(schedules))


def _banner(raw: Any) -> Banner:
    if not isinstance(raw, dict):
        reject("Banner Structure is Incorrectly Formatted")
    if absent(raw, "filename"):
        if any(absent(raw, key) for key in ("start", "end", "type")):
            reject("Banner Structure is Missing Information")
        reject("Banner Filename is Missing")
    name = filename(
        raw["filename"], "Banner Filename", "Banner Filename is Missing Extension - {filename}"
    )
    if absent(raw, "start"):
        reject(f"Banner Start Date is Missing for {name}")
    start = date_field(raw["start"], f"Start Date is Incorrectly Formatted for {name}")
    if absent(raw, "end"):
        reject(f"Banner End Date is Missing for {name}")
    end = date_field(raw["end"], f"End Date is Incorrectly Formatted for {name}")
    if start > end:
        reject(f"Banner Start Date is After End Date for {name}")
    if absent(raw, "type"):
        reject(f"Banner Type is Missing for {name}")
    if raw["type"] not in BANNER_TYPES:
        reject("Banner Type Does Not Exist")
    return Banner(filename=name, start=start, end=end, type=raw["type"])


def _schedule(raw: dict[str, Any]) -> Schedule:
    if absent(raw, "segmentId"):
        reject("Segment ID is Missing")
    segment_id = ident(raw["segmentId"], "Segment ID")
    if absent(raw, "date"):
        reject("Segment Date is Missing")
    day = date_field(raw["date"], "Schedule Date is Incorrectly Formatted")
    if absent(raw, "loops"):
        reject("Loop Structure is Missing Information")
    raw_loops = array(
        raw["loops"], "Loop Structure", limits.MAX_LOOPS,
        missing="Loop Structure is Missing Information",
    )
    objects(raw_loops, "Loop Structure", "Loop Structure is Missing Information")
    loops = tuple(_loop(raw_loop) for raw_loop in raw_loops)
    return Schedule(segmentId=segment_id, date=day, loops=loops)


def _loop(raw: dict[str, Any]) -> Loop:
    if raw.get("loopNumber") is None:
        reject("Loop Number is Missing")
    number = raw["loopNumber"]
    if isinstance(number, bool) or not isinstance(number, int) or abs(number) > 10**9:
        reject("Loop Number is Incorrectly Formatted")
    if absent(raw, "assets"):
        reject("Asset Structure is Missing Information")
    raw_assets = array(
        raw["assets"], "Asset Structure", limits.MAX_ASSETS_PER_LOOP,
        missing="Asset Structure is Missing Information",
    )
    objects(raw_assets, "Asset Structure", "Asset Structure is Missing Information")
    return Loop(loopNumber=number, assets=tuple(_asset(a) for a in raw_assets))


def _asset(raw: dict[str, Any]) -> Asset:
    name = raw.get("filename")
    if name.__class__ is not str or not name.strip():
        if blank(name):
            _reject_nameless_asset(raw)
        reject("Asset Filename is Incorrectly Formatted")
    name = _asset_filename(name)
    asset_id = required_ident(
        raw.get("assetId"), "Asset ID is Missing for {filename}", "Asset ID for {filename}", name
    )
    asset_type = raw.get("type")
    if asset_type not in ASSET_TYPES:
        if blank(asset_type):
            reject(f"Asset Type is Missing for {name}")
        reject("Asset Type Does Not Exist")
    start = required_date(
        raw.get("start"), "Asset Start Date is Missing for {filename}",
        "Start Date is Incorrectly Formatted for {filename}", name,
    )
    end = required_date(
        raw.get("end"), "Asset End Date is Missing for {filename}",
        "End Date is Incorrectly Formatted for {filename}", name,
    )
    if start > end:
        reject(f"Start Date is After End Date for {name}")
    ti_number = None
    if not blank(raw.get("tiNumber")):
        ti_number = required_ident(raw["tiNumber"], "", "TI Number for {filename}", name)
    dayparts: tuple[Daypart, ...] = ()
    if raw.get("dayparts"):
        raw_dayparts = array(
            raw["dayparts"], "Asset Dayparts for {filename}", limits.MAX_DAYPARTS, name=name
        )
        dayparts = tuple([_daypart(d, name) for d in raw_dayparts])
    coupons: tuple[Coupon, ...] = ()
    if raw.get("coupons"):
        raw_coupons = array(
            raw["coupons"], "Asset Coupons for {filename}", limits.MAX_COUPONS, name=name
        )
        coupons = tuple([_coupon(c, name) for c in raw_coupons])
    return Asset(
        assetId=asset_id, filename=name, type=asset_type, start=start, end=end,
        tiNumber=ti_number, dayparts=dayparts, coupons=coupons,
    )


@lru_cache(maxsize=4096)
def _asset_filename(value: str) -> str:
    """Checked once per distinct name: a month's playlist repeats a few hundred files."""
    return filename(value, "Asset Filename", "Asset Filename is Missing Extension - {filename}")


def _reject_nameless_asset(raw: dict[str, Any]) -> None:
    if any(absent(raw, key) for key in ("assetId", "type", "start", "end")):
        reject("Asset Information is Missing")
    dayparts = raw.get("dayparts")
    if isinstance(dayparts, list) and any(
        isinstance(d, dict) and (absent(d, "start") or absent(d, "end")) for d in dayparts
    ):
        reject("Asset Daypart Information is Missing")
    reject("Asset Filename is Missing")


def _daypart(raw: Any, name: str) -> Daypart:
    if not isinstance(raw, dict):
        reject(f"Asset Daypart is Incorrectly Formatted for {name}")
    start = _daypart_time(
        raw.get("start"), "Asset Daypart Start Time is Missing for {filename}",
        "Start Time is Incorrectly Formatted for {filename}", name,
    )
    end = _daypart_time(
        raw.get("end"), "Asset Daypart End Time is Missing for {filename}",
        "End Time is Incorrectly Formatted for {filename}", name,
    )
    if start > end:
        reject(f"Daypart Start Time is After End Time for {name}")
    return _make_daypart(start, end)


def _daypart_time(value: Any, missing: str, malformed: str, name: str) -> int:
    minutes = parse_daypart_time(value) if value.__class__ is str else None
    if minutes is not None:
        return minutes
    if blank(value):
        reject(missing.format(filename=name))
    reject(malformed.format(filename=name))


# Frozen leaves are shared between the assets that repeat them: a month's playlist holds
# tens of thousands of dayparts and coupons but only a handful of distinct ones.
@lru_cache(maxsize=4096)
def _make_daypart(start: int, end: int) -> Daypart:
    return Daypart(start=start, end=end)


@lru_cache(maxsize=4096)
def _make_coupon(*texts: str) -> Coupon:
    return Coupon(**dict(zip(_COUPON_KEYS, texts, strict=True)))


def _coupon(raw: Any, name: str) -> Coupon:
    if not isinstance(raw, dict):
        reject(f"Coupon is Incorrectly Formatted for {name}")
    texts = []
    for key, label in _COUPON_FIELDS:
        if absent(raw, key):
            reject(f"Coupon {label} is Missing")
        value = raw[key]
        if value.__class__ is not str or len(value) > MAX_TEXT_CHARS:
            text(value, f"Coupon {label} for {name}")  # says what is wrong with it
        texts.append(value)
    barcode = raw["barcode"]
    wrong = problem(barcode)
    if wrong == "form":
        reject(f"Coupon Barcode is Incorrectly Formatted for {name} "
               "(a UPC-A barcode is 11 digits, or 12 with its check digit)")
    if wrong == "check digit":
        reject(f"Coupon Barcode Check Digit is Wrong for {name} "
               f"({barcode[11]}, where {barcode[:11]} takes {check_digit(barcode[:11])})")
    texts[_COUPON_KEYS.index("barcode")] = full_upc_a(barcode)
    return _make_coupon(*texts)


_COUPON_FIELDS = (
    ("title", "Title"),
    ("detail", "Detail"),
    ("barcode", "Barcode"),
    ("restriction", "Restriction"),
    ("validFrom", "Valid From"),
)
_COUPON_KEYS = tuple(key for key, _ in _COUPON_FIELDS)
