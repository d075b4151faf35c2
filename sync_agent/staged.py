"""What is staged in `state_dir/active/` now: the update in force for a kind, read
back through the same validation the player uses. Shared by the procedures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scheduler.validation import UpdateKind, validate_update


def in_force(path: Path, kind: UpdateKind, site_id: str) -> Any | None:
    """The staged update of `kind` at `path`, or None when there is none usable."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return validate_update(kind, raw, site_id=site_id).update


def utc_now() -> datetime:
    return datetime.now(UTC)
