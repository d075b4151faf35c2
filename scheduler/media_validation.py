"""Validation of our media update message (see `scheduler.media`).

Order: `guid`, `updatedOn`, `media`, then each file: `filename`, `size`, `sha256`.
The texts follow the seeds' style; the seeds define none for this message.
"""

from __future__ import annotations

import re
from typing import Any

from scheduler import limits
from scheduler.media import MediaFile, MediaUpdate
from scheduler.reading import absent, array, filename, header, objects, reject, top_object

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_MISSING = "The Media Structure is Missing Information"


def parse_media_update(message: Any) -> MediaUpdate:
    """The checked update, or `UpdateRejected` with the first defect's text."""
    msg = top_object(message)
    guid, updated_on = header(msg)
    if absent(msg, "media"):
        reject(_MISSING)
    raw_files = array(msg["media"], "The Media Structure", limits.MAX_MEDIA_FILES, missing=_MISSING)
    objects(raw_files, "The Media Structure", _MISSING)
    return MediaUpdate(guid=guid, updatedOn=updated_on, media=tuple(_file(f) for f in raw_files))


def _file(raw: dict[str, Any]) -> MediaFile:
    if absent(raw, "filename"):
        reject("Media Filename is Missing")
    name = filename(raw["filename"], "Media Filename", "Media Filename is Missing Extension - {filename}")
    size = raw.get("size")
    if size is not None and (
        isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= limits.MAX_MEDIA_BYTES
    ):
        reject(f"Media Size Incorrectly Formatted for {name}")
    digest = raw.get("sha256")
    if digest is not None:
        if not isinstance(digest, str) or _SHA256.fullmatch(digest) is None:
            reject(f"Media Checksum Incorrectly Formatted for {name}")
        digest = digest.lower()
    return MediaFile(filename=name, size=size, sha256=digest)
