from __future__ import annotations

import json
from datetime import date

from scheduler.merge import merge
from scheduler.playlist import PlaylistUpdate
from scheduler.validation import validate_update


def update(guid: str, site_dates: dict[str, list[str]], *, banner: str | None = None,
           filename: str = "a.mp4") -> PlaylistUpdate:
    asset = {"assetId": "A1", "filename": filename, "type": "advertising",
             "start": "2026-01-01", "end": "2026-12-31", "tiNumber": "TI-1"}
    sites = []
    for site, dates in site_dates.items():
        banners = [{"filename": banner, "start": "2026-11-01", "end": "2026-12-31",
                    "type": "prefueling"}] if banner else []
        sites.append({"siteId": site, "banners": banners, "schedules": [
            {"segmentId": f"{guid}-{d}", "date": d,
             "loops": [{"loopNumber": 1, "assets": [asset]}]} for d in dates]})
    message = {"guid": guid, "updatedOn": "2026-11-22 10:00:00.000", "playlist": sites}
    outcome = validate_update("playlist", json.dumps(message).encode(), site_id=None)
    assert outcome.ok, outcome.error
    return outcome.update


def segments(result: PlaylistUpdate, site: str) -> list[str]:
    return [s.segmentId for s in result.site(site).schedules]


def test_new_dates_replace_old_ones_and_other_dates_stay():
    old = update("g1", {"S": ["2026-11-23", "2026-11-24", "2026-11-25"]}, banner="b1.png")
    new = update("g2", {"S": ["2026-11-25", "2026-11-26"]}, filename="b.mp4")
    merged = merge(old, new, keep_from=date(2026, 11, 22))
    assert segments(merged, "S") == ["g1-2026-11-23", "g1-2026-11-24", "g2-2026-11-25",
                                     "g2-2026-11-26"]
    assert merged.guid == "g2"
    assert merged.site("S").banners == ()  # the update's banners (none) replace them


def test_sites_not_in_the_update_keep_theirs_and_old_dates_are_dropped():
    old = update("g1", {"S": ["2026-11-20", "2026-11-23"], "T": ["2026-11-23"]})
    new = update("g2", {"S": ["2026-11-24"]})
    merged = merge(old, new, keep_from=date(2026, 11, 22))
    assert segments(merged, "S") == ["g1-2026-11-23", "g2-2026-11-24"]
    assert segments(merged, "T") == ["g1-2026-11-23"]


def test_nothing_before_means_the_update_itself_and_it_validates_again():
    new = update("g2", {"S": ["2026-11-24"]}, banner="b1.png")
    merged = merge(None, new, keep_from=date(2026, 11, 22))
    assert merged == new
    wire = json.dumps(merged.model_dump(mode="json")).encode()
    again = validate_update("playlist", wire, site_id="S")
    assert again.ok and again.update == merged
