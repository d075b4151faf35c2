"""The media update message.

The seeds speak of "media update notifications" but never define one, so this is ours
(DESIGN.md, cloud contract, kind `media`): the files a site should hold, each optionally
with the size and SHA-256 the agent verifies after download.

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
    guid: str
    updatedOn: UtcTimestamp
    media: tuple[MediaFile, ...]
