"""The agent's queue of updates still to process, on disk, in the order the overview
seed asks for (seed 000, "Update Notification Processing Order").

Durability: an update is written to `state_dir/agent/queue/` (atomically, see
sync_agent.staging) before the cloud cursor that delivered it is moved on, and its file
is removed only once it has been processed. A restart therefore neither loses an update
(it is in the queue) nor repeats one the cursor already passed (the cursor moved after
the queue held it). An update found in the drop folder is queued, then its inbox file
removed.

Order: configuration updates first, the site's and the network's (they "are processed
as they arrive"), then media updates, then playlist updates ("media update notifications should be processed before
playlist update notifications"); within a kind, in arrival order. A playlist update
already being processed is not interrupted: the worker takes one update at a time and
asks for the next only when it is done, so media that arrive meanwhile wait for it.

The kind of a message from the drop folder is read from its shape: a `playlist` key; a
`configuration` key, whose object is the network's when it has no `siteId` and carries
`shutdownHours` or `evergreen` (scheduler.network_validation), else a site's; a `media`
array (our form) or a `filename` or `checksum` (GSTV's one-file form). A file that is
none of these is still queued as `unknown` so that its rejection is notified like any
other bad message.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.network_validation import is_network_configuration
from sync_agent.staging import stage_atomically

log = logging.getLogger(__name__)

PRIORITY = {"configuration": 0, "network": 0, "media": 1, "playlist": 2, "unknown": 3}
KINDS = ("playlist", "configuration", "network", "media")  # the cloud contract's


@dataclass(frozen=True)
class QueuedUpdate:
    sequence: int
    kind: str
    body: Any  # the decoded message, or the raw text when it was not JSON
    source: str  # "cloud:<id>" or "inbox:<file name>"
    path: Path


def kind_of(message: Any) -> str:
    if not isinstance(message, dict):
        return "unknown"
    if "playlist" in message:
        return "playlist"
    if "configuration" in message:
        return "network" if is_network_configuration(message) else "configuration"
    if "media" in message or "filename" in message or "checksum" in message:
        return "media"
    return "unknown"


class UpdateQueue:
    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        self._items: list[QueuedUpdate] = []
        for path in sorted(self._dir.glob("*.json")):
            try:
                entry = json.loads(path.read_text())
                self._items.append(QueuedUpdate(int(path.stem), entry["kind"], entry["body"],
                                                entry["source"], path))
            except (OSError, ValueError, KeyError) as exc:
                log.error("queued_update_unreadable file=%s error=%s", path.name, exc)
                path.unlink(missing_ok=True)
        self._next = max((item.sequence for item in self._items), default=0) + 1
        if self._items:
            log.info("update_queue_recovered count=%d", len(self._items))

    def put(self, kind: str, body: Any, source: str) -> QueuedUpdate:
        sequence, self._next = self._next, self._next + 1
        path = self._dir / f"{sequence:012d}.json"
        stage_atomically(path, json.dumps({"kind": kind, "body": body,
                                           "source": source}).encode())
        item = QueuedUpdate(sequence, kind, body, source, path)
        self._items.append(item)
        return item

    def peek(self) -> QueuedUpdate | None:
        """The update to process next, by the seed's order."""
        if not self._items:
            return None
        return min(self._items, key=lambda item: (PRIORITY.get(item.kind, 3), item.sequence))

    def done(self, item: QueuedUpdate) -> None:
        self._items.remove(item)
        item.path.unlink(missing_ok=True)

    def holds(self, source: str) -> bool:
        return any(item.source == source for item in self._items)

    def bodies(self) -> list[Any]:
        return [item.body for item in self._items]

    def __len__(self) -> int:
        return len(self._items)
