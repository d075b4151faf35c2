"""The media update message, notifications and POP records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scheduler.errors import UpdateRejected
from scheduler.media_validation import parse_media_update
from scheduler.notifications import new_notification
from scheduler.pop import PopRecord
from tests.messages import sample

SHA = "a" * 64


def media(**file_fields):
    entry = {"filename": "clip.mp4", "size": 10, "sha256": SHA}
    entry.update(file_fields)
    return {"guid": "g", "updatedOn": "2026-11-22 10:00:00.000", "media": [entry]}


def test_sample_media_update_is_valid():
    update = parse_media_update(sample("media.json"))
    assert "gstv-blankout.mp4" in {f.filename for f in update.media}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param({"guid": "g", "updatedOn": "2026-11-22 10:00:00.000"},
                     "The Media Structure is Missing Information", id="no-media"),
        pytest.param(media(filename=None), "Media Filename is Missing", id="no-filename"),
        pytest.param(media(filename="clip"), "Media Filename is Missing Extension - clip",
                     id="no-extension"),
        pytest.param(media(filename="/etc/passwd.x"),
                     "Media Filename is Not a Plain File Name (contains a path separator) - "
                     "/etc/passwd.x", id="absolute"),
        pytest.param(media(size=-1), "Media Size Incorrectly Formatted for clip.mp4",
                     id="negative-size"),
        pytest.param(media(sha256="abc"), "Media Checksum Incorrectly Formatted for clip.mp4",
                     id="short-sha"),
        pytest.param({"updatedOn": "2026-11-22 10:00:00.000", "media": []}, "GUID is Missing",
                     id="no-guid"),
    ],
)
def test_media_update_errors(message, expected):
    with pytest.raises(UpdateRejected) as caught:
        parse_media_update(message)
    assert caught.value.message == expected


def test_checksum_is_kept_lower_case():
    assert parse_media_update(media(sha256="AB" * 32)).media[0].sha256 == "ab" * 32


def test_notification_json_has_seed_fields_in_seed_order_and_omits_unset_ones():
    note = new_notification(
        "MEDIA_CHECK", "failure", now=datetime(2026, 11, 23, 13, 5, 7, 89000, tzinfo=UTC),
        guid="g", filename="clip.mp4", siteId="S", terminalId="T1", segmentIds=("SEG-1",),
        additionalInformation="Video File is Missing - clip.mp4",
    )
    data = note.to_json()
    assert list(data) == ["guid", "id", "filename", "notificationTimestamp", "notificationType",
                          "siteId", "status", "terminalId", "segmentIds",
                          "additionalInformation"]
    assert data["notificationTimestamp"] == "2026-11-23 13:05:07.089"
    assert data["segmentIds"] == ["SEG-1"]
    success = new_notification("PLAYLIST_VALIDATION", "success", now=datetime.now(UTC))
    assert "additionalInformation" not in success.to_json()
    assert success.id != note.id


def test_pop_record_emits_tiNumber_and_reads_ioNumber():
    record = PopRecord.model_validate({
        "recordId": "r1", "filename": "clip.mp4", "assetId": "A-1", "ioNumber": "TI-9",
        "startTimestamp": datetime(2026, 11, 23, 13, 0, 0, tzinfo=UTC),
        "endTimestamp": datetime(2026, 11, 23, 13, 0, 15, 400000, tzinfo=UTC),
        "screenState": "Full", "siteId": "S", "screenId": "T1",
    })
    data = record.to_json()
    assert data["tiNumber"] == "TI-9" and "ioNumber" not in data
    assert (data["startTimestamp"], data["endTimestamp"]) == (
        "2026-11-23 13:00:00", "2026-11-23 13:00:15")
