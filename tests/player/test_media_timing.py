"""A file's timing read from its container, checked against what ffprobe (ffmpeg's own
demuxers) reports for the same files: the committed content matrix
(assets/sync/matrix/, made by scripts/make-sync-clip.sh) and the demo media."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path

import pytest

from player.matroska import NotMatroska, read_blocks
from player.media_timing import media_timing
from player.mp4 import keyframe_times_ms

ROOT = Path(__file__).resolve().parents[2]
MATRIX = sorted((ROOT / "assets/sync/matrix").glob("*"))


def ffprobe(path: Path, stream: str, *extra: str) -> list[dict]:
    run = subprocess.run(["ffprobe", "-v", "error", "-select_streams", stream, *extra,
                          "-of", "json", str(path)], capture_output=True, text=True,
                         check=True, timeout=60)
    return json.loads(run.stdout)


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


@pytest.mark.parametrize("path", MATRIX, ids=[p.name for p in MATRIX])
def test_every_clip_of_the_matrix_is_read_as_ffprobe_reads_it(path):
    assert len(MATRIX) == 6
    packets = ffprobe(path, "v", "-show_entries", "packet=pts_time,flags")["packets"]
    keyframes = [round(float(p["pts_time"]) * 1000) for p in packets if "K" in p["flags"]]
    first = min(round(float(p["pts_time"]) * 1000) for p in packets)
    timing = media_timing(path)
    assert timing is not None
    assert timing.video_start_ms == (first if path.suffix == ".webm" else 0)
    assert list(timing.keyframes_ms) == [k - timing.video_start_ms for k in keyframes]
    # 2 s GOPs at most (libvpx adds a keyframe where it sees fit).
    assert all(b - a <= 2010 for a, b in zip(timing.keyframes_ms, timing.keyframes_ms[1:]))
    if path.suffix == ".webm":
        sound = ffprobe(path, "a", "-show_entries", "packet=pts_time")["packets"]
        # ffmpeg takes Opus's CodecDelay off the times as libVLC does (ms precision).
        assert [math.floor(a) for a in read_blocks(path).audio_starts] == \
            [round(float(p["pts_time"]) * 1000) for p in sound]
        assert math.floor(timing.audio_start_ms) == round(float(sound[0]["pts_time"]) * 1000)


def test_opus_in_webm_starts_its_sound_before_its_picture():
    timing = media_timing(ROOT / "assets/sync/matrix/small-webm720-vp9.webm")
    assert timing.video_start_ms == 7 and timing.audio_start_ms == -6.5
    assert timing.audio_codec_delay_ms == 6.5
    assert timing.clock_lead_ms(0) == 13.5  # from the start: the sound's first sample
    assert timing.clock_lead_ms(1067) == 6.5  # after a seek: the codec delay


def test_what_is_not_matroska_is_refused_and_a_cut_file_reads_what_is_there(tmp_path):
    with pytest.raises(NotMatroska):
        read_blocks(ROOT / "assets/sync/frame-counter.mp4")
    whole = (ROOT / "assets/sync/matrix/small-webm720-vp8.webm").read_bytes()
    cut = tmp_path / "cut.webm"
    cut.write_bytes(whole[:len(whole) // 2])
    blocks = read_blocks(cut)
    assert blocks.video_keyframes[0] == 3 and len(blocks.audio_starts) > 10
    assert media_timing(tmp_path / "missing.webm") is None
