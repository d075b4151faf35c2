"""How far apart the screens of a site show the same frame: the figure `gstv sim` and
the sync benchmark report. Pure: displayed frames in, numbers out.

Each screen's trace gives (monotonic ns, frame number, file) for every picture it
showed (all screens of a rig share one monotonic clock, the machine's). A frame is
known by its file and its number: a loop of several clips shows the same numbers in
each. A frame number comes round again every pass of the clip, so the same frame on two
screens is the same (file, number) seen within `MATCH_WINDOW_NS` of each other. A frame's skew is the spread (latest
minus earliest) of the times the screens showed it.

Honest figures (what the issue asked of them):
- A screen more than `OUT_OF_STEP_MS` (2 s) off is out of step, not dropped: frames
  are matched within 4 s (so clips must be 10 s or longer), a frame whose spread passes
  2 s counts in `out_of_step`, and its skew stays in the figures.
- Only pictures libVLC displayed count for skew and resume; a held picture (primed, or
  played on behind a prompt) put up by a show has the show's time (player.frames).
- `coverage` is what a screen showed of what was due: every frame any screen
  displayed after convergence, except while that screen was excused (in a prompt,
  killed and not yet back). `dropped` is the difference.
- Resume ends at the first of `RESUME_RUN` (10) consecutive frames of the screen that
  were in step with the others. A frame no other screen showed (they were all in
  prompts too) is compared with where the others' frames of the same file and pass put
  it: the nearest in number within `EXTRAPOLATE_NS` (2 s), moved on by the frames
  between at the file's frame interval (the median interval the screens showed).
  Without one (the others were away across a pass boundary) it is passed over, and
  resume then waits for a screen to compare with: an upper bound.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MATCH_WINDOW_NS = 4_000_000_000  # under half of a clip's pass (10 s or more)
IN_STEP_MS = 2.0
OUT_OF_STEP_MS = 2_000.0
CONVERGED_HOLD_NS = 1_000_000_000
RESUME_RUN = 10
EXTRAPOLATE_NS = 2_000_000_000


@dataclass(frozen=True)
class FrameShown:
    at_ns: int  # monotonic time of the earliest screen that showed it
    number: int
    times: Mapping[str, int]  # terminal -> monotonic ns
    file: str = ""

    @property
    def skew_ms(self) -> float:
        return (max(self.times.values()) - min(self.times.values())) / 1e6


def match_frames(traces: Mapping[str, Iterable[tuple]], *,
                 held: bool = False) -> list[FrameShown]:
    """The frames shown, each with the time every screen that showed it showed it,
    oldest first. A trace entry is (ns, number), (ns, number, file) or (ns, number,
    file, held); held pictures are left out unless `held`. A frame repeated back to
    back on one screen is one frame."""
    events: list[tuple[tuple[str, int], int, str]] = []
    for terminal, frames in traces.items():
        previous = None
        for at, number, *rest in frames:
            key = (rest[0] if rest else "", number)
            if len(rest) > 1 and rest[1] and not held:
                # Held: left out; and libVLC showing that same picture again just after
                # (its unpause repaints it, 0.3-8 ms after the show here) is no frame
                # of its own either: the picture was on screen since the show.
                previous = key
                continue
            if number < 0 or key == previous:
                previous = key
                continue
            previous = key
            events.append((key, at, terminal))
    events.sort()
    shown: list[FrameShown] = []
    group: dict[str, int] = {}
    group_key, group_start = None, 0
    for key, at, terminal in events:
        if key != group_key or at - group_start > MATCH_WINDOW_NS:
            if group:
                shown.append(FrameShown(min(group.values()), group_key[1], group, group_key[0]))
            group, group_key, group_start = {}, key, at
        group.setdefault(terminal, at)
    if group:
        shown.append(FrameShown(min(group.values()), group_key[1], group, group_key[0]))
    shown.sort(key=lambda f: f.at_ns)
    return shown


def converged_at(shown: list[FrameShown], terminals: int) -> int | None:
    """The first moment at which all `terminals` screens showed a frame within
    `IN_STEP_MS` of each other, and from which, for `CONVERGED_HOLD_NS`, every frame
    two or more of them showed was within that too."""
    start = None
    for frame in shown:
        if start is None and len(frame.times) < terminals:
            continue
        if len(frame.times) < 2:
            continue
        if frame.skew_ms > IN_STEP_MS:
            start = None
            continue
        if start is None:
            start = frame.at_ns
        if frame.at_ns - start >= CONVERGED_HOLD_NS:
            return start
    return None


def back_in_step(shown: list[FrameShown], terminal: str, after_ns: int,
                 run: int = RESUME_RUN) -> int | None:
    """When, after `after_ns`, the first of `run` consecutive frames of `terminal` that
    were all within `IN_STEP_MS` of the other screens was shown."""
    reference = _Reference(shown, terminal)
    first, count = None, 0
    for frame in shown:
        if terminal not in frame.times or frame.times[terminal] < after_ns:
            continue
        skew = frame.skew_ms if len(frame.times) > 1 else reference.skew_ms(frame)
        if skew is None:
            continue
        if skew <= IN_STEP_MS:
            first = frame.times[terminal] if count == 0 else first
            count += 1
            if count >= run:
                return first
        else:
            first, count = None, 0
    return None


class _Reference:
    """Where the other screens' frames put a frame only `terminal` showed."""

    def __init__(self, shown: list[FrameShown], terminal: str) -> None:
        self._by_file: dict[str, list[tuple[int, int]]] = {}  # file -> [(ns, number)]
        runs: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (file, screen) -> frames
        for frame in shown:
            for other, at in frame.times.items():
                if other != terminal:
                    self._by_file.setdefault(frame.file, []).append((at, frame.number))
                    runs.setdefault((frame.file, other), []).append((at, frame.number))
        # The frame interval over 30 frames (one frame's is jittered by the display).
        spans: dict[str, list[float]] = {}
        for (file, _), frames in runs.items():
            frames.sort()
            spans.setdefault(file, []).extend(
                (b[0] - a[0]) / 30 for a, b in zip(frames, frames[30:]) if b[1] - a[1] == 30)
        self._interval_ns = {file: sorted(v)[len(v) // 2] for file, v in spans.items() if v}
        for frames in self._by_file.values():
            frames.sort()

    def skew_ms(self, frame: FrameShown) -> float | None:
        frames = self._by_file.get(frame.file)
        interval = self._interval_ns.get(frame.file)
        if not frames or interval is None:
            return None
        (at,) = frame.times.values()
        low = bisect.bisect_left(frames, (at - EXTRAPOLATE_NS, -1))
        high = bisect.bisect_right(frames, (at + EXTRAPOLATE_NS, 1 << 30))
        # The nearest in number: a frame of another pass of the clip is far in number.
        near = [(abs(frame.number - n), t, n) for t, n in frames[low:high]
                if abs(abs(t - at) - abs(frame.number - n) * interval) < interval * 2]
        if not near:
            return None
        _, t, n = min(near)
        return abs(at - (t + (frame.number - n) * interval)) / 1e6


def out_of_step(shown: list[FrameShown], since_ns: int) -> int:
    """Frames from `since_ns` on whose screens were more than `OUT_OF_STEP_MS` apart."""
    return sum(1 for f in shown if f.at_ns >= since_ns and f.skew_ms > OUT_OF_STEP_MS)


def coverage(shown_all: list[FrameShown], terminals: Iterable[str], since_ns: int,
             until_ns: int, excused: Mapping[str, list[tuple[int, int]]]
             ) -> tuple[dict[str, float], dict[str, int]]:
    """Per screen, the share of the frames due that it showed, and how many it did
    not. `shown_all` is matched with held pictures (they are on screen); a frame is due
    on a screen when any screen showed it in [since_ns, until_ns) outside the screen's
    excused spans."""
    shares, dropped = {}, {}
    for terminal in terminals:
        spans = excused.get(terminal, [])
        due = [f for f in shown_all if since_ns <= f.at_ns < until_ns
               and not any(a <= f.at_ns < b for a, b in spans)]
        missing = sum(1 for f in due if terminal not in f.times)
        shares[terminal] = round(1 - missing / len(due), 5) if due else None
        dropped[terminal] = missing
    return shares, dropped


def all_in_step(shown: list[FrameShown], terminals: int, after_ns: int) -> int | None:
    """When, at or after `after_ns`, all `terminals` screens first showed one frame
    within `IN_STEP_MS` of each other (a restarted screen or a healed site is back)."""
    for frame in shown:
        if frame.at_ns >= after_ns and len(frame.times) == terminals \
                and frame.skew_ms <= IN_STEP_MS:
            return frame.at_ns
    return None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
