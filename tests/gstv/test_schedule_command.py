"""The `gstv schedule` contract on the sample site with the real demo media."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from tests import processes
from tests.messages import SAMPLES

GSTV = Path(sys.executable).parent / "gstv"
MEDIA = SAMPLES.parent / "media"


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("media")
    for item in MEDIA.iterdir():
        shutil.copy(item, target / item.name)
    return target


def schedule(*args: str) -> subprocess.CompletedProcess:
    return processes.run([str(GSTV), "schedule", *args], capture_output=True, text=True,
                         timeout=60)


def sample_args(media_dir: Path, start: str, end: str, config: bool = True) -> list[str]:
    args = ["--playlist", str(SAMPLES / "playlist.json"), "--media-dir", str(media_dir),
            "--tz", "America/New_York", "--from", start, "--until", end]
    return args + ["--config", str(SAMPLES / "config.json")] if config else args


def lines(proc) -> list[dict]:
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_slots_around_the_monday_opening(media_dir):
    slots = lines(schedule(*sample_args(media_dir, "2026-11-23T04:59:45", "2026-11-23T05:00:30")))
    assert slots[0] == {
        "start": "2026-11-23T04:59:40.000-05:00", "end": "2026-11-23T04:59:50.000-05:00",
        "kind": "blankout", "filename": "gstv-blankout.mp4", "assetId": None,
        "loopNumber": None, "segmentId": None,
    }
    assert slots[2] == {
        "start": "2026-11-23T05:00:00.000-05:00", "end": "2026-11-23T05:00:12.000-05:00",
        "kind": "asset", "filename": "gstv-news-open.mp4", "assetId": "A-1001",
        "loopNumber": 1, "segmentId": "SEG-20261123",
    }
    # The coffee spot's 05:00-11:00 daypart is open: it follows in array order.
    assert (slots[3]["filename"], slots[3]["start"]) == (
        "acme-coffee-15s.mp4", "2026-11-23T05:00:12.000-05:00")
    assert slots[-1]["end"] > "2026-11-23T05:00:30"
    assert all(a["end"] == b["start"] for a, b in zip(slots, slots[1:]))


def test_dayparted_asset_is_skipped_outside_its_window(media_dir):
    slots = lines(schedule(*sample_args(media_dir, "2026-11-23T12:00:00", "2026-11-23T12:10:00")))
    names = {s["filename"] for s in slots}
    assert "acme-coffee-15s.mp4" not in names  # 05:00-11:00 only
    assert "late-night-snacks-15s.mp4" not in names  # 20:00-04:00 only
    assert "car-wash-15s.mp4" in names  # 07:00-19:00


def test_without_config_the_site_is_open_all_day(media_dir):
    slots = lines(schedule(*sample_args(media_dir, "2026-11-23T02:00:00",
                                        "2026-11-23T02:00:01", config=False)))
    assert [s["kind"] for s in slots] == ["asset"]


def test_a_missing_media_file_is_skipped(tmp_path):
    for item in MEDIA.iterdir():
        if item.name != "tyre-shop-15s.mp4":
            shutil.copy(item, tmp_path / item.name)
    slots = lines(schedule(*sample_args(tmp_path, "2026-11-23T05:00:00", "2026-11-23T05:05:00")))
    names = [s["filename"] for s in slots]
    assert "tyre-shop-15s.mp4" not in names
    assert names[:3] == ["gstv-news-open.mp4", "acme-coffee-15s.mp4", "gstv-weather.mp4"]


def test_offsets_follow_dst(media_dir, tmp_path):
    message = json.loads((SAMPLES / "playlist.json").read_text())
    message["playlist"][0]["schedules"][0]["date"] = "2026-11-01"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(message))
    args = sample_args(media_dir, "2026-11-01T01:59:50", "2026-11-01T02:00:10", config=False)
    args[1] = str(path)
    slots = lines(schedule(*args))
    # 01:59:50 is the first (EDT) one; 02:00:10 exists once (EST): an hour and 20 s apart.
    assert slots[0]["start"].endswith("-04:00") and slots[-1]["end"].endswith("-05:00")
    span = datetime.fromisoformat(slots[-1]["end"]) - datetime.fromisoformat(slots[0]["start"])
    assert 3620 <= span.total_seconds() <= 3620 + 2 * 15


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"--tz": "Mars/Olympus_Mons"}, "unknown time zone", id="zone"),
        pytest.param({"--from": "yesterday"}, "is not an ISO 8601 local time", id="from"),
        pytest.param({"--until": "2026-11-23T04:00:00"}, "is not after --from", id="order"),
    ],
)
def test_invalid_arguments_exit_1_with_a_message(media_dir, change, message):
    args = sample_args(media_dir, "2026-11-23T05:00:00", "2026-11-23T06:00:00")
    for option, value in change.items():
        args[args.index(option) + 1] = value
    proc = schedule(*args)
    assert proc.returncode == 1 and proc.stdout == "" and message in proc.stderr


def test_invalid_playlist_exits_1_with_the_validator_text(media_dir, tmp_path):
    message = json.loads((SAMPLES / "playlist.json").read_text())
    del message["guid"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(message))
    args = sample_args(media_dir, "2026-11-23T05:00:00", "2026-11-23T06:00:00")
    args[1] = str(path)
    proc = schedule(*args)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().endswith("GUID is Missing")


def test_unreadable_playlist_exits_2(media_dir, tmp_path):
    args = sample_args(media_dir, "2026-11-23T05:00:00", "2026-11-23T06:00:00")
    args[1] = str(tmp_path / "absent.json")
    proc = schedule(*args)
    assert proc.returncode == 2 and "cannot read" in proc.stderr


# -- GSTV's playback rules: --network and --offline-since (issue #18) ---------------------

def network_args(media_dir: Path, start: str, end: str, *extra: str) -> list[str]:
    return [*sample_args(media_dir, start, end), "--network", str(SAMPLES / "network.json"),
            *extra]


def local_ms(text: str) -> int:
    from zoneinfo import ZoneInfo
    return int(datetime.fromisoformat(text).replace(
        tzinfo=ZoneInfo("America/New_York")).timestamp() * 1000)


def test_the_evergreen_weather_is_swapped_six_hours_after_the_agent_received_it(tmp_path):
    for item in MEDIA.iterdir():
        shutil.copy(item, tmp_path / item.name)
    # The agent's record says the forecast arrived at midnight: the sample network
    # configuration expires it after 6 h and puts the news opener in its spot.
    weather = (tmp_path / "gstv-weather.mp4").stat()
    (tmp_path / ".record.json").write_text(json.dumps({"files": {"gstv-weather.mp4": {
        "md5": "0" * 32, "size": weather.st_size, "mtime_ns": weather.st_mtime_ns,
        "received_ms": local_ms("2026-11-23T00:00:00")}}}))
    slots = lines(schedule(*network_args(tmp_path, "2026-11-23T05:50:00",
                                         "2026-11-23T06:10:00")))
    weather_spots = [s for s in slots if "gstv-weather.mp4" in
                     (s["filename"], s.get("swappedFrom"))]
    before = [s for s in weather_spots if s["start"] < "2026-11-23T06:00"]
    after = [s for s in weather_spots if s["start"] >= "2026-11-23T06:00"]
    assert before and after
    assert all(s["filename"] == "gstv-weather.mp4" and "swappedFrom" not in s
               for s in before)
    assert all(s["filename"] == "gstv-news-open.mp4" and s["swappedFrom"] == "gstv-weather.mp4"
               and s["assetId"] == "A-1002" for s in after), after
    # Without a record the file counts as received when it was written: now, so the
    # same spots are not swapped.
    (tmp_path / ".record.json").unlink()
    unswapped = lines(schedule(*network_args(tmp_path, "2026-11-23T05:50:00",
                                             "2026-11-23T06:10:00")))
    assert not any("swappedFrom" in s for s in unswapped)


def test_offline_since_halts_after_shutdown_hours_and_carries_the_last_schedule_over(
        media_dir):
    # Offline since Sunday 18:00, the last day with a schedule: Monday plays Sunday's
    # loops (the tyre shop's spot ended on the 26th and stays out)...
    carried = lines(schedule(*network_args(media_dir, "2026-11-30T05:00:00",
                                           "2026-11-30T05:10:00",
                                           "--offline-since", "2026-11-29T18:00:00")))
    assert carried[0]["segmentId"] == "SEG-20261129"
    names = {s["filename"] for s in carried}
    assert "gstv-news-open.mp4" in names and "tyre-shop-15s.mp4" not in names
    # ...online, seed 001 stands: no schedule of its own date, closed.
    online = lines(schedule(*network_args(media_dir, "2026-11-30T05:00:00",
                                          "2026-11-30T05:10:00")))
    assert {s["kind"] for s in online} == {"blankout"}
    # 72 shutdown hours after Sunday 18:00 the site halts, in short slots.
    halted = lines(schedule(*network_args(media_dir, "2026-12-02T17:59:00",
                                          "2026-12-02T18:00:20",
                                          "--offline-since", "2026-11-29T18:00:00")))
    assert halted[-1]["kind"] == "halted" and halted[-1]["filename"] is None
    first = next(s for s in halted if s["kind"] == "halted")
    assert first["start"] == "2026-12-02T18:00:00.000-05:00"
    assert halted[halted.index(first) - 1]["end"] == first["start"]


def test_a_bad_network_file_or_offline_instant_exits_1_with_the_reason(media_dir, tmp_path):
    message = json.loads((SAMPLES / "network.json").read_text())
    message["configuration"][0]["shutdownHours"] = "seventy-two"
    path = tmp_path / "network.json"
    path.write_text(json.dumps(message))
    args = sample_args(media_dir, "2026-11-23T05:00:00", "2026-11-23T06:00:00")
    proc = schedule(*args, "--network", str(path))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().endswith("Shutdown Hours is Incorrectly Formatted")
    proc = schedule(*args, "--offline-since", "last tuesday")
    assert proc.returncode == 1 and "--offline-since 'last tuesday' is not an ISO 8601" \
        in proc.stderr
