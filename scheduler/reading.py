"""Small checks shared by the validators of the three update messages.

Each helper either returns the checked value or raises `UpdateRejected` with the text it
is given, so a validator reads as the list of rules it enforces, in document order.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from datetime import date, datetime
from typing import Any, NoReturn

from scheduler.errors import UpdateRejected
from scheduler.filenames import has_extension, shown, unsafe_reason
from scheduler.limits import MAX_MESSAGE_BYTES, MAX_TEXT_CHARS
from scheduler.timeformats import parse_date, parse_updated_on


def reject(message: str) -> NoReturn:
    raise UpdateRejected(message)


def decode_message(raw: bytes) -> Any:
    """JSON text to Python values, with a clear message for anything that is not JSON."""
    if len(raw) > MAX_MESSAGE_BYTES:
        reject(f"The Update Message is Too Large ({len(raw)} bytes, at most {MAX_MESSAGE_BYTES})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        reject(f"The Update Message is Not Valid JSON (not UTF-8 text at byte {exc.start})")
    if not text.strip():
        reject("The Update Message is Not Valid JSON (the message is empty)")
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        reject(
            f"The Update Message is Not Valid JSON ({exc.msg} at line {exc.lineno} "
            f"column {exc.colno})"
        )
    except ValueError as exc:  # NaN / Infinity, huge integers
        reject(f"The Update Message is Not Valid JSON ({exc})")
    except RecursionError:
        reject("The Update Message is Not Valid JSON (nested too deeply)")


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def blank(value: Any) -> bool:
    """Null or blank text: both mean "not given" in these messages."""
    return value is None or (value.__class__ is str and not value.strip())


def absent(obj: dict[str, Any], key: str) -> bool:
    """Missing, null, or blank text."""
    return blank(obj.get(key))


def top_object(message: Any) -> dict[str, Any]:
    if not isinstance(message, dict):
        reject("The Update Message is Not a JSON Object")
    return message


def ident(value: Any, label: str) -> str:
    """An identifier: text, or an integer (GSTV's ids are sometimes numbers)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        reject(f"{label} is Incorrectly Formatted")
    text = str(value)
    if len(text) > MAX_TEXT_CHARS:
        reject(f"{label} is Too Long ({len(text)} characters, at most {MAX_TEXT_CHARS})")
    return text


def text(value: Any, label: str) -> str:
    if not isinstance(value, str):
        reject(f"{label} is Incorrectly Formatted")
    if len(value) > MAX_TEXT_CHARS:
        reject(f"{label} is Too Long ({len(value)} characters, at most {MAX_TEXT_CHARS})")
    return value


def filename(value: Any, label: str, missing_extension: str) -> str:
    """A media/banner file name: a plain name with an extension.

    `label` names the field ("Asset Filename"); `missing_extension` is the seed's text
    for a name without an extension, with `{filename}` still to fill.
    """
    if not isinstance(value, str):
        reject(f"{label} is Incorrectly Formatted")
    reason = unsafe_reason(value)
    if reason is not None:
        reject(f"{label} is Not a Plain File Name ({reason}) - {shown(value)}")
    if not has_extension(value):
        reject(missing_extension.format(filename=value))
    return value


def date_field(value: Any, message: str) -> date:
    parsed = _cached_date(value) if isinstance(value, str) else None
    if parsed is None:
        reject(message)
    return parsed


# The `required_*` helpers check the common, valid case first and only then work out
# which text to give; the texts are templates filled with `filename` on failure, so a
# month of valid assets does not format tens of thousands of unused messages.


def required_ident(value: Any, missing: str, label: str, name: str = "") -> str:
    if value.__class__ is str and value.strip() and len(value) <= MAX_TEXT_CHARS:
        return value
    if blank(value):
        reject(missing.format(filename=name))
    return ident(value, label.format(filename=name))


def required_date(value: Any, missing: str, malformed: str, name: str = "") -> date:
    parsed = _cached_date(value) if value.__class__ is str else None
    if parsed is not None:
        return parsed
    if blank(value):
        reject(missing.format(filename=name))
    reject(malformed.format(filename=name))


def array(
    value: Any, label: str, limit: int, *, missing: str | None = None, name: str = ""
) -> list[Any]:
    """A JSON array of at most `limit` items; `missing` (if given) is the text for an
    empty one, where an empty array is as good as none. `label` may hold `{filename}`."""
    if not isinstance(value, list):
        reject(f"{label.format(filename=name)} is Incorrectly Formatted")
    if not value and missing is not None:
        reject(missing)
    if len(value) > limit:
        reject(f"{label.format(filename=name)} has Too Many Entries ({len(value)}, at most {limit})")
    return value


def objects(items: list[Any], label: str, empty: str) -> list[dict[str, Any]]:
    """Every item of a structure array is a JSON object, and none is empty."""
    for item in items:
        if not isinstance(item, dict):
            reject(f"{label} is Incorrectly Formatted")
        if not item:
            reject(empty)
    return items


def names_site(entries: list[dict[str, Any]], site_id: str) -> bool:
    """Whether any entry of a `playlist`/`configuration` array is for `site_id`."""
    return any(e.get("siteId") is not None and str(e["siteId"]) == site_id for e in entries)


def header(msg: dict[str, Any]) -> tuple[str, datetime]:
    """`guid` and `updatedOn`, common to every update message, in that order."""
    if absent(msg, "guid"):
        reject("GUID is Missing")
    guid = ident(msg["guid"], "GUID")
    if absent(msg, "updatedOn"):
        reject("Updated On is Missing")
    value = msg["updatedOn"]
    updated_on = parse_updated_on(value) if isinstance(value, str) else None
    if updated_on is None:
        reject("Updated On is Incorrectly Formatted")
    return guid, updated_on


@lru_cache(maxsize=4096)
def _cached_date(value: str) -> date | None:
    return parse_date(value)


def number(value: Any) -> float | None:
    """A finite JSON number (not a boolean), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None
