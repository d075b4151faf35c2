"""How a new playlist update combines with the one in force (issue #6, written down
here because the seeds do not say).

The rule: an update replaces, for each site it carries, the schedules of the dates it
contains and keeps that site's schedules of other dates; its banners replace the
site's banners (banners carry their own date ranges, and an update that lists banners
lists all it wants). Sites the update does not carry keep what they had. The merged
message takes the update's `guid` and `updatedOn`: it is that update, applied.
Schedules dated before `keep_from` (the caller passes yesterday, site-local) are
dropped, so a terminal that receives a week at a time for years keeps a bounded file.

Pure: models in, model out.
"""

from __future__ import annotations

from datetime import date

from scheduler.playlist import PlaylistUpdate, Site


def merge(previous: PlaylistUpdate | None, update: PlaylistUpdate, *,
          keep_from: date) -> PlaylistUpdate:
    sites: dict[str, Site] = {s.siteId: s for s in previous.playlist} if previous else {}
    for new in update.playlist:
        old = sites.get(new.siteId)
        dates = {schedule.date for schedule in new.schedules}
        kept = [s for s in old.schedules if s.date not in dates] if old else []
        schedules = sorted([*kept, *new.schedules], key=lambda s: s.date)
        sites[new.siteId] = new.model_copy(update={"schedules": tuple(schedules)})
    trimmed = tuple(
        site.model_copy(update={"schedules": tuple(s for s in site.schedules
                                                   if s.date >= keep_from)})
        for site in sites.values())
    return update.model_copy(update={"playlist": trimmed})
