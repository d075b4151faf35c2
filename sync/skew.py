"""How far apart the screens of a site show the same frame: the figure `gstv sim` and
the sync benchmark report. Pure: displayed frames in, numbers out.

Each screen's trace gives (monotonic ns, frame number) for every picture it showed
(all screens of a rig share one monotonic clock, the machine's). A frame number comes
round again every pass of the test clip, so the same frame on two screens is the same
number seen within `MATCH_WINDOW_NS` of each other. A frame's skew is the spread (latest
minus earliest) of the times the screens showed it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MATCH_WINDOW_NS = 2_000_000_000  # well under the clip's 10 s pass
IN_STEP_MS = 2.0
CONVERGED_HOLD_NS = 1_000_000_000


@dataclass(frozen=True)
class FrameShown:
    at_ns: int  # monotonic time of the earliest screen that showed it
    number: int
    times: Mapping[str, int]  # terminal -> monotonic ns

    @property
    def skew_ms(self) -> float:
        return (max(self.times.values()) - min(self.times.values())) / 1e6


def match_frames(traces: Mapping[str, Iterable[tuple[int, int]]]) -> list[FrameShown]:
    """The frames shown, each with the time every screen that showed it showed it,
    oldest first. A number repeated back to back on one screen is one frame."""
    events: list[tuple[int, int, str]] = []
    for terminal, frames in traces.items():
        previous = None
        for at, number in frames:
            if number < 0 or number == previous:
                previous = number
                continue
            previous = number
            events.append((number, at, terminal))
    events.sort()
    shown: list[FrameShown] = []
    group: dict[str, int] = {}
    group_number, group_start = None, 0
    for number, at, terminal in events:
        if number != group_number or at - group_start > MATCH_WINDOW_NS:
            if group:
                shown.append(FrameShown(min(group.values()), group_number, group))
            group, group_number, group_start = {}, number, at
        group.setdefault(terminal, at)
    if group:
        shown.append(FrameShown(min(group.values()), group_number, group))
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


def back_in_step(shown: list[FrameShown], terminal: str, after_ns: int) -> int | None:
    """When `terminal` next showed a frame within `IN_STEP_MS` of the other screens."""
    for frame in shown:
        if frame.at_ns >= after_ns and terminal in frame.times and len(frame.times) > 1 \
                and frame.skew_ms <= IN_STEP_MS:
            return frame.times[terminal]
    return None


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
