"""The volume level in effect at a local time.

Whose schedule: the site configuration's when it has entries, else the network
configuration's, else the terminal's default (`[player] default_volume`). The site's
overrides the network's as a whole, as `upstream/configuration-site-later.md` says
("These will override the values configured for the network"): the
two schedules are not merged entry by entry.

Within a schedule: the entry with the latest `startTime` at or before the time; before
the day's first entry, the last entry of the previous day still holds (the schedule
wraps around midnight).
"""

from __future__ import annotations

from scheduler.configuration import DEFAULT_VOLUME, SiteConfiguration
from scheduler.network import NetworkConfiguration


def volume_at(
    configuration: SiteConfiguration, minute_of_day: float, default: float = DEFAULT_VOLUME,
    network: NetworkConfiguration | None = None,
) -> float:
    """`default` is the terminal's own default level, where it has one."""
    schedule = configuration.volume or (network.volume if network is not None else ())
    settings = sorted(schedule, key=lambda v: v.startTime)
    if not settings:
        return default
    level = settings[-1].level  # wrapping from the previous day
    for setting in settings:
        if setting.startTime > minute_of_day:
            break
        level = setting.level
    return level
