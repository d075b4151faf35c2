"""The site configuration update message (seed 003) as frozen models, and the default
initialization configuration that applies until a valid one has been received.

Decisions the seed leaves open, taken for an operator of unattended screens:
- `hours` absent, or a weekday absent from it, means open all day that day, as in the
  default configuration: a gap in the message must not blank a forecourt's screens.
  An empty array for a weekday means closed all that day.
- `duration` is informational. Opening and closing are taken from `openAt`/`closeAt`
  only, because on a DST day the real length of a period differs from its wall-clock
  length by an hour; a `duration` that disagrees is therefore not an error.
- `blankoutVideo` absent means no blankout video: the screen is black when closed.
- The default volume is 50 (half scale) wherever the configuration gives no level.
"""

from __future__ import annotations

from scheduler.timeformats import MINUTES_PER_DAY
from scheduler.types import ClockMinute, Frozen, UtcTimestamp

# The seed's weekday keys, in the order of `datetime.date.weekday()` (Monday first).
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_VOLUME = 50


class OpenPeriod(Frozen):
    """Open from `openAt` to `closeAt`, minutes after the weekday's local midnight;
    `closeAt` may exceed 1440 (the next day's early hours)."""

    openAt: ClockMinute
    closeAt: ClockMinute
    duration: int | None = None


ALL_DAY = (OpenPeriod(openAt=0, closeAt=MINUTES_PER_DAY),)


class Hours(Frozen):
    mon: tuple[OpenPeriod, ...] = ALL_DAY
    tue: tuple[OpenPeriod, ...] = ALL_DAY
    wed: tuple[OpenPeriod, ...] = ALL_DAY
    thu: tuple[OpenPeriod, ...] = ALL_DAY
    fri: tuple[OpenPeriod, ...] = ALL_DAY
    sat: tuple[OpenPeriod, ...] = ALL_DAY
    sun: tuple[OpenPeriod, ...] = ALL_DAY

    def for_weekday(self, weekday: int) -> tuple[OpenPeriod, ...]:
        """Periods of `date.weekday()` (0 = Monday)."""
        return getattr(self, WEEKDAYS[weekday])


class VolumeSetting(Frozen):
    startTime: ClockMinute
    level: float  # 0 (no audio) .. 100


class SiteConfiguration(Frozen):
    siteId: str
    hours: Hours = Hours()
    blankoutVideo: str | None = None
    volume: tuple[VolumeSetting, ...] = ()


class ConfigurationUpdate(Frozen):
    guid: str
    updatedOn: UtcTimestamp
    configuration: tuple[SiteConfiguration, ...]

    def site(self, site_id: str) -> SiteConfiguration | None:
        return next((c for c in self.configuration if c.siteId == site_id), None)


def default_configuration(site_id: str) -> SiteConfiguration:
    """Open 24 hours every day, no blankout video, volume `DEFAULT_VOLUME`."""
    return SiteConfiguration(siteId=site_id)
