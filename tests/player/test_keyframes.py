from __future__ import annotations

from pathlib import Path

from player.keyframes import keyframe_times_ms

ROOT = Path(__file__).resolve().parents[2]


def test_keyframes_of_the_sync_clip_match_what_ffprobe_reported():
    # ffprobe -select_streams v -show_entries packet=pts_time,flags: K at these times.
    found = keyframe_times_ms(ROOT / "assets/sync/frame-counter.mp4")
    assert found == [0, 333] + [833 + 500 * i for i in range(19)]


def test_a_one_second_gop_clip():
    found = keyframe_times_ms(ROOT / "assets/media/gstv-sports.mp4")
    assert found == [1000 * i for i in range(12)]


def test_what_is_not_an_mp4_gives_none(tmp_path):
    assert keyframe_times_ms(ROOT / "assets/media/banner-welcome.png") is None
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes((ROOT / "assets/sync/frame-counter.mp4").read_bytes()[:2000])
    assert keyframe_times_ms(truncated) is None
    assert keyframe_times_ms(tmp_path / "missing.mp4") is None
