"""Media durations, probed once per file version and remembered beside the file.

The cache is a small JSON sidecar `.<name>.duration` next to each media file, keyed by
the file's size and modification time: a file replaced by the agent gets probed again,
an unchanged one costs one `stat`. Media names never start with a dot (the validators
refuse them), so a sidecar can never be mistaken for media. A directory we may not
write to just means probing every time.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from player.probe import MediaProbe

log = logging.getLogger(__name__)


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

    def duration_ms(self, name: str) -> int | None:
        path = self._dir / name
        try:
            stat = path.stat()
        except OSError:
            return None
        key = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        sidecar = self._dir / f".{name}.duration"
        try:
            cached = json.loads(sidecar.read_text())
            if {k: cached.get(k) for k in key} == key:
                return cached["duration_ms"]
        except (OSError, ValueError, KeyError, AttributeError):
            pass
        duration = self._probe.duration_ms(path)
        self._remember(sidecar, {**key, "duration_ms": duration})
        return duration

    @staticmethod
    def _remember(sidecar: Path, entry: dict) -> None:
        temp = sidecar.with_name(sidecar.name + ".tmp")
        try:
            temp.write_text(json.dumps(entry))
            os.replace(temp, sidecar)
        except OSError as exc:
            log.debug("duration_cache_unwritable file=%s error=%s", sidecar.name, exc)
