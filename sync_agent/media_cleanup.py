"""Deleting media that nothing references any more, after a grace period, so that a
terminal's disk does not fill with last year's campaigns.

What counts as referenced: every file named (`filename`, `blankoutVideo`,
`swapFilename`) anywhere in the staged playlist, site and network configuration
(`active/`), and in every update still waiting in the queue (a playlist about to be
applied must not lose its media to the sweep).

Decisions:
- The grace period (`[agent] media_grace_h`, default 24 h) runs from the sweep that
  first found the file unreferenced; that moment is kept in `agent/unreferenced.json`
  so a restart does not restart the clock. A file referenced again leaves the list.
  The grace covers a player still showing an asset of the playlist just replaced (it
  switches at the next slot boundary) and a playlist re-sent shortly after.
  Media pushed by a media update ahead of their playlist count as unreferenced too:
  the playlist must name them within the grace period (the seeds name no holding
  time for them; a longer grace is one configuration key away).
- Partial downloads (`.NAME.partial`) of files nothing references go the same way;
  those of referenced files are kept for resuming.
- Earlier versions of replaced files (`.NAME@MD5`, sync_agent.media_store) are never
  referenced by name: each goes the grace period after the sweep first saw it, by
  which time the site has long switched to the new version.
- A deleted file leaves the media record too.
- When a staged file cannot be read as JSON, nothing is deleted in that sweep: an
  unreadable playlist would otherwise make every file look unused. (A queued message
  that is not JSON names nothing; it will be rejected.)
- Other hidden files, directories and files with names the player would never open
  are left alone: the sweep deletes only what the agent itself could have put there.
- `sweep` is pure (names and times in, decisions out); `MediaCleaner` does the I/O.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.filenames import parse_old_version, shown, unsafe_reason
from sync_agent.errors import Unreadable
from sync_agent.media_store import MediaStore
from sync_agent.staging import stage_atomically

log = logging.getLogger(__name__)

NAME_KEYS = ("filename", "blankoutVideo", "blankoutvideo", "swapFilename")
STAGED = ("playlist.json", "config.json", "network.json")


def named_files(message: Any) -> set[str]:
    """Every file a message names, wherever it sits in it."""
    found: set[str] = set()
    stack = [message]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in NAME_KEYS and isinstance(value, str):
                    found.add(value)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


@dataclass(frozen=True)
class SweepResult:
    delete: tuple[str, ...]
    unreferenced_since: dict[str, float]  # the new list to keep
    newly_unreferenced: tuple[str, ...]


def owner_of(name: str) -> str | None:
    """The media name a directory entry belongs to, or None when the sweep must leave
    it alone."""
    if parse_old_version(name) is not None:
        return name  # its own owner: no message names it, so it goes after the grace
    if name.startswith(".") and name.endswith(".partial"):
        name = name[1:-len(".partial")]
    return name if unsafe_reason(name) is None else None


def sweep(present: Iterable[str], referenced: set[str], since: dict[str, float], *,
          now_s: float, grace_s: float) -> SweepResult:
    """Which of the `present` directory entries to delete now, given when each was
    first seen unreferenced (`since`)."""
    kept: dict[str, float] = {}
    delete, new = [], []
    for entry in sorted(present):
        owner = owner_of(entry)
        if owner is None or owner in referenced:
            continue
        first = since.get(entry)
        if first is None:
            first = now_s
            new.append(entry)
        if now_s - first >= grace_s:
            delete.append(entry)
        else:
            kept[entry] = first
    return SweepResult(tuple(delete), kept, tuple(new))


class MediaCleaner:
    def __init__(self, media: Path, active_dir: Path, state_path: Path, *,
                 grace_s: float) -> None:
        self._media = media
        self._active = active_dir
        self._state_path = state_path
        self._grace_s = grace_s
        # The names each staged file holds, by its (mtime, size): a month's playlist is
        # megabytes of JSON, read again only when the agent staged a new one.
        self._staged_names: dict[str, tuple[tuple[int, int], set[str]]] = {}

    def run(self, queued_bodies: Iterable[Any], now_s: float) -> list[str]:
        """One sweep; the names deleted."""
        try:
            referenced = self._referenced(queued_bodies)
        except Unreadable as exc:
            log.error("media_cleanup_skipped reason=%s", exc)
            return []
        try:
            present = [entry.name for entry in os.scandir(self._media) if entry.is_file()]
        except FileNotFoundError:
            return []
        since = self._since()
        result = sweep(present, referenced, since, now_s=now_s, grace_s=self._grace_s)
        for name in result.newly_unreferenced:
            log.info("media_unreferenced file=%s delete_in_h=%.1f", shown(name),
                     self._grace_s / 3600)
        deleted = []
        for name in result.delete:
            try:
                (self._media / name).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.error("media_delete_failed file=%s error=%s", shown(name),
                          exc.strerror or exc)
                continue
            deleted.append(name)
            if unsafe_reason(name) is None:
                try:
                    MediaStore(self._media).forget(name)
                except OSError as exc:
                    log.error("media_record_not_saved error=%s", exc.strerror or exc)
            log.info("media_deleted file=%s reason=%s", shown(name),
                     "earlier_version" if parse_old_version(name) else "unreferenced")
        if result.unreferenced_since != since:
            try:
                stage_atomically(self._state_path,
                                 json.dumps(result.unreferenced_since).encode())
            except OSError as exc:  # a full disk: the grace restarts, nothing worse
                log.error("media_cleanup_state_not_saved error=%s", exc.strerror or exc)
        return deleted

    def _referenced(self, queued_bodies: Iterable[Any]) -> set[str]:
        names: set[str] = set()
        for staged in STAGED:
            names |= self._named_in_staged(staged)
        for body in queued_bodies:
            if isinstance(body, str):  # a queued message that is not JSON
                try:
                    body = json.loads(body)
                except ValueError:
                    continue
            names |= named_files(body)
        return names

    def _named_in_staged(self, staged: str) -> set[str]:
        path = self._active / staged
        try:
            info = path.stat()
            version = (info.st_mtime_ns, info.st_size)
            cached = self._staged_names.get(staged)
            if cached is not None and cached[0] == version:
                return cached[1]
            raw = path.read_bytes()
        except FileNotFoundError:
            return set()
        except OSError as exc:
            raise Unreadable(f"{staged}: {exc.strerror or exc}") from exc
        try:
            names = named_files(json.loads(raw))
        except ValueError as exc:
            raise Unreadable(f"{staged} is not JSON") from exc
        self._staged_names[staged] = (version, names)
        return names

    def _since(self) -> dict[str, float]:
        try:
            data = json.loads(self._state_path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: float(v) for k, v in data.items() if isinstance(v, (int, float))}
