"""Validation of the network configuration update message (scheduler.network), with the
texts of GSTV's `configuration-network.md`.

Order: `guid`, `updatedOn`, `configuration`, then its one object in the glossary's
order: `shutdownHours`, `evergreen` (each entry `filename`, `expiryHours`,
`swapFilename`), `volume` (each setting `startTime`, `level`). The first defect wins;
"missing" before "malformed".

The document's rules and texts:
- Hours (`shutdownHours`, `expiryHours`): a JSON number >= 0 whose fraction is .0, .25,
  .5 or .75: "Shutdown Hours is Incorrectly Formatted", "Expiry Hours is Incorrectly
  Formatted for {filename}".
- A file name without an extension: "Filename is Missing Extension - {filename}",
  "Swap Filename is Missing Extension - {filename}".
- Volume: "Volume Level is Incorrectly Formatted" (not a number from 0 to 100),
  "Volume Start Time is Incorrectly Formatted" (the document writes HH:MM; seed 003's
  HHMM is accepted too, as for the site configuration).
- "GUID is Missing", "Updated On is Missing".

Decisions beyond the document (our texts, in its style):
- The `configuration` array missing or empty: "The Network Configuration Structure is
  Missing Information"; more than one object in it: "The Network Configuration
  Structure has More than One Configuration" (which one would be in force is a guess;
  GSTV's QA refuses the same for the site configuration, case 155).
- "Shutdown Hours is Missing", "Evergreen Structure is Missing" (an empty array is
  fine: no swaps), "Evergreen Filename is Missing", "Expiry Hours is Missing for
  {filename}", "Volume Start Time is Missing", "Volume Level is Missing".
- One file named twice in `evergreen`: "Evergreen Filename is Duplicated - {filename}".
- Hours above `MAX_HOURS` (over eleven years) are refused with the document's text.
- A blank or missing `swapFilename` means no swap file, as the document says.
"""

from __future__ import annotations

from typing import Any

from scheduler import limits
from scheduler.configuration import VolumeSetting
from scheduler.network import Evergreen, NetworkConfiguration, NetworkUpdate
from scheduler.reading import absent, array, filename, header, number, objects, reject, top_object
from scheduler.timeformats import MINUTES_PER_DAY, parse_hhmm

MAX_HOURS = 100_000
MAX_EVERGREEN = 1_000
_MISSING = "The Network Configuration Structure is Missing Information"


def parse_network_update(message: Any) -> NetworkUpdate:
    """The checked update, or `UpdateRejected` with the first defect's text."""
    msg = top_object(message)
    guid, updated_on = header(msg)
    if absent(msg, "configuration"):
        reject(_MISSING)
    raw = array(msg["configuration"], "The Network Configuration Structure", limits.MAX_SITES,
                missing=_MISSING)
    objects(raw, "The Network Configuration Structure", _MISSING)
    if len(raw) > 1:
        reject("The Network Configuration Structure has More than One Configuration")
    return NetworkUpdate(guid=guid, updatedOn=updated_on, configuration=_configuration(raw[0]))


def is_network_configuration(message: Any) -> bool:
    """Whether a `configuration` message is the network's rather than a site's: its
    object has no `siteId` and carries `shutdownHours` or `evergreen`. (Both kinds put
    their object under `configuration`; a drop-folder file has no cloud kind to say.)"""
    entries = message.get("configuration") if isinstance(message, dict) else None
    if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
        return False
    first = entries[0]
    return "siteId" not in first and ("shutdownHours" in first or "evergreen" in first)


def _configuration(raw: dict[str, Any]) -> NetworkConfiguration:
    if absent(raw, "shutdownHours"):
        reject("Shutdown Hours is Missing")
    shutdown = _hours(raw["shutdownHours"], "Shutdown Hours is Incorrectly Formatted")
    if raw.get("evergreen") is None:
        reject("Evergreen Structure is Missing")
    entries = array(raw["evergreen"], "Evergreen Structure", MAX_EVERGREEN)
    evergreen: dict[str, Evergreen] = {}
    for entry in entries:
        item = _evergreen(entry)
        if item.filename in evergreen:
            reject(f"Evergreen Filename is Duplicated - {item.filename}")
        evergreen[item.filename] = item
    volume: tuple[VolumeSetting, ...] = ()
    if raw.get("volume") is not None:
        volume = tuple(_volume(v) for v in array(raw["volume"], "Volume Structure",
                                                 limits.MAX_VOLUME_SETTINGS))
    return NetworkConfiguration(shutdownHours=shutdown, evergreen=tuple(evergreen.values()),
                                volume=volume)


def _evergreen(raw: Any) -> Evergreen:
    if not isinstance(raw, dict):
        reject("Evergreen is Incorrectly Formatted")
    if absent(raw, "filename"):
        reject("Evergreen Filename is Missing")
    name = filename(raw["filename"], "Evergreen Filename",
                    "Filename is Missing Extension - {filename}")
    if absent(raw, "expiryHours"):
        reject(f"Expiry Hours is Missing for {name}")
    expiry = _hours(raw["expiryHours"], f"Expiry Hours is Incorrectly Formatted for {name}")
    swap = None
    if not absent(raw, "swapFilename"):
        swap = filename(raw["swapFilename"], "Swap Filename",
                        "Swap Filename is Missing Extension - {filename}")
    return Evergreen(filename=name, expiryHours=expiry, swapFilename=swap)


def _hours(value: Any, message: str) -> float:
    hours = number(value)
    if hours is None or not 0 <= hours <= MAX_HOURS or hours * 4 != int(hours * 4):
        reject(message)
    return float(hours)


def _volume(raw: Any) -> VolumeSetting:
    if not isinstance(raw, dict):
        reject("Volume Structure is Incorrectly Formatted")
    if absent(raw, "startTime"):
        reject("Volume Start Time is Missing")
    value = raw["startTime"]
    start = parse_hhmm(value, latest=MINUTES_PER_DAY - 1) if isinstance(value, str) else None
    if start is None:
        reject("Volume Start Time is Incorrectly Formatted")
    if raw.get("level") is None:
        reject("Volume Level is Missing")
    level = number(raw["level"])
    if level is None or not 0 <= level <= 100:
        reject("Volume Level is Incorrectly Formatted")
    return VolumeSetting(startTime=start, level=float(level))
