"""Which file on disk a slot plays: the version of a media name the site plays.

Every screen of a site plays the same bytes for a name at the same slot. The site
leader announces, with its inventory, the version (MD5, player.durations) of each file
it plays; a screen plays
- `media/NAME` when that is the version wanted (or no version is announced: a leader
  that predates versions, or a site of one);
- else the earlier version the agent kept when a new one replaced it, `.NAME@MD5`
  (sync_agent.media_store): a screen that got the new file before the leader did
  plays the old one until the site switches;
- else nothing: the slot is a missing file on this screen, as when the file is absent
  (black, in step, logged `slot_version_missing`).
The site switches to a new version when the leader has it: the leader's inventory
changes, and it announces the change for a boundary ahead (player.daemon), exactly as
for a new playlist. The leader plays its own earlier version, from the kept link, until
that boundary too.
"""

from __future__ import annotations

from pathlib import Path

from player.durations import DurationCache
from scheduler.filenames import old_version_name


class MediaFiles:
    def __init__(self, media_dir: Path, cache: DurationCache) -> None:
        self._dir = media_dir
        self._cache = cache

    def path_for(self, name: str, version: str | None) -> Path | None:
        """The file holding `version` of `name` (any version when None), or None."""
        path = self._dir / name
        if version is None or self._cache.md5(name) == version:
            return path
        old = self._dir / old_version_name(name, version)
        return old if old.is_file() else None
