"""The errors of the player (the whole tree: terminal.errors)."""

from __future__ import annotations

from terminal.errors import GstvError


class PlayerError(GstvError):
    """Root of the errors `player` raises."""


class CannotStart(PlayerError):
    """Something outside the player keeps it from starting (no display, ...)."""
