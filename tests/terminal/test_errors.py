"""The exception tree drawn in terminal.errors is the one the packages define."""

from __future__ import annotations

import re

import terminal.errors
from player.errors import CannotStart, PlayerError
from scheduler.errors import SchedulerError, UpdateRejected
from sync.errors import SiteKeyError, SyncError
from sync_agent.errors import AgentError, DownloadError, FeedTooLarge, Unreadable
from terminal.errors import ConfigError, GstvError

CLASSES = {c.__name__: c for c in (GstvError, ConfigError, SyncError, SiteKeyError,
                                   PlayerError, CannotStart, AgentError, DownloadError,
                                   FeedTooLarge, Unreadable, SchedulerError, UpdateRejected)}


def test_every_class_of_the_drawing_has_the_parent_it_is_drawn_under():
    stack: list[tuple[int, str]] = []
    drawn = set()
    for line in terminal.errors.__doc__.splitlines():
        match = re.match(r"^( *)(?:[│ ]*[├└]── )?(\w+Error|\w+Start|\w+Large|Unreadable|"
                         r"UpdateRejected)\b", line)
        if not match or match[2] not in CLASSES:
            continue
        depth = len(line) - len(line.lstrip(" │├└─"))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        cls = CLASSES[match[2]]
        if stack:
            assert cls.__mro__[1] is CLASSES[stack[-1][1]], (cls, stack[-1])
        drawn.add(match[2])
        stack.append((depth, match[2]))
    assert drawn == set(CLASSES)
    assert not issubclass(SchedulerError, GstvError)  # the pure floor stands alone
