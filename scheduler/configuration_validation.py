"""Validation of the site configuration update message (seed 003), with the seed's
error texts.

Order: `guid`, `updatedOn`, `configuration`, then each site configuration: `siteId`,
`hours` (weekdays in the order the message lists them, each period `openAt`, `closeAt`,
`duration`), `blankoutVideo`, `volume` (each setting `startTime`, `level`). The first
defect wins; "missing" before "malformed" for each field.

`{Day}` in the seed's texts is the weekday key as written in the message (`mon`).

Decisions beyond the seed (messages of our own, in the seed's style):
- `blankoutvideo` (the glossary's spelling) is accepted for `blankoutVideo`.
- Times are `HHMM` (seed 003) or `HH:MM` (GSTV's later document and its real messages),
  with the same meaning and the seed's texts for anything else.
- `openAt` is `0000`-`2359`; `closeAt` may run to `4800` (the end of the next day);
  an `openAt` equal to its `closeAt` is an empty period, not an error.
- A weekday key other than `sun`..`sat` is rejected; for absent weekdays and the other
  defaults see `scheduler.configuration`.
- Volume `startTime` is `0000`-`2359`; `level` is a JSON number from 0 to 100.
- With `site_id` given, an update none of whose configurations is for that site fails
  with "Site Identifier Does Not Exist", reported at the first configuration.
"""

from __future__ import annotations

from typing import Any

from scheduler import limits
from scheduler.configuration import (
    WEEKDAYS,
    ConfigurationUpdate,
    Hours,
    OpenPeriod,
    SiteConfiguration,
    VolumeSetting,
)
from scheduler.reading import (
    absent,
    array,
    filename,
    header,
    ident,
    names_site,
    number,
    objects,
    reject,
    top_object,
)
from scheduler.filenames import shown
from scheduler.timeformats import MINUTES_PER_DAY, parse_hhmm

_LATEST_OPEN = MINUTES_PER_DAY - 1
_LATEST_CLOSE = 2 * MINUTES_PER_DAY
_MISSING = "The Configuration Structure is Missing Information"


def parse_configuration_update(
    message: Any, *, site_id: str | None = None
) -> ConfigurationUpdate:
    """The checked update, or `UpdateRejected` with the first defect's text."""
    msg = top_object(message)
    guid, updated_on = header(msg)
    if absent(msg, "configuration"):
        reject(_MISSING)
    raw_sites = array(
        msg["configuration"], "The Configuration Structure", limits.MAX_SITES, missing=_MISSING
    )
    objects(raw_sites, "The Configuration Structure", _MISSING)
    sites = tuple(
        _site(raw, raw_sites, site_id if index == 0 else None)
        for index, raw in enumerate(raw_sites)
    )
    return ConfigurationUpdate(guid=guid, updatedOn=updated_on, configuration=sites)


def _site(raw: dict[str, Any], all_sites: list[dict[str, Any]], own_site: str | None) -> SiteConfiguration:
    if absent(raw, "siteId"):
        reject("Site Identifier is Missing")
    site_id = ident(raw["siteId"], "Site Identifier")
    if own_site is not None and not names_site(all_sites, own_site):
        reject("Site Identifier Does Not Exist")
    hours = Hours() if raw.get("hours") is None else _hours(raw["hours"])
    blankout_key = "blankoutVideo" if not absent(raw, "blankoutVideo") else "blankoutvideo"
    blankout = None
    if not absent(raw, blankout_key):
        blankout = filename(
            raw[blankout_key], "Blankout Video Filename",
            "Blankout Video Filename Missing Extension - {filename}",
        )
    volume: tuple[VolumeSetting, ...] = ()
    if raw.get("volume") is not None:
        raw_volume = array(raw["volume"], "Volume Structure", limits.MAX_VOLUME_SETTINGS)
        volume = tuple(_volume(v) for v in raw_volume)
    return SiteConfiguration(siteId=site_id, hours=hours, blankoutVideo=blankout, volume=volume)


def _hours(raw: Any) -> Hours:
    if not isinstance(raw, dict):
        reject("Hours Structure is Incorrectly Formatted")
    days: dict[str, tuple[OpenPeriod, ...]] = {}
    for day, periods in raw.items():
        if day not in WEEKDAYS:
            reject(f"Hours Day Does Not Exist - {shown(day, 16)}")
        if periods is None:
            continue
        raw_periods = array(periods, f"Hours for {day}", limits.MAX_PERIODS_PER_DAY)
        days[day] = tuple(_period(p, day) for p in raw_periods)
    return Hours(**days)


def _period(raw: Any, day: str) -> OpenPeriod:
    if not isinstance(raw, dict):
        reject(f"Hours are Incorrectly Formatted for {day}")
    if absent(raw, "openAt"):
        reject(f"Open At Time is Missing for {day}")
    open_at = _hhmm(raw["openAt"], _LATEST_OPEN, f"Open At Time Incorrectly Formatted for {day}")
    if absent(raw, "closeAt"):
        reject(f"Close At Time is Missing for {day}")
    close_at = _hhmm(
        raw["closeAt"], _LATEST_CLOSE, f"Close At Time Incorrectly Formatted for {day}"
    )
    if open_at > close_at:
        reject(f"Open At is Later than Close At for {day}")
    duration = None
    if raw.get("duration") is not None:
        value = number(raw["duration"])
        if value is None or value < 0 or value != int(value):
            reject(f"Duration Incorrectly Formatted for {day}")
        duration = int(value)
    return OpenPeriod(openAt=open_at, closeAt=close_at, duration=duration)


def _volume(raw: Any) -> VolumeSetting:
    if not isinstance(raw, dict):
        reject("Volume Structure is Incorrectly Formatted")
    if absent(raw, "startTime"):
        reject("Volume Start Time is Missing")
    start = _hhmm(raw["startTime"], _LATEST_OPEN, "Volume Start Time Incorrectly Formatted")
    if raw.get("level") is None:
        reject("Volume Level is Missing")
    level = number(raw["level"])
    if level is None or not 0 <= level <= 100:
        reject("Volume Level Incorrectly Formatted")
    return VolumeSetting(startTime=start, level=float(level))


def _hhmm(value: Any, latest: int, message: str) -> int:
    minutes = parse_hhmm(value, latest=latest) if isinstance(value, str) else None
    if minutes is None:
        reject(message)
    return minutes
