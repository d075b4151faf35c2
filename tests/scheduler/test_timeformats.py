from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scheduler.timeformats import (
    format_timestamp,
    parse_date,
    parse_daypart_time,
    parse_hhmm,
    parse_updated_on,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23 08:00:04.120", datetime(2026, 11, 23, 8, 0, 4, 120000, tzinfo=UTC)),
        ("2026-11-23 08:00:04:120", datetime(2026, 11, 23, 8, 0, 4, 120000, tzinfo=UTC)),
        ("2026-11-23 08:00:04.1", datetime(2026, 11, 23, 8, 0, 4, 100000, tzinfo=UTC)),
        ("2026-11-23 08:00:04", None),
        ("2026-11-23T08:00:04.120", None),
        ("2026-02-29 08:00:04.120", None),
        ("2026-11-23 08:00:04.1234", None),
    ],
)
def test_updated_on(text, expected):
    assert parse_updated_on(text) == expected


def test_timestamps_are_written_in_utc_with_milliseconds():
    moment = datetime.fromisoformat("2026-11-23T03:00:04.5-05:00")
    assert format_timestamp(moment) == "2026-11-23 08:00:04.500"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11-23", date(2026, 11, 23)), ("2026-1-23", None), ("2026-11-31", None),
     ("20261123", None), (" 2026-11-23", None)],
)
def test_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("00:00", 0), ("06:30", 390), ("23:59", 1439), ("24:00", 1440), ("24:01", None),
     ("6:30", None), ("06:60", None), ("0630", None)],
)
def test_daypart_times(text, expected):
    assert parse_daypart_time(text) == expected


@pytest.mark.parametrize(
    ("text", "latest", "expected"),
    [("0000", 1439, 0), ("2359", 1439, 1439), ("2400", 1439, None), ("2600", 2880, 1560),
     ("4800", 2880, 2880), ("4801", 2880, None), ("0675", 2880, None),
     ("06:00", 2880, 360), ("26:00", 2880, 1560), ("24:00", 1439, None), ("6:00", 2880, None),
     ("06:0", 2880, None), ("06:75", 2880, None), ("12AM", 2880, None), ("06::00", 2880, None)],
)
def test_configuration_times(text, latest, expected):
    assert parse_hhmm(text, latest=latest) == expected
