"""`gstv sim`: a real site of three `gstv player` processes over loopback, short."""

from __future__ import annotations

import json
import sys

from tests import processes


def test_three_players_converge_and_stay_in_step():
    run = processes.run(
        [sys.executable, "-m", "gstv", "sim", "--terminals", "3", "--duration", "20",
         "--clock-faults", "--json", "--seed", "7"],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["terminals"] == 3
    # Loose bounds: a shared, busy machine (a p99 of 15 ms was seen with another test
    # run beside this one). Unsynchronised, the clock faults alone would put them
    # hundreds of ms apart. The targets are checked by bench/site_sync.py.
    assert result["converge_s"] is not None and result["converge_s"] < 15
    assert result["frames_compared"] > 200
    assert result["skew_ms"]["p50"] < 5 and result["skew_ms"]["p99"] < 30
    faults = result["faults"].values()
    assert any(abs(f["offset_ms"]) > 100 for f in faults)  # they really started apart


def refusal(*args: str) -> str:
    """What `gstv sim ARGS` says on stderr when it refuses them (exit status 2)."""
    run = processes.run([sys.executable, "-m", "gstv", "sim", *args],
                        capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    return run.stderr


def test_bad_arguments_are_refused_with_a_reason():
    assert "--terminals must be 1 to 16" in refusal("--terminals", "40")
    assert "--duration must be at least 5 s" in refusal("--duration", "3")


def test_a_loop_of_two_matrix_clips_with_prompts_is_measured_in_picture_and_sound():
    run = processes.run(
        [sys.executable, "-m", "gstv", "sim", "--terminals", "2", "--duration", "25",
         "--clips", "small-webm720-vp9,small-mp4720-h264", "--prompts", "--json",
         "--seed", "3"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["clips"] == ["small-webm720-vp9.webm", "small-mp4720-h264.mp4"]
    # In step within a frame or so: on this busy 2-core rig a window screen is still
    # sometimes one whole frame off after libVLC restarts its clock (issue 17, README
    # "Not met yet"); the observer, fixed to stamp no picture before it was drawn, now
    # shows it (p99 32.8 ms in one CI run). The figures are the benchmarks' business.
    assert result["frames_compared"] > 200 and result["skew_ms"]["p99"] < 70
    assert result["out_of_step"] == 0
    assert all(share > 0.9 for share in result["coverage"].values()), result["coverage"]
    # What the sinks played: a burst a second on each screen, matched across them.
    assert all(heard >= 8 for heard in result["bursts_heard"].values())
    assert result["audio_skew_ms"]["p50"] is not None
    if result["prompts"]:
        # Loose: a busy machine (350 ms once in a CI run; the target, 20 ms, is
        # bench/prompt_latency.py's). Unmuted, the sound would run through the whole
        # 2-6 s prompt.
        assert result["prompt_silence_ms"]["max"] < 1000


def test_windows_under_xvfb_are_measured_from_what_the_x_server_received():
    run = processes.run(
        [sys.executable, "-m", "gstv", "sim", "--terminals", "2", "--duration", "20",
         "--clip", "small-webm720-vp9", "--output", "window", "--no-sound", "--json",
         "--seed", "5"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # The frames come from the observer (gstv_rigs.window_observer): read back from the
    # X server's pixels, the file named by the clip's tag.
    # In step within a frame or so: on this busy 2-core rig a window screen is still
    # sometimes one whole frame off after libVLC restarts its clock (issue 17, README
    # "Not met yet"); the observer, fixed to stamp no picture before it was drawn, now
    # shows it (p99 32.8 ms in one CI run). The figures are the benchmarks' business.
    assert result["frames_compared"] > 200 and result["skew_ms"]["p99"] < 70
    assert result["out_of_step"] == 0
    assert all(share > 0.9 for share in result["coverage"].values()), result["coverage"]


def test_a_clip_that_names_nothing_is_refused():
    assert "unknown clip 'webm4k-av1'" in refusal("--clip", "webm4k-av1")
    assert "no clip file /no/such.webm" in refusal("--clip", "/no/such.webm")


def test_the_players_own_sound_output_is_heard_on_time_at_the_sinks():
    """`sound_timing = "player"` (player.audio_out): libVLC's sound through the
    player's own PulseAudio stream, each buffer placed on its instant."""
    run = processes.run(
        [sys.executable, "-m", "gstv", "sim", "--terminals", "2", "--duration", "15",
         "--clip", "small-webm720-vp9", "--sound-timing", "player", "--json",
         "--seed", "2"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert all(heard >= 8 for heard in result["bursts_heard"].values()), result
    # Loose: a busy machine. With libVLC's own output the sinks were 3-5 ms apart at p50.
    assert result["audio_skew_ms"]["p50"] is not None and result["audio_skew_ms"]["p50"] < 5
    assert abs(result["av_offset_ms"]["p50"]) < 30
