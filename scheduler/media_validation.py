"""Validation of the two media update messages (scheduler.media).

GSTV's one-file form, with `upstream/media.md`'s texts: "GUID is Missing", "Updated
On is Missing", "Checksum is Missing". Order: `guid`, `updatedOn`, `filename`,
`checksum`. Where the document has no text, ours in the seeds' style: "Media Filename
is Missing", "Media Filename is Missing Extension - {filename}", "Checksum is
Incorrectly Formatted for {filename}" (an MD5 is 32 hexadecimal digits), "Updated On
is Incorrectly Formatted".

Our own list form: `guid`, `updatedOn`, `media`, then each file: `filename`, `size`,
`sha256`, with texts of the same style.
"""

from __future__ import annotations

import re
from typing import Any

from scheduler import limits
from scheduler.media import MediaFile, MediaFileUpdate, MediaUpdate, is_file_update
from scheduler.reading import absent, array, filename, header, objects, reject, top_object

_MD5 = re.compile(r"[0-9a-fA-F]{32}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_MISSING = "The Media Structure is Missing Information"


def parse_any_media_update(message: Any) -> MediaFileUpdate | MediaUpdate:
    """Either form, told apart by its shape."""
    return parse_media_file_update(message) if is_file_update(message) \
        else parse_media_update(message)


def parse_media_file_update(message: Any) -> MediaFileUpdate:
    """GSTV's one-file message, or `UpdateRejected` with the first defect's text."""
    msg = top_object(message)
    guid, updated_on = header(msg)
    name = _filename(msg)
    if absent(msg, "checksum"):
        reject("Checksum is Missing")
    checksum = msg["checksum"]
    if not isinstance(checksum, str) or _MD5.fullmatch(checksum) is None:
        reject(f"Checksum is Incorrectly Formatted for {name}")
    return MediaFileUpdate(guid=guid, updatedOn=updated_on, filename=name,
                           checksum=checksum.lower())


def parse_media_update(message: Any) -> MediaUpdate:
    """Our list message, or `UpdateRejected` with the first defect's text."""
    msg = top_object(message)
    guid, updated_on = header(msg)
    if absent(msg, "media"):
        reject(_MISSING)
    raw_files = array(msg["media"], "The Media Structure", limits.MAX_MEDIA_FILES, missing=_MISSING)
    objects(raw_files, "The Media Structure", _MISSING)
    return MediaUpdate(guid=guid, updatedOn=updated_on, media=tuple(_file(f) for f in raw_files))


def _filename(raw: dict[str, Any]) -> str:
    if absent(raw, "filename"):
        reject("Media Filename is Missing")
    return filename(raw["filename"], "Media Filename",
                    "Media Filename is Missing Extension - {filename}")


def _file(raw: dict[str, Any]) -> MediaFile:
    name = _filename(raw)
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
