"""The two media update messages a terminal takes.

GSTV's, defined by its later document (`shared/seeds/upstream/media.md`): one file per
message, with the MD5 of its bytes. A file sent again under a name the terminal already
holds replaces it (sync_agent.media_procedure):

```json
{"guid": "...", "updatedOn": "2026-11-30 09:00:00.000",
 "filename": "acme-coffee-15s.webm", "checksum": "<32 hex>"}
```

The project's own, from before GSTV's document was known (still accepted; the shape
tells them apart: ours has a `media` array): the files a site should hold, each
optionally with the size and SHA-256 the agent verifies after download.

```json
{"guid": "...", "updatedOn": "2026-11-23 08:00:00.000",
 "media": [{"filename": "clip.mp4", "size": 1048576, "sha256": "<64 hex>"}]}
```
"""

from __future__ import annotations

from scheduler.types import Frozen, UtcTimestamp


class MediaFile(Frozen):
    filename: str
    size: int | None = None
    sha256: str | None = None  # lower-case hex


class MediaUpdate(Frozen):
    """The project's own form: a list of files."""

    guid: str
    updatedOn: UtcTimestamp
    media: tuple[MediaFile, ...]


class MediaFileUpdate(Frozen):
    """GSTV's form: one file and its MD5."""

    guid: str
    updatedOn: UtcTimestamp
    filename: str
    checksum: str  # MD5, lower-case hex


def is_file_update(message: object) -> bool:
    """GSTV's one-file form, rather than ours (which has a `media` array)."""
    return not (isinstance(message, dict) and "media" in message)
