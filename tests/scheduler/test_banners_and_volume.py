from __future__ import annotations

from datetime import date

import pytest

from scheduler.banners import banners_for
from scheduler.configuration import SiteConfiguration, VolumeSetting
from scheduler.network import NetworkConfiguration
from scheduler.playlist import Banner, Site
from scheduler.volume import volume_at

SITE = Site(siteId="S", schedules=(), banners=(
    Banner(filename="pre-a.png", start=date(2026, 11, 1), end=date(2026, 11, 30),
           type="prefueling"),
    Banner(filename="post.png", start=date(2026, 11, 1), end=date(2026, 11, 30),
           type="postfueling"),
    Banner(filename="pre-b.png", start=date(2026, 11, 23), end=date(2026, 11, 23),
           type="prefueling"),
    Banner(filename="pre-missing.png", start=date(2026, 11, 1), end=date(2026, 11, 30),
           type="prefueling"),
))
PRESENT = {"pre-a.png", "post.png", "pre-b.png"}


def test_banners_of_the_phase_on_the_date_with_their_file_present_in_array_order():
    names = [b.filename for b in banners_for(SITE, date(2026, 11, 23), "prefueling", PRESENT)]
    assert names == ["pre-a.png", "pre-b.png"]
    assert [b.filename for b in banners_for(SITE, date(2026, 11, 24), "prefueling", PRESENT)] \
        == ["pre-a.png"]
    assert [b.filename for b in banners_for(SITE, date(2026, 11, 23), "postfueling",
                                            PRESENT)] == ["post.png"]
    assert banners_for(SITE, date(2026, 12, 1), "prefueling", PRESENT) == []
    assert banners_for(None, date(2026, 11, 23), "prefueling", PRESENT) == []


CONFIG = SiteConfiguration(siteId="S", volume=(
    VolumeSetting(startTime=22 * 60, level=30.0),
    VolumeSetting(startTime=6 * 60, level=70.0),
    VolumeSetting(startTime=12 * 60, level=90.0),
))


@pytest.mark.parametrize(
    ("minute", "level"),
    [(0, 30.0), (5 * 60 + 59.9, 30.0), (6 * 60, 70.0), (11 * 60, 70.0), (12 * 60, 90.0),
     (21 * 60 + 59, 90.0), (22 * 60, 30.0), (23 * 60 + 59, 30.0)],
)
def test_volume_is_the_latest_setting_at_or_before_wrapping_from_yesterday(minute, level):
    assert volume_at(CONFIG, minute) == level


def test_no_volume_settings_is_the_default():
    assert volume_at(SiteConfiguration(siteId="S"), 600) == 50
    assert volume_at(SiteConfiguration(siteId="S"), 600, default=35) == 35
    assert volume_at(CONFIG, 600, default=35) == 70


def test_the_site_volume_schedule_overrides_the_networks_which_overrides_the_default():
    network = NetworkConfiguration(volume=(VolumeSetting(startTime=8 * 60, level=20),
                                           VolumeSetting(startTime=20 * 60, level=10)))
    bare = SiteConfiguration(siteId="S")
    assert volume_at(bare, 9 * 60, default=35, network=network) == 20
    assert volume_at(bare, 7 * 60, default=35, network=network) == 10  # wraps
    assert volume_at(CONFIG, 9 * 60, default=35, network=network) == 70  # the site's
    assert volume_at(bare, 9 * 60, default=35, network=NetworkConfiguration()) == 35
