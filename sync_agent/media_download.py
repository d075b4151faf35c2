"""Downloading one media file into `state_dir/media/`, safely for the player beside it.

- The bytes go to a hidden partial file (`.NAME.partial`): the player never opens a
  name starting with a dot (scheduler.filenames refuses them as media names), so a
  half-downloaded file is never visible to it.
- A partial file left by an earlier attempt (or a killed agent) is resumed with an
  HTTP Range request; a server that ignores the Range (200) starts it over.
- When complete: the size is checked against the server's, and its `sha256` header
  when it sends one; a mismatch deletes the partial file (the next attempt starts
  clean). Then fsync and an atomic rename onto the real name: a player already
  showing the old version keeps its open file (the rename replaces the directory
  entry, not the data under an open descriptor).
- A full disk (ENOSPC) or any write error removes the partial file and fails the
  attempt; existing media are never touched before the rename.
- What a hostile or broken cloud (or a captive portal on the site's link) can do to a
  download is bounded (tests/sync_agent/test_hostile_cloud.py):
  - an answer that does not say its size (no Content-Length or Content-Range total)
    is refused before a byte is written, so a body without end cannot fill the disk;
    more bytes than the size said end the attempt;
  - a size that would leave less than `DISK_RESERVE_BYTES` (or a twentieth of a small
    disk) free on the state disk is refused up front: the outbox beside the media
    keeps room for POP;
  - a text, JSON or XML answer (a portal's login page, an error document) is refused
    rather than stored under a media name;
  - a trickle (slow-loris) ends the attempt when less than `STALL_BYTES` came in a
    `STALL_WINDOW_S` stretch; the read timeout ends a silence. The partial file is
    kept, so a slow but honest link resumes where it was;
  - redirects are not followed (httpx's default, kept on purpose): "HTTP 302".
- With `place=False` the whole, checked file is left as the partial file for the caller
  to check further and put in place itself (the media procedure: its MD5 first, then
  sync_agent.media_store keeps the version it replaces).
- `download` makes `ATTEMPTS` attempts with capped exponential backoff and jitter
  between them (sync_agent.backoff), and says which error ended the last one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from scheduler.filenames import unsafe_reason
from sync_agent.backoff import retry_delay
from sync_agent.errors import DownloadError

log = logging.getLogger(__name__)

ATTEMPTS = 3
CHUNK = 256 * 1024
DISK_RESERVE_BYTES = 64 * 1024 * 1024
# 64 KiB a minute is about 9 kbit/s: a slower link is broken, not slow.
STALL_BYTES = 64 * 1024
STALL_WINDOW_S = 60.0

Progress = Callable[[str, int, int | None], None]  # name, bytes so far, total


@dataclass(frozen=True)
class DownloadResult:
    ok: bool
    attempts: int
    error: str | None = None


def partial_path(media: Path, name: str) -> Path:
    return media / f".{name}.partial"


async def download(client: httpx.AsyncClient, media: Path, name: str, *,
                   rng: random.Random | None = None, base_delay_s: float = 1.0,
                   progress: Progress | None = None, place: bool = True) -> DownloadResult:
    """Fetch `name` into `media` (or, with `place=False`, into its partial file); up to
    `ATTEMPTS` attempts."""
    if (reason := unsafe_reason(name)) is not None:
        return DownloadResult(False, 0, f"file name {reason}")
    rng = rng or random.Random()
    error = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await _attempt(client, media, name, progress, place)
            log.info("media_downloaded file=%s attempts=%d", name, attempt)
            return DownloadResult(True, attempt)
        except (httpx.HTTPError, DownloadError, OSError) as exc:
            error = _describe(exc)
            log.warning("media_download_failed file=%s attempt=%d error=%s", name, attempt,
                        error)
        if attempt < ATTEMPTS:
            await asyncio.sleep(retry_delay(attempt, rng=rng, base_s=base_delay_s))
    log.error("media_download_gave_up file=%s attempts=%d error=%s", name, ATTEMPTS, error)
    return DownloadResult(False, ATTEMPTS, error)


async def _attempt(client: httpx.AsyncClient, media: Path, name: str,
                   progress: Progress | None, place: bool) -> None:
    media.mkdir(parents=True, exist_ok=True)
    partial = partial_path(media, name)
    have = partial.stat().st_size if partial.exists() else 0
    # identity: the sizes, ranges and digest are of the file's own bytes, never of a
    # compressed form a proxy might otherwise choose to send.
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        async with client.stream("GET", f"/media/{name}", headers=headers) as response:
            if response.status_code == 416 and have:
                # The partial is already whole (or longer): check it from scratch.
                total, digest = have, None
            else:
                if response.status_code == 200:
                    have = 0  # no resume: the whole file comes
                elif response.status_code != 206:
                    raise DownloadError(f"HTTP {response.status_code}")
                total = _total(response, have)
                _check_answer(response, media, have, total)
                digest = response.headers.get("sha256")
                window = _StallWatch()
                with open(partial, "ab" if have else "wb") as f:
                    async for chunk in response.aiter_bytes():  # as it arrives
                        f.write(chunk)
                        have += len(chunk)
                        if have > total:
                            partial.unlink()
                            raise DownloadError(f"more than the {total} bytes announced")
                        window.arrived(len(chunk))
                        if progress:
                            progress(name, have, total)
                    f.flush()
                    os.fsync(f.fileno())
    except OSError:
        partial.unlink(missing_ok=True)  # a full disk: nothing half-written stays
        raise
    size = partial.stat().st_size
    if size != total:  # short: kept to resume (longer was refused as it came)
        raise DownloadError(f"got {size} of {total} bytes")
    if digest is not None and _sha256(partial) != digest.lower():
        partial.unlink(missing_ok=True)
        raise DownloadError("sha256 does not match")
    if not place:
        return
    os.replace(partial, media / name)
    directory = os.open(media, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _check_answer(response: httpx.Response, media: Path, have: int, total: int | None) -> None:
    """Refuse, before a byte is written, an answer that is not a file we can take."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind.startswith("text/") or (kind.startswith("application/") and
                                    kind.endswith(("json", "xml"))):
        raise DownloadError(f"the cloud answered {kind}, not media")
    if total is None:
        raise DownloadError("the answer does not say its size")
    disk = shutil.disk_usage(media)
    reserve = min(DISK_RESERVE_BYTES, disk.total // 20)
    if total - have > disk.free - reserve:
        raise DownloadError(f"no room: {total - have} bytes to come, {disk.free} free "
                            f"(keeping {reserve} for the outbox)")


class _StallWatch:
    """Fails a download that trickles: less than `STALL_BYTES` in `STALL_WINDOW_S`."""

    def __init__(self) -> None:
        self._since = time.monotonic()
        self._bytes = 0

    def arrived(self, count: int) -> None:
        self._bytes += count
        elapsed = time.monotonic() - self._since
        if elapsed < STALL_WINDOW_S:
            return
        if self._bytes < STALL_BYTES:
            raise DownloadError(f"stalled: {self._bytes} bytes in {elapsed:.0f} s")
        self._since, self._bytes = time.monotonic(), 0


def _total(response: httpx.Response, start: int) -> int | None:
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return start + int(length) if length and length.isdigit() else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{os.strerror(exc.errno)} (errno {exc.errno})"
    return str(exc) or type(exc).__name__
