"""The network configuration update (upstream/configuration-network.md): every text of
the document, its hours rule, our own texts for what it leaves open, and the sample."""

from __future__ import annotations

import json

import pytest

from scheduler.errors import UpdateRejected
from scheduler.network_validation import is_network_configuration, parse_network_update
from tests.messages import SAMPLES


def network(**changes) -> dict:
    """A network configuration as GSTV sends one (their document's shape)."""
    message = {"guid": "d7c3a9e1-4b2f-4e6a-9c1d-8f0b2a3e5c7d",
               "updatedOn": "2026-11-30 09:15:42.118",
               "configuration": [{
                   "shutdownHours": 48.5,
                   "volume": [{"startTime": "06:00", "level": 65},
                              {"startTime": "21:30", "level": 30}],
                   "evergreen": [
                       {"filename": "AccuWeather_Local_1130.webm", "expiryHours": 6,
                        "swapFilename": "GSTV_Weather_Generic.webm"},
                       {"filename": "GSTV_Traffic_AM.webm", "expiryHours": 2.25,
                        "swapFilename": ""}]}]}
    for path, value in changes.items():
        where, key = _walk(message, path)
        if value is ...:
            del where[key]
        else:
            where[key] = value
    return message


def _walk(message: dict, path: str):
    *parents, key = path.split(".")
    where = message
    for part in parents:
        where = where[int(part)] if part.isdigit() else where[part]
    return where, int(key) if key.isdigit() else key


def rejection(message) -> str:
    with pytest.raises(UpdateRejected) as caught:
        parse_network_update(message)
    return caught.value.message


def test_a_gstv_network_configuration_is_read():
    update = parse_network_update(network())
    config = update.configuration
    assert config.shutdownHours == 48.5
    assert [(v.startTime, v.level) for v in config.volume] == [(360, 65), (21 * 60 + 30, 30)]
    weather, traffic = config.evergreen
    assert (weather.filename, weather.expiryHours, weather.swapFilename) == (
        "AccuWeather_Local_1130.webm", 6.0, "GSTV_Weather_Generic.webm")
    assert traffic.swapFilename is None  # blank: the spot is skipped once expired
    assert update.files() == ["AccuWeather_Local_1130.webm", "GSTV_Weather_Generic.webm",
                              "GSTV_Traffic_AM.webm"]


def test_the_sample_is_valid():
    update = parse_network_update(json.loads((SAMPLES / "network.json").read_text()))
    assert update.configuration.evergreen[0].swapFilename == "gstv-news-open.mp4"


@pytest.mark.parametrize(("change", "expected"), [
    # The document's own texts
    pytest.param({"guid": ...}, "GUID is Missing", id="guid"),
    pytest.param({"updatedOn": ...}, "Updated On is Missing", id="updatedOn"),
    pytest.param({"configuration.0.shutdownHours": 1.3},
                 "Shutdown Hours is Incorrectly Formatted", id="shutdown-1.3"),
    pytest.param({"configuration.0.shutdownHours": 2.125},
                 "Shutdown Hours is Incorrectly Formatted", id="shutdown-three-decimals"),
    pytest.param({"configuration.0.shutdownHours": -1},
                 "Shutdown Hours is Incorrectly Formatted", id="shutdown-negative"),
    pytest.param({"configuration.0.shutdownHours": "72"},
                 "Shutdown Hours is Incorrectly Formatted", id="shutdown-text"),
    pytest.param({"configuration.0.shutdownHours": True},
                 "Shutdown Hours is Incorrectly Formatted", id="shutdown-boolean"),
    pytest.param({"configuration.0.evergreen.0.expiryHours": 6.1},
                 "Expiry Hours is Incorrectly Formatted for AccuWeather_Local_1130.webm",
                 id="expiry-6.1"),
    pytest.param({"configuration.0.evergreen.1.expiryHours": "2h"},
                 "Expiry Hours is Incorrectly Formatted for GSTV_Traffic_AM.webm",
                 id="expiry-text"),
    pytest.param({"configuration.0.evergreen.0.filename": "AccuWeather_Local_1130"},
                 "Filename is Missing Extension - AccuWeather_Local_1130", id="no-extension"),
    pytest.param({"configuration.0.evergreen.0.swapFilename": "GSTV_Weather_Generic"},
                 "Swap Filename is Missing Extension - GSTV_Weather_Generic",
                 id="swap-no-extension"),
    pytest.param({"configuration.0.volume.0.level": 101},
                 "Volume Level is Incorrectly Formatted", id="level-101"),
    pytest.param({"configuration.0.volume.0.level": "65"},
                 "Volume Level is Incorrectly Formatted", id="level-text"),
    pytest.param({"configuration.0.volume.1.startTime": "9:30PM"},
                 "Volume Start Time is Incorrectly Formatted", id="start-9:30PM"),
    pytest.param({"configuration.0.volume.1.startTime": "24:00"},
                 "Volume Start Time is Incorrectly Formatted", id="start-24:00"),
    # Ours, where the document has none
    pytest.param({"configuration": ...},
                 "The Network Configuration Structure is Missing Information", id="no-config"),
    pytest.param({"configuration": []},
                 "The Network Configuration Structure is Missing Information", id="empty"),
    pytest.param({"configuration.0": {}},
                 "The Network Configuration Structure is Missing Information",
                 id="empty-object"),
    pytest.param({"configuration": [{"shutdownHours": 1, "evergreen": []}] * 2},
                 "The Network Configuration Structure has More than One Configuration",
                 id="two-objects"),
    pytest.param({"configuration.0.shutdownHours": ...}, "Shutdown Hours is Missing",
                 id="shutdown-missing"),
    pytest.param({"configuration.0.evergreen": ...}, "Evergreen Structure is Missing",
                 id="evergreen-missing"),
    pytest.param({"configuration.0.evergreen": "AccuWeather.webm"},
                 "Evergreen Structure is Incorrectly Formatted", id="evergreen-text"),
    pytest.param({"configuration.0.evergreen.0.filename": ...},
                 "Evergreen Filename is Missing", id="filename-missing"),
    pytest.param({"configuration.0.evergreen.0.expiryHours": ...},
                 "Expiry Hours is Missing for AccuWeather_Local_1130.webm", id="expiry-missing"),
    pytest.param({"configuration.0.evergreen.1.filename": "AccuWeather_Local_1130.webm"},
                 "Evergreen Filename is Duplicated - AccuWeather_Local_1130.webm",
                 id="duplicate"),
    pytest.param({"configuration.0.volume.0.startTime": ...}, "Volume Start Time is Missing",
                 id="start-missing"),
    pytest.param({"configuration.0.volume.0.level": ...}, "Volume Level is Missing",
                 id="level-missing"),
    pytest.param({"configuration.0.shutdownHours": 100_000.25},
                 "Shutdown Hours is Incorrectly Formatted", id="eleven-years"),
])
def test_rejections(change, expected):
    assert rejection(network(**change)) == expected


@pytest.mark.parametrize("hours", [0, 0.25, 0.5, 0.75, 1, 72, 2.0, 100_000])
def test_quarter_hours_are_accepted(hours):
    assert parse_network_update(network(**{"configuration.0.shutdownHours": hours})
                                ).configuration.shutdownHours == hours


def test_volume_start_times_may_be_written_hhmm_as_in_seed_003():
    update = parse_network_update(network(**{"configuration.0.volume.0.startTime": "0600"}))
    assert update.configuration.volume[0].startTime == 360


def test_the_two_kinds_of_configuration_are_told_apart_by_their_shape():
    assert is_network_configuration(network())
    site = json.loads((SAMPLES / "config.json").read_text())
    assert not is_network_configuration(site)
    assert not is_network_configuration({"configuration": []})


def test_what_is_staged_reads_back_the_same():
    update = parse_network_update(network())
    assert parse_network_update(update.to_message()) == update
