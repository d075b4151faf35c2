"""Media durations and versions, worked out once per file version and remembered
beside the file.

The cache is a small JSON sidecar `.<name>.duration` next to each media file, keyed by
the file's size and modification time: a file replaced by the agent gets probed again,
an unchanged one costs one `stat`. Media names never start with a dot (the validators
refuse them), so a sidecar can never be mistaken for media. A directory we may not
write to just means probing every time.

Beside the duration it keeps the file's version: the MD5 of its bytes, the same digest
GSTV's media updates carry. The site leader announces the version of each file it
plays, so every screen plays the same bytes (player.media_files). It is read once per
file version (a 20 MB clip: about 40 ms here), at the same moment as the probe.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from player.probe import MediaProbe

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


class DurationCache:
    def __init__(self, media_dir: Path, probe: MediaProbe) -> None:
        self._dir = media_dir
        self._probe = probe

    def durations(self, names: Iterable[str]) -> dict[str, int]:
        """Duration in ms of each named file that is present and playable."""
        found = {}
        for name in set(names):
            duration = self.duration_ms(name)
            if duration is not None:
                found[name] = duration
        return found

    def versions(self, names: Iterable[str]) -> dict[str, str]:
        """The MD5 of each named file that is present (and playable)."""
        found = {}
        for name in set(names):
            entry = self._entry(name, md5=True)
            if entry is not None and entry.get("md5"):
                found[name] = entry["md5"]
        return found

    def duration_ms(self, name: str) -> int | None:
        entry = self._entry(name)
        return None if entry is None else entry["duration_ms"]

    def md5(self, name: str) -> str | None:
        entry = self._entry(name, md5=True)
        return None if entry is None else entry.get("md5")

    def _entry(self, name: str, *, md5: bool = False) -> dict | None:
        """The sidecar's entry for the file as it is now, probed (and, with `md5`,
        digested) when the sidecar does not describe it yet."""
        path = self._dir / name
        try:
            stat = path.stat()
        except OSError:
            return None
        key = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        sidecar = self._dir / f".{name}.duration"
        try:
            cached = json.loads(sidecar.read_text())
            if {k: cached.get(k) for k in key} == key and "duration_ms" in cached:
                if cached.get("md5") or not md5:
                    return cached
                entry = {**cached, "md5": _md5(path)}
                self._remember(sidecar, entry)
                return entry
        except (OSError, ValueError, KeyError, AttributeError):
            pass
        entry = {**key, "duration_ms": self._probe.duration_ms(path)}
        if md5:
            entry["md5"] = _md5(path)
        self._remember(sidecar, entry)
        return entry

    @staticmethod
    def _remember(sidecar: Path, entry: dict) -> None:
        temp = sidecar.with_name(sidecar.name + ".tmp")
        try:
            temp.write_text(json.dumps(entry))
            os.replace(temp, sidecar)
        except OSError as exc:
            log.debug("duration_cache_unwritable file=%s error=%s", sidecar.name, exc)


def _md5(path: Path) -> str | None:
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()
