"""One entry point for the four kinds of update: decode, validate, and say the outcome
as the notification the seeds (or GSTV's later documents) define for the validation
step: PLAYLIST_VALIDATION, CONFIGURATION_VALIDATION (the site's and the network's
configuration alike), MEDIA_VALIDATION (either media form).

Pure: the notification's timestamp comes from the caller's clock (`now`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from scheduler.configuration import ConfigurationUpdate
from scheduler.configuration_validation import parse_configuration_update
from scheduler.errors import UpdateRejected
from scheduler.filenames import unsafe_reason
from scheduler.media import MediaFileUpdate, MediaUpdate
from scheduler.media_validation import parse_any_media_update
from scheduler.network import NetworkUpdate
from scheduler.network_validation import parse_network_update
from scheduler.notifications import Notification, NotificationType, new_notification
from scheduler.playlist import PlaylistUpdate
from scheduler.playlist_validation import parse_playlist_update
from scheduler.reading import decode_message

UpdateKind = Literal["playlist", "configuration", "network", "media"]
Update = PlaylistUpdate | ConfigurationUpdate | NetworkUpdate | MediaUpdate | MediaFileUpdate

_VALIDATION_TYPE: dict[str, NotificationType] = {
    "playlist": "PLAYLIST_VALIDATION",
    "configuration": "CONFIGURATION_VALIDATION",
    "network": "CONFIGURATION_VALIDATION",
    "media": "MEDIA_VALIDATION",
}


@dataclass(frozen=True)
class ValidationOutcome:
    update: Update | None  # None when rejected
    error: str | None  # the additionalInformation text when rejected
    guid: str | None  # echoed even from a rejected message, when it has one
    site_id: str | None  # None for the kinds that name no site (network, media)
    filename: str | None = None  # a refused one-file media message: its file, when fit

    @property
    def ok(self) -> bool:
        return self.error is None


def validate_update(
    kind: UpdateKind, raw: bytes | Any, *, site_id: str | None = None
) -> ValidationOutcome:
    """Validate a message given as JSON bytes or as already decoded JSON values."""
    message: Any = None
    try:
        with gc_paused():
            message = decode_message(raw) if isinstance(raw, bytes) else raw
            update: Update
            if kind == "playlist":
                update = parse_playlist_update(message, site_id=site_id)
            elif kind == "configuration":
                update = parse_configuration_update(message, site_id=site_id)
            elif kind == "network":
                update = parse_network_update(message)
            else:
                update = parse_any_media_update(message)
    except UpdateRejected as exc:
        # upstream/media.md: the failure names the file; the success does not.
        return ValidationOutcome(None, exc.message, _guid_of(message),
                                 _site(kind, message, site_id), _filename_of(kind, message))
    return ValidationOutcome(update, None, update.guid, _site(kind, message, site_id))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while a message is decoded and checked.

    A month's playlist allocates some 200 000 containers in one burst, none of them
    garbage; each burst trips the collector again and again to find nothing, which
    measured here doubled the decode time and added half to validation. Nothing
    cyclic is freed meanwhile that would not be freed a moment later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validation_notification(
    kind: UpdateKind, outcome: ValidationOutcome, *, now: datetime
) -> Notification:
    """The kind's validation notification, success or failure."""
    return new_notification(
        _VALIDATION_TYPE[kind],
        "success" if outcome.ok else "failure",
        now=now,
        guid=outcome.guid,
        filename=outcome.filename,
        siteId=outcome.site_id,
        additionalInformation=outcome.error,
    )


def _guid_of(message: Any) -> str | None:
    return _echo(message.get("guid")) if isinstance(message, dict) else None


def _site(kind: UpdateKind, message: Any, site_id: str | None) -> str | None:
    """The site a notification names: the terminal's own when given, else the first
    site the message names. Network and media messages name no site, and their
    validation notifications carry none (GSTV's documents)."""
    if kind in ("network", "media"):
        return None
    return site_id or _site_of(kind, message)


def _filename_of(kind: UpdateKind, message: Any) -> str | None:
    if kind != "media" or not isinstance(message, dict) or "media" in message:
        return None
    value = message.get("filename")
    return value if isinstance(value, str) and unsafe_reason(value) is None else None


def _site_of(kind: UpdateKind, message: Any) -> str | None:
    """The first site named in the message, for a notification when the terminal's own
    site was not given."""
    entries = message.get(kind) if isinstance(message, dict) else None
    if isinstance(entries, list) and entries and isinstance(entries[0], dict):
        return _echo(entries[0].get("siteId"))
    return None


def _echo(value: Any) -> str | None:
    """An id from a message that may be invalid, if it is fit to be repeated."""
    if isinstance(value, str) and value.strip() and len(value) <= 1024:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None
