"""The terminal's media directory as the agent keeps it: files placed whole, earlier
versions kept while the site may still play them, and a record of what arrived when.

`state_dir/media/.record.json` (hidden: never a media name) holds, per file the agent
placed: the MD5 of its bytes, their size and modification time (so an entry that no
longer describes the file on disk is ignored), when the agent finished writing it
(`received_ms`, epoch ms), and the `updatedOn` and `guid` of the media update that
brought it. The media procedure refuses an update older than the one in force for a
file name by this record; the player reads receive times from it.

A new version of a file already at the terminal replaces it under its own name, so
`media/NAME` is always the newest version this terminal holds. The version it
replaces is kept first, as a hard link `.NAME@MD5` (scheduler.filenames): screens
switch to a new version together, when the site leader has it (player.media_files),
and until then this screen may still have to play the old one. The old link is swept
like any unreferenced file, `[agent] media_grace_h` after it was made
(sync_agent.media_cleanup). A link costs no space while the new version downloads;
the old bytes stay on disk until the sweep.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from scheduler.filenames import old_version_name
from sync_agent.staging import stage_atomically

log = logging.getLogger(__name__)

RECORD = ".record.json"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Received:
    md5: str
    size: int
    mtime_ns: int
    received_ms: int
    updated_on: str | None = None  # the media update's, as its notification writes it
    guid: str | None = None


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_record(media: Path) -> dict[str, Received]:
    """Every entry of the record, as written (whether it still describes its file or
    not: see `MediaStore.entry`). An unreadable record is an empty one."""
    try:
        raw = json.loads((media / RECORD).read_text())
        return {name: Received(**entry) for name, entry in raw["files"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def received_times(media: Path, names) -> dict[str, int]:
    """When each of `names` present in `media` was received (epoch ms): the record's
    time while its entry still describes the file, else the file's modification time
    (a file the agent did not place, or placed before the record existed). What the
    player's evergreen swaps count from (scheduler.timeline)."""
    record = read_record(media)
    times: dict[str, int] = {}
    for name in names:
        try:
            stat = (media / name).stat()
        except OSError:
            continue
        entry = record.get(name)
        if entry is not None and (entry.size, entry.mtime_ns) == (stat.st_size,
                                                                  stat.st_mtime_ns):
            times[name] = entry.received_ms
        else:
            times[name] = stat.st_mtime_ns // 1_000_000
    return times


class MediaStore:
    def __init__(self, media: Path) -> None:
        self._media = media

    def entry(self, name: str) -> Received | None:
        """What the record says of `name`, if it still describes the file on disk."""
        received = read_record(self._media).get(name)
        try:
            stat = (self._media / name).stat()
        except OSError:
            return None
        if received is None or (received.size, received.mtime_ns) != (stat.st_size,
                                                                       stat.st_mtime_ns):
            return None
        return received

    def md5(self, name: str) -> str | None:
        """The MD5 of `media/NAME` now: from the record, else read from the file."""
        received = self.entry(name)
        if received is not None:
            return received.md5
        try:
            return md5_of(self._media / name)
        except OSError:
            return None

    def place(self, source: Path, name: str, *, md5: str, now_ms: int,
              updated_on: str | None = None, guid: str | None = None) -> None:
        """Put the whole, checked file `source` (in the media directory) in place as
        `name`, keeping the version it replaces, and record it. OSError when the disk
        refuses; the file in force is then untouched."""
        target = self._media / name
        if target.exists():
            self._keep_old(name, md5)
        os.replace(source, target)
        _fsync_dir(self._media)
        stat = target.stat()
        self._write(name, Received(md5=md5, size=stat.st_size, mtime_ns=stat.st_mtime_ns,
                                   received_ms=now_ms, updated_on=updated_on, guid=guid))

    def note(self, name: str, *, md5: str, updated_on: str | None, guid: str | None) -> None:
        """A media update for the bytes already in place (`md5`): its `updatedOn` is in
        force. A file the record did not know counts as received when it was written."""
        received = self.entry(name)
        if received is None:
            stat = (self._media / name).stat()
            received = Received(md5=md5, size=stat.st_size, mtime_ns=stat.st_mtime_ns,
                                received_ms=stat.st_mtime_ns // 1_000_000)
        self._write(name, Received(**{**asdict(received), "updated_on": updated_on,
                                      "guid": guid}))

    def forget(self, name: str) -> None:
        record = read_record(self._media)
        if record.pop(name, None) is not None:
            self._save(record)

    def _keep_old(self, name: str, new_md5: str) -> None:
        old = self.md5(name)
        if old is None or old == new_md5:
            return
        link = self._media / old_version_name(name, old)
        try:
            if not link.exists():
                os.link(self._media / name, link)
        except OSError as exc:  # a name too long for a link, a file system without links
            log.warning("media_old_version_not_kept file=%s error=%s", name,
                        exc.strerror or exc)

    def _write(self, name: str, received: Received) -> None:
        record = read_record(self._media)
        record[name] = received
        self._save(record)

    def _save(self, record: dict[str, Received]) -> None:
        stage_atomically(self._media / RECORD, json.dumps(
            {"files": {n: asdict(r) for n, r in sorted(record.items())}}).encode())


def _fsync_dir(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
