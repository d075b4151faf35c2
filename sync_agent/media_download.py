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
- `download` makes `ATTEMPTS` attempts with capped exponential backoff and jitter
  between them (sync_agent.backoff), and says which error ended the last one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from scheduler.filenames import unsafe_reason
from sync_agent.backoff import retry_delay

log = logging.getLogger(__name__)

ATTEMPTS = 3
CHUNK = 256 * 1024

Progress = Callable[[str, int, int | None], None]  # name, bytes so far, total


@dataclass(frozen=True)
class DownloadResult:
    ok: bool
    attempts: int
    error: str | None = None


class DownloadError(Exception):
    pass


def partial_path(media: Path, name: str) -> Path:
    return media / f".{name}.partial"


async def download(client: httpx.AsyncClient, media: Path, name: str, *,
                   rng: random.Random | None = None, base_delay_s: float = 1.0,
                   progress: Progress | None = None) -> DownloadResult:
    """Fetch `name` into `media`; up to `ATTEMPTS` attempts."""
    if (reason := unsafe_reason(name)) is not None:
        return DownloadResult(False, 0, f"file name {reason}")
    rng = rng or random.Random()
    error = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await _attempt(client, media, name, progress)
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
                   progress: Progress | None) -> None:
    media.mkdir(parents=True, exist_ok=True)
    partial = partial_path(media, name)
    have = partial.stat().st_size if partial.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
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
                digest = response.headers.get("sha256")
                with open(partial, "ab" if have else "wb") as f:
                    async for chunk in response.aiter_bytes():  # as it arrives
                        f.write(chunk)
                        have += len(chunk)
                        if progress:
                            progress(name, have, total)
                    f.flush()
                    os.fsync(f.fileno())
    except OSError:
        partial.unlink(missing_ok=True)  # a full disk: nothing half-written stays
        raise
    size = partial.stat().st_size
    if total is not None and size != total:
        if size > total:
            partial.unlink(missing_ok=True)
        raise DownloadError(f"got {size} of {total} bytes")
    if digest is not None and _sha256(partial) != digest.lower():
        partial.unlink(missing_ok=True)
        raise DownloadError("sha256 does not match")
    os.replace(partial, media / name)
    directory = os.open(media, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


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
