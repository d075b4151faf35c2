"""How far the agent's downloads are, for the technician waiting on a large file.

The agent writes `state_dir/agent/status.json` (atomically, at most once a second and
whenever a download starts or ends) with its pid and the downloads in flight;
`gstv status` reads it (`read_downloads`), so it works whichever process asks and
needs no socket of the agent's. A file left by an agent that died is recognised by
its pid and shown as nothing in flight. On an interactive terminal (`--once` by hand)
the same figures are drawn on one line of stderr.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from scheduler.filenames import shown
from sync_agent.staging import stage_atomically

log = logging.getLogger(__name__)

WRITE_INTERVAL_S = 1.0
DRAW_INTERVAL_S = 0.2


@dataclass
class _Download:
    started: float
    bytes: int = 0
    total: int | None = None


class DownloadProgress:
    def __init__(self, path: Path, *, tty: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._path = path
        self._tty = tty
        self._clock = clock
        self._downloads: dict[str, _Download] = {}
        self._written = self._drawn = float("-inf")

    def __call__(self, name: str, have: int, total: int | None) -> None:
        """A download's progress (sync_agent.media_download's `progress`)."""
        now = self._clock()
        download = self._downloads.get(name)
        if download is None:
            download = self._downloads[name] = _Download(now)
            self._written = float("-inf")  # a start is written at once
        download.bytes, download.total = have, total
        if now - self._written >= WRITE_INTERVAL_S:
            self._write(now)
        if self._tty is not None and now - self._drawn >= DRAW_INTERVAL_S:
            self._drawn = now
            self._tty.write(f"\r{describe(self._entry(name, download, now))}\033[K")
            self._tty.flush()

    def finished(self, name: str) -> None:
        download = self._downloads.pop(name, None)
        if download is None:
            return
        now = self._clock()
        self._write(now)
        if self._tty is not None:
            self._tty.write(f"\r{describe(self._entry(name, download, now))}\033[K\n")
            self._tty.flush()

    def _entry(self, name: str, download: _Download, now: float) -> dict[str, Any]:
        elapsed = now - download.started
        return {"file": name, "bytes": download.bytes, "total": download.total,
                "bytes_per_s": round(download.bytes / elapsed) if elapsed > 0 else None}

    def _write(self, now: float) -> None:
        self._written = now
        state = {"pid": os.getpid(), "updated": time.time(),
                 "downloads": [self._entry(name, d, now)
                               for name, d in self._downloads.items()]}
        try:
            stage_atomically(self._path, json.dumps(state).encode(), durable=False)
        except OSError as exc:  # a full disk must not fail the download itself
            log.debug("download_progress_not_written error=%s", exc.strerror or exc)


def read_downloads(path: Path) -> list[dict[str, Any]]:
    """The downloads in flight according to the agent's status file; none when there
    is no file or the agent that wrote it is gone."""
    try:
        state = json.loads(path.read_text())
        pid = int(state["pid"])
        downloads = list(state["downloads"])
    except (OSError, ValueError, KeyError, TypeError):
        return []
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return []
    except PermissionError:
        pass  # alive, another user's
    return downloads


def describe(entry: dict[str, Any]) -> str:
    """`gstv-sports.mp4 45% (12.0 of 26.7 MB, 3.1 MB/s)`."""
    have, total, rate = entry.get("bytes", 0), entry.get("total"), entry.get("bytes_per_s")
    name = shown(str(entry.get("file")))
    speed = f", {rate / 1e6:.1f} MB/s" if rate else ""
    if total:
        return f"{name} {100 * have // total}% ({have / 1e6:.1f} of {total / 1e6:.1f} MB{speed})"
    return f"{name} ({have / 1e6:.1f} MB{speed})"
