"""Unreferenced media are deleted after the grace period, never before, never a file a
staged or queued update names, and never when the staged playlist is unreadable."""

from __future__ import annotations

import hashlib
import json

from scheduler.filenames import old_version_name
from sync_agent.media_cleanup import MediaCleaner, named_files, sweep
from sync_agent.media_store import MediaStore, read_record
from sync_agent.update_queue import UpdateQueue

HOUR = 3600.0


def test_named_files_finds_assets_banners_and_the_blankout_video():
    playlist = {"playlist": [{"banners": [{"filename": "b.png"}],
                              "schedules": [{"loops": [{"assets": [{"filename": "a.mp4"}]}]}]}]}
    configuration = {"configuration": {"blankoutvideo": "closed.mp4"}}
    assert named_files(playlist) == {"a.mp4", "b.png"}
    assert named_files(configuration) == {"closed.mp4"}
    assert named_files(["x", {"filename": 3}]) == set()


def test_sweep_starts_the_grace_then_deletes_at_its_end():
    present = ["kept.mp4", "old.mp4", ".old.mp4.partial", ".kept.mp4.partial",
               ".hidden", "notes"]
    first = sweep(present, {"kept.mp4"}, {}, now_s=1000, grace_s=24 * HOUR)
    assert first.delete == ()
    # "notes" is a plain name the agent could have downloaded; ".hidden" is not ours.
    assert set(first.newly_unreferenced) == {"old.mp4", ".old.mp4.partial", "notes"}
    assert set(first.unreferenced_since.values()) == {1000}
    almost = sweep(present, {"kept.mp4"}, first.unreferenced_since,
                   now_s=1000 + 24 * HOUR - 1, grace_s=24 * HOUR)
    assert almost.delete == () and almost.newly_unreferenced == ()
    due = sweep(present, {"kept.mp4"}, first.unreferenced_since, now_s=1000 + 24 * HOUR,
                grace_s=24 * HOUR)
    assert set(due.delete) == {"old.mp4", ".old.mp4.partial", "notes"}
    assert due.unreferenced_since == {}


def test_a_file_referenced_again_leaves_the_list():
    since = {"back.mp4": 0.0}
    result = sweep(["back.mp4"], {"back.mp4"}, since, now_s=10 * 24 * HOUR, grace_s=HOUR)
    assert result.delete == () and result.unreferenced_since == {}
    again = sweep(["back.mp4"], set(), result.unreferenced_since, now_s=10 * 24 * HOUR + 1,
                  grace_s=HOUR)
    assert again.delete == () and again.newly_unreferenced == ("back.mp4",)


def stage(tmp_path, playlist_names, blankout=None):
    active = tmp_path / "active"
    active.mkdir(exist_ok=True)
    assets = [{"filename": name} for name in playlist_names]
    (active / "playlist.json").write_text(json.dumps(
        {"playlist": [{"schedules": [{"loops": [{"assets": assets}]}]}]}))
    if blankout:
        (active / "config.json").write_text(json.dumps(
            {"configuration": {"blankoutVideo": blankout}}))
    return active


def test_cleaner_keeps_staged_and_queued_media_and_survives_a_restart(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    for name in ("playing.mp4", "closed.mp4", "coming.mp4", "gone.mp4"):
        (media / name).write_bytes(b"x")
    active = stage(tmp_path, ["playing.mp4"], blankout="closed.mp4")
    queue = UpdateQueue(tmp_path / "queue")
    queue.put("playlist", {"playlist": [{"schedules": [{"loops": [{"assets": [
        {"filename": "coming.mp4"}]}]}]}]}, "inbox:p.json")
    queue.put("playlist", "not json at all", "inbox:bad.json")
    state = tmp_path / "agent" / "unreferenced.json"

    cleaner = MediaCleaner(media, active, state, grace_s=24 * HOUR)
    assert cleaner.run(queue.bodies(), now_s=0) == []
    # A restart: a new cleaner reads when the grace began from the state file.
    cleaner = MediaCleaner(media, active, state, grace_s=24 * HOUR)
    assert cleaner.run(queue.bodies(), now_s=12 * HOUR) == []
    assert (media / "gone.mp4").exists()
    assert cleaner.run(queue.bodies(), now_s=24 * HOUR) == ["gone.mp4"]
    assert sorted(p.name for p in media.iterdir()) == ["closed.mp4", "coming.mp4",
                                                       "playing.mp4"]
    assert json.loads(state.read_text()) == {}


def test_an_unreadable_staged_playlist_deletes_nothing(tmp_path, caplog):
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.mp4").write_bytes(b"x")
    active = tmp_path / "active"
    active.mkdir()
    (active / "playlist.json").write_text("{ truncated")
    cleaner = MediaCleaner(media, active, tmp_path / "unreferenced.json", grace_s=0)
    assert cleaner.run([], now_s=1e9) == []
    assert (media / "a.mp4").exists()
    assert "media_cleanup_skipped reason=playlist.json is not JSON" in caplog.text


def test_a_newly_staged_playlist_is_read_again_by_the_same_cleaner(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    for name in ("a.mp4", "b.mp4"):
        (media / name).write_bytes(b"x")
    active = stage(tmp_path, ["a.mp4"])
    cleaner = MediaCleaner(media, active, tmp_path / "unreferenced.json", grace_s=HOUR)
    assert cleaner.run([], now_s=0) == []
    stage(tmp_path, ["b.mp4", "other-name-to-change-the-size.mp4"])
    assert cleaner.run([], now_s=HOUR) == []  # a.mp4's grace starts only now
    assert cleaner.run([], now_s=2 * HOUR) == ["a.mp4"]
    assert (media / "b.mp4").exists()


def test_evergreen_and_swap_files_of_the_network_configuration_are_kept(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    for name in ("AccuWeather_Local.webm", "GSTV_Weather_Generic.webm", "stale.webm"):
        (media / name).write_bytes(b"x")
    active = stage(tmp_path, [])
    (active / "network.json").write_text(json.dumps({"configuration": [{
        "shutdownHours": 72, "evergreen": [{"filename": "AccuWeather_Local.webm",
                                            "expiryHours": 6,
                                            "swapFilename": "GSTV_Weather_Generic.webm"}]}]}))
    cleaner = MediaCleaner(media, active, tmp_path / "unreferenced.json", grace_s=0)
    assert cleaner.run([], now_s=0) == ["stale.webm"]


def test_an_earlier_version_goes_after_the_grace_whatever_names_it(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    name = "GSTV_SportsMinute.webm"
    partial = media / f".{name}.partial"
    for data in (b"first cut", b"second cut"):
        partial.write_bytes(data)
        MediaStore(media).place(partial, name, md5=hashlib.md5(data).hexdigest(), now_ms=0)
    old = media / old_version_name(name, hashlib.md5(b"first cut").hexdigest())
    assert old.read_bytes() == b"first cut"
    active = stage(tmp_path, [name])  # the playlist still names the file
    cleaner = MediaCleaner(media, active, tmp_path / "unreferenced.json", grace_s=HOUR)
    assert cleaner.run([], now_s=0) == []
    assert cleaner.run([], now_s=HOUR) == [old.name]
    assert (media / name).read_bytes() == b"second cut" and not old.exists()
    assert name in read_record(media)  # the file in force keeps its record


def test_a_deleted_file_leaves_the_record(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    partial = media / ".gone.webm.partial"
    partial.write_bytes(b"x")
    MediaStore(media).place(partial, "gone.webm", md5=hashlib.md5(b"x").hexdigest(), now_ms=0)
    cleaner = MediaCleaner(media, stage(tmp_path, []), tmp_path / "unreferenced.json",
                           grace_s=0)
    assert cleaner.run([], now_s=0) == ["gone.webm"]
    assert read_record(media) == {}
