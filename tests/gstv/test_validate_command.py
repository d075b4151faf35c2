"""The `gstv validate` contract: one JSON notification on stdout, exit 0/1/2."""

from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path

import pytest

from gstv.cli import main
from tests import processes
from tests.messages import SAMPLES, SITE, configuration, mutated, playlist
from tests.scheduler import test_configuration_validation as config_cases
from tests.scheduler import test_playlist_validation as playlist_cases

GSTV = Path(sys.executable).parent / "gstv"
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}")


def run_cli(*args: str) -> tuple[int, dict | None, str]:
    """The installed console script, as the hidden acceptance tests call it."""
    proc = processes.run([str(GSTV), *args], capture_output=True, text=True, timeout=60)
    out = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, out, proc.stderr


def run_main(capsys, *args: str) -> tuple[int, dict]:
    status = main(list(args))
    return status, json.loads(capsys.readouterr().out)


def write(tmp_path: Path, message) -> str:
    path = tmp_path / "message.json"
    path.write_text(json.dumps(message) if not isinstance(message, str) else message)
    return str(path)


def test_valid_sample_playlist_prints_a_success_notification():
    status, note, _ = run_cli("validate", "playlist", str(SAMPLES / "playlist.json"),
                              "--site-id", SITE)
    assert status == 0
    assert list(note) == ["guid", "id", "notificationTimestamp", "notificationType", "siteId",
                          "status"]
    assert note["notificationType"] == "PLAYLIST_VALIDATION" and note["status"] == "success"
    assert note["guid"] == "6f1c2d3e-0a4b-4c5d-9e8f-112233445566" and note["siteId"] == SITE
    assert TIMESTAMP.fullmatch(note["notificationTimestamp"])
    uuid.UUID(note["id"])


def test_valid_sample_config_prints_a_success_notification():
    status, note, _ = run_cli("validate", "config", str(SAMPLES / "config.json"))
    assert status == 0
    assert note["notificationType"] == "CONFIGURATION_VALIDATION"
    assert note["status"] == "success" and note["siteId"] == SITE


def test_invalid_message_exits_1_with_the_seed_text(tmp_path):
    message = mutated(playlist(), lambda m: m["playlist"][0].pop("siteId"))
    status, note, stderr = run_cli("validate", "playlist", write(tmp_path, message))
    assert status == 1 and stderr == ""
    assert note["status"] == "failure" and note["guid"] == "guid-playlist-1"
    assert note["additionalInformation"] == "Site Identifier is Missing"


def test_ids_are_fresh_for_every_notification(tmp_path, capsys):
    path = write(tmp_path, playlist())
    ids = {run_main(capsys, "validate", "playlist", path)[1]["id"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(c, e, id=t) for t, c, e in playlist_cases.SEED_CASES],
)
def test_every_playlist_seed_text_through_the_command(tmp_path, capsys, change, expected):
    status, note = run_main(capsys, "validate", "playlist",
                            write(tmp_path, mutated(playlist(), change)))
    assert (status, note["status"], note["additionalInformation"]) == (1, "failure", expected)


@pytest.mark.parametrize(
    ("change", "expected"),
    [pytest.param(c, e, id=t) for t, c, e in config_cases.SEED_CASES],
)
def test_every_config_seed_text_through_the_command(tmp_path, capsys, change, expected):
    status, note = run_main(capsys, "validate", "config",
                            write(tmp_path, mutated(configuration(), change)))
    assert (status, note["status"], note["additionalInformation"]) == (1, "failure", expected)
    assert note["notificationType"] == "CONFIGURATION_VALIDATION"


def test_site_id_of_another_site(tmp_path, capsys):
    path = write(tmp_path, playlist())
    status, note = run_main(capsys, "validate", "playlist", path, "--site-id", "SITE-0001")
    assert (status, note["additionalInformation"]) == (1, "Site ID Does Not Exist")
    assert note["siteId"] == "SITE-0001"
    path = write(tmp_path, configuration())
    status, note = run_main(capsys, "validate", "config", path, "--site-id", "SITE-0001")
    assert (status, note["additionalInformation"]) == (1, "Site Identifier Does Not Exist")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("this is not json", "The Update Message is Not Valid JSON (Expecting value "
                     "at line 1 column 1)", id="text"),
        pytest.param("", "The Update Message is Not Valid JSON (the message is empty)",
                     id="empty"),
        pytest.param('{"guid": "g",', "The Update Message is Not Valid JSON (Expecting property "
                     "name enclosed in double quotes at line 1 column 14)", id="truncated"),
        pytest.param("[1, 2]", "The Update Message is Not a JSON Object", id="array"),
        pytest.param('{"guid": NaN}', "The Update Message is Not Valid JSON (NaN is not a JSON "
                     "number)", id="nan"),
        pytest.param("[" * 100_000, "The Update Message is Not Valid JSON (nested too deeply)",
                     id="deep"),
    ],
)
def test_a_file_that_is_not_json_is_invalid_not_unreadable(tmp_path, capsys, content, expected):
    status, note = run_main(capsys, "validate", "playlist", write(tmp_path, content))
    assert (status, note["status"], note["additionalInformation"]) == (1, "failure", expected)
    assert "guid" not in note


def test_binary_file_is_invalid_json(tmp_path, capsys):
    path = tmp_path / "message.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    status, note = run_main(capsys, "validate", "config", str(path))
    assert status == 1
    assert note["additionalInformation"] == (
        "The Update Message is Not Valid JSON (not UTF-8 text at byte 0)"
    )


def test_unreadable_file_exits_2_with_a_message_on_stderr(tmp_path):
    status, note, stderr = run_cli("validate", "playlist", str(tmp_path / "absent.json"))
    assert (status, note) == (2, None)
    assert "cannot read" in stderr and "absent.json" in stderr
    status, note, stderr = run_cli("validate", "config", str(tmp_path))
    assert (status, note) == (2, None) and "Is a directory" in stderr


@pytest.mark.parametrize(
    "args",
    [("validate",), ("validate", "banner", "x.json"), ("validate", "playlist"),
     ("validate", "playlist", "a.json", "--bogus")],
)
def test_usage_errors_exit_2(args):
    status, note, stderr = run_cli(*args)
    assert (status, note) == (2, None) and "usage:" in stderr


def gstv_coupon_playlist() -> dict:
    """A couponed playlist in GSTV's style: numeric-looking ids, .webm files, an
    11-digit barcode (the UPC-A number without its check digit, as their QA sends)."""
    coupon = {"title": "$1 Off Any Large Coffee", "detail": "Hot or iced",
              "barcode": "07084700010", "restriction": "Limit one per transaction",
              "validFrom": "11/30/2026 - 12/06/2026"}
    assets = [{"assetId": "228193", "filename": "CircleK_Coffee_15s_1130.webm",
               "type": "advertising", "start": "2026-11-30", "end": "2026-12-06",
               "tiNumber": "TI-77120", "coupons": [coupon]},
              {"assetId": "228210", "filename": "GSTV_SportsMinute_1130.webm",
               "type": "programming", "start": "2026-11-30", "end": "2026-12-06",
               "dayparts": [{"start": "05:00", "end": "10:00"}]}]
    return {"guid": "8a1f3c5e-2d4b-4f6a-9c8e-7b1d3f5a9c2e", "updatedOn": "2026-11-29 22:14:51.406",
            "playlist": [{"siteId": "104877", "banners": [],
                          "schedules": [{"segmentId": "1130-104877", "date": "2026-11-30",
                                         "loops": [{"loopNumber": 1, "assets": assets}]}]}]}


def test_a_gstv_coupon_playlist_with_an_11_digit_barcode_validates(tmp_path):
    status, note, stderr = run_cli("validate", "playlist", write(tmp_path, gstv_coupon_playlist()),
                                   "--site-id", "104877")
    assert (status, note["status"]) == (0, "success"), note
    message = gstv_coupon_playlist()
    message["playlist"][0]["schedules"][0]["loops"][0]["assets"][0]["coupons"][0][
        "barcode"] = "070847000104"
    status, note, _ = run_cli("validate", "playlist", write(tmp_path, message))
    assert status == 1 and note["additionalInformation"] == (
        "Coupon Barcode Check Digit is Wrong for CircleK_Coffee_15s_1130.webm "
        "(4, where 07084700010 takes 5)")


def test_a_gstv_site_configuration_with_hh_mm_times_validates(tmp_path):
    status, note, _ = run_cli("validate", "config",
                              write(tmp_path, config_cases.gstv_site_configuration()),
                              "--site-id", "104877")
    assert (status, note["notificationType"], note["status"]) == (
        0, "CONFIGURATION_VALIDATION", "success")


def test_network_configuration_prints_its_validation_and_ignores_the_site_id(tmp_path, capsys):
    status, note = run_main(capsys, "validate", "network", str(SAMPLES / "network.json"),
                            "--site-id", "SITE-0001")
    assert (status, note["notificationType"], note["status"]) == (
        0, "CONFIGURATION_VALIDATION", "success")
    assert list(note) == ["guid", "id", "notificationTimestamp", "notificationType", "status"]
    bad = json.loads((SAMPLES / "network.json").read_text())
    bad["configuration"][0]["evergreen"][0]["expiryHours"] = 6.2
    status, note = run_main(capsys, "validate", "network", write(tmp_path, bad))
    assert (status, note["status"], note["additionalInformation"]) == (
        1, "failure", "Expiry Hours is Incorrectly Formatted for gstv-weather.mp4")


@pytest.mark.parametrize("body", [
    pytest.param(json.loads((SAMPLES / "media" / "gstv-sports.json").read_text()), id="gstv"),
    pytest.param({"guid": "g-1", "updatedOn": "2026-11-22 10:00:00.000",
                  "media": [{"filename": "clip.mp4"}]}, id="ours"),
])
def test_media_prints_media_validation_for_either_form(tmp_path, body):
    status, note, stderr = run_cli("validate", "media", write(tmp_path, body), "--site-id", "X")
    assert (status, note["notificationType"], note["status"], stderr) == (
        0, "MEDIA_VALIDATION", "success", "")
    assert "siteId" not in note


def test_a_refused_gstv_media_update_names_its_file(tmp_path, capsys):
    body = json.loads((SAMPLES / "media" / "gstv-sports.json").read_text())
    del body["checksum"]
    status, note = run_main(capsys, "validate", "media", write(tmp_path, body))
    assert (status, note["additionalInformation"], note["filename"]) == (
        1, "Checksum is Missing", "gstv-sports.mp4")
    status, note, _ = run_cli("validate", "media", str(tmp_path / "absent.json"))
    assert (status, note) == (2, None)
