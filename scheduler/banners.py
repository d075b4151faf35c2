"""Which banners show in the banner zone during a fueling phase.

For a local date and a phase (`prefueling` during a transaction before fueling,
`postfueling` after it), the banners of that type whose `start`..`end` dates include
the date and whose file is present at the terminal, in the message's array order.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from scheduler.playlist import Banner, BannerType, Site


def banners_for(
    site: Site | None, day: date, phase: BannerType, present: Collection[str]
) -> list[Banner]:
    if site is None:
        return []
    return [
        b for b in site.banners if b.type == phase and b.shows_on(day) and b.filename in present
    ]
