"""The errors of site sync (the whole tree: terminal.errors)."""

from __future__ import annotations

from terminal.errors import GstvError


class SyncError(GstvError):
    """Root of the errors `sync` raises."""


class SiteKeyError(SyncError):
    """The site key cannot be used; the message says why."""
