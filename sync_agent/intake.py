"""Where updates come from: the cloud's update feed and the drop folder. Both feed one
`UpdateQueue` (sync_agent.update_queue).

Cloud: `GET /sites/{siteId}/updates?cursor=C`. Every update received is queued on disk
first; only then is the new cursor written (atomically) to `agent/cursor`, so a
restart between the two re-reads updates already queued at worst (the queue keeps
their cloud id, and `poll_once` skips ids it holds), never loses one. A full state
disk fails the poll the same way: nothing moves, the next poll asks again.

Drop folder (`state_dir/inbox/`, watched with watchdog): local software puts update
JSON files (`*.json`) and media files there. A JSON file is queued and then removed;
a media file with a safe name is moved into the media directory (a rename: the inbox
lives on the state disk, so it appears there whole or not at all); an unsafe name is
moved to `inbox/rejected/` and logged. Files whose names start with a dot are ignored
while the software writing them is still at it (write to `.name`, rename to `name`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

import httpx
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from scheduler.filenames import shown, unsafe_reason
from sync_agent.errors import FeedTooLarge
from sync_agent.staging import stage_atomically
from sync_agent.update_queue import KINDS, UpdateQueue, kind_of
from terminal.cloud_contact import POLL_DEADLINE_S

log = logging.getLogger(__name__)

MAX_INBOX_FILE_BYTES = 64 << 20
# A hostile or broken cloud (bench/reliability.py): a feed is read within this long
# and up to this size, whatever the server does (a slow trickle, an endless body).
# httpx follows no redirect: a 3xx fails the poll like any other non-2xx answer.
MAX_FEED_BYTES = 64 << 20


class CloudPoller:
    def __init__(self, client: httpx.AsyncClient, site_id: str, queue: UpdateQueue,
                 cursor_path: Path) -> None:
        self._client = client
        self._site_id = site_id
        self._queue = queue
        self._cursor_path = cursor_path

    async def _fetch_feed(self) -> bytes:
        """The feed's body, read as it comes and cut off past `MAX_FEED_BYTES`."""
        async with self._client.stream("GET", f"/sites/{self._site_id}/updates",
                                       params={"cursor": self.cursor}) as response:
            response.raise_for_status()
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FeedTooLarge
            return bytes(body)

    @property
    def cursor(self) -> str:
        try:
            return self._cursor_path.read_text().strip() or "0"
        except FileNotFoundError:
            return "0"

    async def poll_once(self) -> int | None:
        """Queue what the cloud has after our cursor; how many, or None on failure."""
        try:
            async with asyncio.timeout(POLL_DEADLINE_S):
                feed = json.loads(await self._fetch_feed())
            updates, cursor = feed["updates"], str(feed["cursor"])
            if not isinstance(updates, list):
                raise ValueError("updates is not a list")
        except httpx.HTTPStatusError as exc:  # 401: the token; 5xx: the cloud; 3xx: never
            log.warning("poll_failed status=%d", exc.response.status_code)
            return None
        except FeedTooLarge:
            log.warning("poll_failed error=feed_too_large limit_bytes=%d", MAX_FEED_BYTES)
            return None
        except TimeoutError:
            log.warning("poll_failed error=no_whole_answer deadline_s=%d", POLL_DEADLINE_S)
            return None
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("poll_failed error=%s", type(exc).__name__)
            return None
        count = 0
        try:
            for update in updates:
                if not isinstance(update, dict):
                    update = {"body": update}
                source = f"cloud:{update.get('id', '?')}"
                if "id" in update and self._queue.holds(source):
                    continue  # queued before a crash kept the cursor from moving
                kind = update.get("kind")
                body = update.get("body")
                self._queue.put(kind if kind in KINDS else kind_of(body), body, source)
                count += 1
            stage_atomically(self._cursor_path, cursor.encode())
        except OSError as exc:
            # A full state disk: what is queued stays queued, the cursor stays where it
            # was, and the next poll asks again (and skips what it holds).
            log.error("updates_not_queued queued=%d error=%s", count, exc.strerror or exc)
            return None
        if count:
            log.info("updates_received count=%d cursor=%s", count, cursor)
        return count


class Inbox:
    def __init__(self, directory: Path, media: Path, queue: UpdateQueue) -> None:
        self.directory = directory
        self._media = media
        self._queue = queue
        self.directory.mkdir(parents=True, exist_ok=True)
        self._observer: Observer | None = None

    def scan(self) -> int:
        """Take everything in the drop folder now; how many files were taken."""
        taken = 0
        for path in sorted(self.directory.iterdir()):
            if path.name.startswith(".") or not path.is_file():
                continue
            taken += 1
            if path.suffix.lower() == ".json":
                self._take_update(path)
            else:
                self._take_media(path)
        return taken

    def _take_update(self, path: Path) -> None:
        try:
            if path.stat().st_size > MAX_INBOX_FILE_BYTES:
                raise ValueError("larger than 64 MiB")
            raw = path.read_bytes()
        except (OSError, ValueError) as exc:
            log.error("inbox_file_unreadable file=%s error=%s", shown(path.name), exc)
            self._reject(path)
            return
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            body = raw.decode("utf-8", "replace")  # its rejection will be notified
        try:
            self._queue.put(kind_of(body), body, f"inbox:{path.name}")
        except OSError as exc:  # a full disk: the file stays in the inbox for later
            log.error("inbox_update_not_queued file=%s error=%s", shown(path.name),
                      exc.strerror or exc)
            return
        path.unlink(missing_ok=True)
        log.info("inbox_update_queued file=%s", shown(path.name))

    def _take_media(self, path: Path) -> None:
        if (reason := unsafe_reason(path.name)) is not None:
            log.error("inbox_media_refused file=%s reason=%s", shown(path.name), reason)
            self._reject(path)
            return
        self._media.mkdir(parents=True, exist_ok=True)
        os.replace(path, self._media / path.name)
        log.info("inbox_media_taken file=%s", shown(path.name))

    def _reject(self, path: Path) -> None:
        rejected = self.directory / "rejected"
        rejected.mkdir(exist_ok=True)
        os.replace(path, rejected / f"{path.name}")

    # -- watching -----------------------------------------------------------------------
    def watch(self, loop: asyncio.AbstractEventLoop, wake: asyncio.Event) -> None:
        """Set `wake` (from the event loop) whenever something lands in the folder."""
        inbox = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if Path(str(event.src_path)).parent == inbox.directory or \
                        Path(str(getattr(event, "dest_path", "") or "")).parent == inbox.directory:
                    loop.call_soon_threadsafe(wake.set)

        self._observer = Observer()
        self._observer.schedule(Handler(), str(self.directory), recursive=False)
        self._observer.start()

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
