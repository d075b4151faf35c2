"""Site configuration update validation: every seed text, order, defaults, aliases."""

from __future__ import annotations

import pytest

from scheduler.configuration import DEFAULT_VOLUME, default_configuration
from scheduler.configuration_validation import parse_configuration_update
from scheduler.errors import UpdateRejected
from tests.messages import SITE, configuration, mutated, sample
from tests.scheduler import seed_texts


def site(m):
    return m["configuration"][0]


def monday(m):
    return site(m)["hours"]["mon"][0]


def volume(m):
    return site(m)["volume"][0]


def top(m):
    return m


def drop(where, *keys):
    def change(m):
        for key in keys:
            del where(m)[key]
    return change


def put(where, key, value):
    def change(m):
        where(m)[key] = value
    return change


def rejection(message, site_id=None) -> str:
    with pytest.raises(UpdateRejected) as caught:
        parse_configuration_update(message, site_id=site_id)
    return caught.value.message


SEED_CASES = [
    ("GUID is Missing", drop(top, "guid"), "GUID is Missing"),
    ("Updated On is Missing", drop(top, "updatedOn"), "Updated On is Missing"),
    ("Open At Time Incorrectly Formatted for {Day}", put(monday, "openAt", "6:00"),
     "Open At Time Incorrectly Formatted for mon"),
    ("Close At Time Incorrectly Formatted for {Day}", put(monday, "closeAt", "10PM"),
     "Close At Time Incorrectly Formatted for mon"),
    ("Volume Level Incorrectly Formatted", put(volume, "level", 101),
     "Volume Level Incorrectly Formatted"),
    ("Volume Start Time Incorrectly Formatted", put(volume, "startTime", "2400"),
     "Volume Start Time Incorrectly Formatted"),
    ("Blankout Video Filename Missing Extension - {filename}",
     put(site, "blankoutVideo", "blankout"),
     "Blankout Video Filename Missing Extension - blankout"),
    ("Open At is Later than Close At for {Day}", put(monday, "openAt", "2300"),
     "Open At is Later than Close At for mon"),
]


def test_the_base_message_and_the_sample_are_valid():
    assert parse_configuration_update(configuration(), site_id=SITE).guid == "guid-config-1"
    update = parse_configuration_update(sample("config.json"), site_id=SITE)
    assert update.site(SITE).blankoutVideo == "gstv-blankout.mp4"


@pytest.mark.parametrize(
    ("change", "expected"), [pytest.param(c, e, id=t) for t, c, e in SEED_CASES]
)
def test_seed_error_text(change, expected):
    assert rejection(mutated(configuration(), change)) == expected


def test_site_of_another_terminal_does_not_exist():
    message = mutated(configuration(), put(site, "siteId", "SITE-9"))
    assert rejection(message, site_id=SITE) == "Site Identifier Does Not Exist"


def test_every_seed_text_is_covered():
    covered = {t for t, _, _ in SEED_CASES} | {"Site Identifier Does Not Exist"}
    assert covered == set(seed_texts.CONFIGURATION)


def gstv_site_configuration() -> dict:
    """A site configuration as GSTV's QA sends them: times written HH:MM, closing past
    midnight as 26:00."""
    week = {day: [{"openAt": "06:00", "closeAt": "26:00"}]
            for day in ("mon", "tue", "wed", "thu", "fri")}
    week["sat"] = [{"openAt": "08:00", "closeAt": "24:00"}]
    week["sun"] = [{"openAt": "08:00", "closeAt": "12:30"}, {"openAt": "13:30", "closeAt": "22:00"}]
    return {"guid": "3f2b8c1e-7d4a-4e0b-9a51-6c2d8e4f1a73", "updatedOn": "2026-11-30 14:05:12.347",
            "configuration": [{"siteId": "104877", "hours": week,
                               "blankoutVideo": "GSTV_Blankout_30s.webm",
                               "volume": [{"startTime": "05:00", "level": 60},
                                          {"startTime": "22:00", "level": 35}]}]}


def test_gstv_hh_mm_times_mean_what_hhmm_times_mean():
    update = parse_configuration_update(gstv_site_configuration(), site_id="104877")
    site_config = update.site("104877")
    monday_period = site_config.hours.mon[0]
    assert (monday_period.openAt, monday_period.closeAt) == (6 * 60, 26 * 60)
    assert site_config.hours.sat[0].closeAt == 24 * 60
    assert [v.startTime for v in site_config.volume] == [5 * 60, 22 * 60]
    hhmm = gstv_site_configuration()
    hhmm["configuration"][0]["hours"]["mon"] = [{"openAt": "0600", "closeAt": "2600"}]
    hhmm["configuration"][0]["volume"][0]["startTime"] = "0500"
    same = parse_configuration_update(hhmm, site_id="104877").site("104877")
    assert same.hours.mon == site_config.hours.mon and same.volume == site_config.volume


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [pytest.param(put(monday, "openAt", v), v, "Open At Time Incorrectly Formatted for mon",
                  id=f"openAt-{v}") for v in ("12AM", "8:00", "0860", "08:60", "24:00", "08-00",
                                              "08:00 ", "080:0", "0800:")]
    + [pytest.param(put(monday, "closeAt", v), v, "Close At Time Incorrectly Formatted for mon",
                    id=f"closeAt-{v}") for v in ("48:01", "2:00AM", "26.00")]
    + [pytest.param(put(volume, "startTime", v), v, "Volume Start Time Incorrectly Formatted",
                    id=f"startTime-{v}") for v in ("24:00", "5:00", "05:7")],
)
def test_anything_but_hhmm_or_hh_colon_mm_keeps_the_seed_text(field, value, expected):
    assert rejection(mutated(configuration(), field)) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(put(monday, "closeAt", "4801"), "Close At Time Incorrectly Formatted for mon",
                     id="close-past-next-day"),
        pytest.param(put(monday, "openAt", "2400"), "Open At Time Incorrectly Formatted for mon",
                     id="open-at-2400"),
        pytest.param(put(monday, "openAt", "0660"), "Open At Time Incorrectly Formatted for mon",
                     id="minute-60"),
        pytest.param(put(monday, "openAt", 600), "Open At Time Incorrectly Formatted for mon",
                     id="number-not-text"),
        pytest.param(put(volume, "level", -1), "Volume Level Incorrectly Formatted",
                     id="negative-level"),
        pytest.param(put(volume, "level", "70"), "Volume Level Incorrectly Formatted",
                     id="level-as-text"),
        pytest.param(put(volume, "level", True), "Volume Level Incorrectly Formatted",
                     id="level-boolean"),
        pytest.param(put(volume, "startTime", "6am"), "Volume Start Time Incorrectly Formatted",
                     id="start-text"),
        pytest.param(drop(volume, "level"), "Volume Level is Missing", id="level-missing"),
        pytest.param(drop(volume, "startTime"), "Volume Start Time is Missing",
                     id="start-missing"),
        pytest.param(drop(monday, "openAt"), "Open At Time is Missing for mon", id="open-missing"),
        pytest.param(drop(monday, "closeAt"), "Close At Time is Missing for mon",
                     id="close-missing"),
        pytest.param(put(monday, "duration", "long"), "Duration Incorrectly Formatted for mon",
                     id="duration-text"),
        pytest.param(lambda m: site(m)["hours"].update(monday2=[]),
                     "Hours Day Does Not Exist - monday2", id="unknown-day"),
        pytest.param(put(site, "blankoutVideo", "../blank.mp4"),
                     "Blankout Video Filename is Not a Plain File Name (contains a path "
                     "separator) - ../blank.mp4", id="blankout-traversal"),
        pytest.param(drop(site, "siteId"), "Site Identifier is Missing", id="site-missing"),
        pytest.param(put(top, "configuration", []),
                     "The Configuration Structure is Missing Information", id="empty"),
        pytest.param(put(top, "updatedOn", "22/11/2026"), "Updated On is Incorrectly Formatted",
                     id="updatedOn-format"),
    ],
)
def test_own_rules_have_clear_messages(change, expected):
    assert rejection(mutated(configuration(), change)) == expected


def test_first_defect_in_document_order():
    def two_days(m):
        site(m)["hours"] = {"tue": [{"openAt": "x", "closeAt": "2200"}],
                            "mon": [{"openAt": "0600", "closeAt": "y"}]}
    # Days are read in the order the message lists them.
    assert rejection(mutated(configuration(), two_days)) == (
        "Open At Time Incorrectly Formatted for tue"
    )

    def hours_and_volume(m):
        monday(m)["closeAt"] = "bad"
        volume(m)["level"] = 500
    assert rejection(mutated(configuration(), hours_and_volume)) == (
        "Close At Time Incorrectly Formatted for mon"
    )


def test_aliases_and_defaults():
    def glossary_spelling(m):
        site(m)["blankoutvideo"] = site(m).pop("blankoutVideo")
        del site(m)["hours"]["wed"]
        site(m)["hours"]["thu"] = []
        monday(m)["closeAt"] = "2600"
    update = parse_configuration_update(mutated(configuration(), glossary_spelling))
    config = update.configuration[0]
    assert config.blankoutVideo == "blank.mp4"
    assert config.hours.wed == default_configuration(SITE).hours.wed  # absent day: all day
    assert config.hours.thu == ()  # explicit empty day: closed
    assert config.hours.mon[0].closeAt == 26 * 60
    dumped = update.model_dump(mode="json", exclude_none=True)
    assert dumped["configuration"][0]["blankoutVideo"] == "blank.mp4"
    assert dumped["updatedOn"] == "2026-11-22 10:00:00.000"  # emitted with the dot


def test_default_configuration_is_open_all_day_at_default_volume():
    config = default_configuration(SITE)
    assert all(p.openAt == 0 and p.closeAt == 1440
               for day in range(7) for p in config.hours.for_weekday(day))
    assert config.volume == () and config.blankoutVideo is None and DEFAULT_VOLUME == 50
