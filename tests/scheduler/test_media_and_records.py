"""The media update message, notifications and POP records."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from scheduler.errors import UpdateRejected
from scheduler.media import MediaFileUpdate, MediaUpdate
from scheduler.media_validation import parse_any_media_update, parse_media_update
from scheduler.notifications import new_notification
from scheduler.pop import PopRecord
from tests.messages import SAMPLES

SHA = "a" * 64
MEDIA = SAMPLES.parent / "media"


def media(**file_fields):
    entry = {"filename": "clip.mp4", "size": 10, "sha256": SHA}
    entry.update(file_fields)
    return {"guid": "g", "updatedOn": "2026-11-22 10:00:00.000", "media": [entry]}


def gstv_media(**fields):
    """A media update as GSTV sends it: one file, its MD5."""
    message = {"guid": "5e0d2c7a-1b3f-4d9e-8a6c-0f2e4b6d8a1c",
               "updatedOn": "2026-11-30 16:42:08.512",
               "filename": "GSTV_SportsMinute_1130.webm",
               "checksum": "9b2f6c1d0e8a4b3c7d5e1f0a2b4c6d8e"}
    for key, value in fields.items():
        if value is ...:
            del message[key]
        else:
            message[key] = value
    return message


def test_every_sample_media_update_is_valid_and_its_checksum_is_its_clip():
    paths = sorted((SAMPLES / "media").glob("*.json"))
    assert {p.stem for p in paths} == {p.stem for p in MEDIA.glob("*.mp4")}
    for path in paths:
        update = parse_any_media_update(json.loads(path.read_text()))
        assert isinstance(update, MediaFileUpdate)
        assert update.checksum == hashlib.md5((MEDIA / update.filename).read_bytes()).hexdigest()


def test_the_two_forms_are_told_apart_by_their_shape():
    assert isinstance(parse_any_media_update(gstv_media()), MediaFileUpdate)
    assert isinstance(parse_any_media_update(media()), MediaUpdate)
    assert parse_any_media_update(gstv_media(checksum="9B2F6C1D0E8A4B3C7D5E1F0A2B4C6D8E")
                                  ).checksum == "9b2f6c1d0e8a4b3c7d5e1f0a2b4c6d8e"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # upstream/media.md's own texts
        pytest.param(gstv_media(guid=...), "GUID is Missing", id="no-guid"),
        pytest.param(gstv_media(guid=""), "GUID is Missing", id="empty-guid"),
        pytest.param(gstv_media(checksum=...), "Checksum is Missing", id="no-checksum"),
        pytest.param(gstv_media(updatedOn=...), "Updated On is Missing", id="no-updatedOn"),
        # ours, where it has none
        pytest.param(gstv_media(updatedOn="11/30/2026 16:42"),
                     "Updated On is Incorrectly Formatted", id="updatedOn-format"),
        pytest.param(gstv_media(updatedOn="2026-02-30 10:00:00.000"),
                     "Updated On is Incorrectly Formatted", id="updatedOn-no-such-day"),
        pytest.param(gstv_media(filename=...), "Media Filename is Missing", id="no-filename"),
        pytest.param(gstv_media(filename="GSTV_SportsMinute_1130"),
                     "Media Filename is Missing Extension - GSTV_SportsMinute_1130",
                     id="no-extension"),
        pytest.param(gstv_media(filename="../GSTV.webm"),
                     "Media Filename is Not a Plain File Name (contains a path separator) - "
                     "../GSTV.webm", id="traversal"),
        pytest.param(gstv_media(checksum="9b2f6c1d"),
                     "Checksum is Incorrectly Formatted for GSTV_SportsMinute_1130.webm",
                     id="short-md5"),
        pytest.param(gstv_media(checksum="z" * 32),
                     "Checksum is Incorrectly Formatted for GSTV_SportsMinute_1130.webm",
                     id="not-hex"),
        pytest.param(gstv_media(checksum=12345),
                     "Checksum is Incorrectly Formatted for GSTV_SportsMinute_1130.webm",
                     id="number"),
    ],
)
def test_gstv_media_update_errors(message, expected):
    with pytest.raises(UpdateRejected) as caught:
        parse_any_media_update(message)
    assert caught.value.message == expected


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
