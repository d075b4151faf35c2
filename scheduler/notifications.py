"""Notifications the terminal sends back to GSTV (seeds 000, 001, 003; 002 for POP; the
network configuration and media updates of GSTV's later documents, `upstream/`).

One model covers every step: the seeds' notifications share their fields and differ in
which ones they carry, so optional fields are left out of the JSON when unset. Keys are
written in the seeds' order.

`POP_DELIVERY` is ours: seed 002 leaves the type of "Failed to post POP" as "TBD".
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from scheduler.types import Frozen, UtcTimestamp

NotificationType = Literal[
    "PLAYLIST_VALIDATION",
    "MEDIA_CHECK",
    "PLAYLIST_PULLED_BY_TERMINAL",
    "PLAYLIST_ACCEPTED_BY_TERMINAL",
    "CONFIGURATION_VALIDATION",
    "CONFIGURATION_PUSH_TO_PLAYERS",
    "CONFIGURATION_ACCEPTED_BY_PLAYERS",
    # The network configuration (upstream/configuration-network.md):
    "CONFIGURATION_PULLED_BY_TERMINAL",
    "CONFIGURATION_ACCEPTED_BY_TERMINAL",
    # The media update (upstream/media.md; MEDIA_TRANSCODED is the cloud's):
    "MEDIA_VALIDATION",
    "MEDIA_DOWNLOAD",
    "MEDIA_CHECKSUM_VALIDATION",
    "MEDIA_PULLED_BY_TERMINAL",
    "MEDIA_ACCEPTED_BY_TERMINAL",
    "POP_DELIVERY",
]
Status = Literal["success", "failure"]


class Notification(Frozen):
    guid: str | None = None
    id: str
    filename: str | None = None
    notificationTimestamp: UtcTimestamp
    notificationType: NotificationType
    siteId: str | None = None
    status: Status
    terminalId: str | None = None
    segmentIds: tuple[str, ...] | None = None
    additionalInformation: str | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def new_notification(
    notification_type: NotificationType, status: Status, *, now: datetime, **fields: Any
) -> Notification:
    """A notification with a fresh unique `id`, stamped `now` (the caller's clock)."""
    return Notification(
        id=str(uuid.uuid4()),
        notificationTimestamp=now,
        notificationType=notification_type,
        status=status,
        **fields,
    )
