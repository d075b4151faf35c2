"""The volume level in effect at a local time.

The entry with the latest `startTime` at or before the time; before the day's first
entry, the last entry of the previous day still holds (the schedule wraps around
midnight). No entries: the default (`DEFAULT_VOLUME` unless the terminal sets one).
"""

from __future__ import annotations

from scheduler.configuration import DEFAULT_VOLUME, SiteConfiguration


def volume_at(
    configuration: SiteConfiguration, minute_of_day: float, default: float = DEFAULT_VOLUME
) -> float:
    """`default` is the terminal's own default level, where it has one."""
    settings = sorted(configuration.volume, key=lambda v: v.startTime)
    if not settings:
        return default
    level = settings[-1].level  # wrapping from the previous day
    for setting in settings:
        if setting.startTime > minute_of_day:
            break
        level = setting.level
    return level
