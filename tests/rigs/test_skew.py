from __future__ import annotations

import pytest

from gstv_rigs.skew import back_in_step, converged_at, coverage, match_frames, out_of_step

MS = 1_000_000
FRAME = 33_333_333


def trace(start_ns: int, first: int, count: int, *, late_ms: float = 0.0):
    return [(start_ns + k * FRAME + int(late_ms * MS), (first + k) % 300)
            for k in range(count)]


def test_the_same_frame_on_two_screens_is_matched_and_its_spread_measured():
    shown = match_frames({"T1": trace(0, 0, 600), "T2": trace(0, 0, 600, late_ms=1.5)})
    assert len(shown) == 600  # the clip's numbers come round every 10 s: not mixed up
    assert all(f.skew_ms == pytest.approx(1.5, abs=1e-6) for f in shown)


def test_repaints_are_one_frame_and_unnumbered_frames_ignored():
    frames = trace(0, 0, 10)
    frames.insert(3, (frames[2][0] + 200_000, frames[2][1]))  # the same picture again
    frames.append((frames[-1][0] + FRAME, -1))
    shown = match_frames({"T1": frames, "T2": trace(0, 0, 10)})
    assert len(shown) == 10 and all(f.skew_ms == 0 for f in shown)


def test_converged_when_all_screens_agree_and_keep_agreeing_for_a_second():
    late = trace(0, 0, 60, late_ms=6.0) + trace(60 * FRAME, 60, 120, late_ms=0.5)
    shown = match_frames({"T1": trace(0, 0, 180), "T2": late, "T3": trace(0, 0, 180)})
    assert converged_at(shown, 3) == 60 * FRAME
    assert converged_at(shown[:70], 3) is None  # not held for a second yet


def test_back_in_step_after_a_prompt():
    t2 = trace(0, 0, 30) + trace(60 * FRAME, 60, 10, late_ms=4.0) + trace(70 * FRAME, 70, 30)
    shown = match_frames({"T1": trace(0, 0, 100), "T2": t2})
    assert back_in_step(shown, "T2", 31 * FRAME) == 70 * FRAME


def test_a_screen_seconds_off_is_out_of_step_and_stays_in_the_figures():
    shown = match_frames({"T1": trace(0, 0, 200), "T2": trace(0, 0, 200, late_ms=3000)})
    assert len(shown) == 200  # matched, not left out
    assert out_of_step(shown, 0) == 200 and min(f.skew_ms for f in shown) > 2900


def test_frames_of_different_files_are_different_frames():
    one = [(at, n, "a.webm") for at, n in trace(0, 0, 30)]
    other = [(at, n, "b.mp4") for at, n in trace(0, 0, 30)]
    shown = match_frames({"T1": one, "T2": other})
    assert len(shown) == 60 and all(len(f.times) == 1 for f in shown)


def test_held_pictures_count_for_coverage_not_for_skew_or_resume():
    t2 = [(at, n, "c", False) for at, n in trace(0, 0, 30)]
    t2[10] = (t2[10][0] + 15 * MS, t2[10][1], "c", True)  # revealed 15 ms late
    t1 = [(at, n, "c", False) for at, n in trace(0, 0, 30)]
    skews = [f.skew_ms for f in match_frames({"T1": t1, "T2": t2})]
    assert max(skews) == 0
    with_held = match_frames({"T1": t1, "T2": t2}, held=True)
    shares, dropped = coverage(with_held, ["T1", "T2"], 0, 30 * FRAME, {})
    assert shares == {"T1": 1.0, "T2": 1.0} and dropped == {"T1": 0, "T2": 0}


def test_libvlc_repainting_a_held_picture_is_no_frame_of_its_own():
    """A slot's primed picture goes up with its deck's show (held); libVLC's unpause
    repaints it a few ms later. The repaint is not when the screen showed it."""
    def slot(repaint_ms: float) -> list[tuple]:
        frames = [(at, n, "c", False) for at, n in trace(0, 0, 30)]
        held = (frames[0][0], 0, "c", True)
        return [held, (held[0] + int(repaint_ms * MS), 0, "c", False)] + frames[1:]
    shown = match_frames({"T1": slot(0.3), "T2": slot(8.0)})
    assert [f.number for f in shown] == list(range(1, 30))
    assert max(f.skew_ms for f in shown) == 0


def test_coverage_counts_what_a_screen_missed_outside_its_prompts():
    t2 = trace(0, 0, 40) + trace(60 * FRAME, 60, 40)  # 20 frames missing
    shown = match_frames({"T1": trace(0, 0, 100), "T2": t2}, held=True)
    shares, dropped = coverage(shown, ["T1", "T2"], 0, 100 * FRAME, {})
    assert dropped == {"T1": 0, "T2": 20} and shares["T2"] == 0.8
    excused = {"T2": [(40 * FRAME, 60 * FRAME)]}  # it was in a prompt then
    shares, dropped = coverage(shown, ["T1", "T2"], 0, 100 * FRAME, excused)
    assert dropped["T2"] == 0 and shares["T2"] == 1.0


def test_resume_needs_ten_frames_in_step_in_a_row():
    t2 = trace(0, 0, 30) + trace(60 * FRAME, 60, 5) + trace(65 * FRAME, 65, 3, late_ms=4.0) \
        + trace(68 * FRAME, 68, 32)
    shown = match_frames({"T1": trace(0, 0, 100), "T2": t2})
    assert back_in_step(shown, "T2", 31 * FRAME) == 68 * FRAME


def test_a_screen_back_while_every_other_is_away_is_measured_against_their_frames():
    # T1 away (a prompt) from frame 40 to 80; T2 away from 30, back in step at 60.
    t1 = trace(0, 0, 40) + trace(80 * FRAME, 80, 20)
    t2 = trace(0, 0, 30) + trace(60 * FRAME, 60, 40)
    shown = match_frames({"T1": t1, "T2": t2})
    assert back_in_step(shown, "T2", 31 * FRAME) == 60 * FRAME  # not 80: T1's return
    late = trace(0, 0, 30) + trace(60 * FRAME, 60, 40, late_ms=5.0)
    shown = match_frames({"T1": t1, "T2": late})
    assert back_in_step(shown, "T2", 31 * FRAME) is None  # 5 ms off, all along
