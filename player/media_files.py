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

A media update may land at any moment: the agent renames `NAME` to `.NAME@MD5` and puts
the new bytes under `NAME`. A name resolved a moment before libVLC opens it (libVLC
opens on its own thread, later) can therefore give the new bytes one slot early, on
this screen only. So a slot's file is opened here (`open_version`), checked to be the
version still, and libVLC is handed that open file (`/proc/self/fd/N`: a new
descriptor of the same inode, whatever is renamed meanwhile).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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

    def open_version(self, name: str, version: str | None) -> OpenedVersion | None:
        """`version` of `name` opened, or None when this screen lacks it. The file
        opened is the one the name still resolves to afterwards (same inode): an update
        that landed in between is seen, and the name resolved again."""
        for _ in range(OPEN_TRIES):
            path = self.path_for(name, version)
            if path is None:
                return None
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                continue  # renamed between the two: resolve again
            try:
                same = self.path_for(name, version) == path and \
                    os.stat(path).st_ino == os.fstat(fd).st_ino
            except OSError:
                same = False
            if same:
                return OpenedVersion(path, fd)
            os.close(fd)
        return None


OPEN_TRIES = 3  # updates of one name follow each other seconds apart, never faster


@dataclass
class OpenedVersion:
    """A version of a media file, open: `path` names it (logs, POP), `source` is what
    libVLC opens. Closed once libVLC has opened its own descriptor (its preroll)."""

    path: Path
    fd: int

    @property
    def source(self) -> str:
        return f"/proc/self/fd/{self.fd}"

    def close(self) -> None:
        os.close(self.fd)
