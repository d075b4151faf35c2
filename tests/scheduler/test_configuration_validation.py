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
    ("Close At Time Incorrectly Formatted for {Day}", put(monday, "closeAt", "22:00"),
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
