"""The exception roots of the project, one per package, and how they hang together
(httpx's style). Each package raises its own kinds from its own root, in its own
`errors` module; lower-layer errors are mapped with `raise Specific(...) from exc`.

    GstvError                   terminal.errors: every error this project raises on purpose
    ├── ConfigError             terminal.errors: terminal.toml cannot be used (says which key)
    ├── SyncError               sync.errors
    │   └── SiteKeyError        the site key file is missing, unreadable or exposed
    ├── PlayerError             player.errors
    │   └── CannotStart         something outside the player keeps it from starting
    └── AgentError              sync_agent.errors
        ├── DownloadError       one download attempt failed (the next may succeed)
        ├── FeedTooLarge        the cloud's update feed is over its bound
        └── Unreadable          a staged or queued update is not JSON: no media sweep

    SchedulerError              scheduler.errors: the pure floor below this kernel, on
    └── UpdateRejected          its own: a message refused, with the seed's text

What never escapes a procedure: an `UpdateRejected` becomes a notification, an
`AgentError` a failed step with its reason, a POP write error a counted log line.
"""

from __future__ import annotations


class GstvError(Exception):
    """Root of every error this project raises on purpose."""


class ConfigError(GstvError):
    """The terminal configuration cannot be used; the message says which key and why."""
