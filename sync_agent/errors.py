"""The errors of the content agent (the whole tree: terminal.errors). None escapes a
procedure: each becomes a failed step with its reason, or a log line."""

from __future__ import annotations

from terminal.errors import GstvError


class AgentError(GstvError):
    """Root of the errors `sync_agent` raises."""


class DownloadError(AgentError):
    """One download attempt failed; the message says why (the next may succeed)."""


class FeedTooLarge(AgentError):
    """The cloud's update feed is over its size bound."""


class Unreadable(AgentError):
    """A staged file or queued update is not JSON: no media sweep this time."""
