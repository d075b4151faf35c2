from __future__ import annotations

import pytest

from sync.skew import back_in_step, converged_at, match_frames

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
