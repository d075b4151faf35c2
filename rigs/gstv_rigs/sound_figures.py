"""The sound figures of a rig run, from the recorders' logs (gstv_rigs.sound) and the
frame traces. Pure: events in, numbers out. All times are CLOCK_MONOTONIC ns, the one
clock every screen's frame trace and every sink's recorder stamp with.

- `audio_skew_ms`: how far apart the sinks played the same burst (its onset), for
  every burst two or more sinks played within `MATCH_NS` of each other. Not the sound
  coming back after a prompt: it comes back `BUFFER_MS` (player.audio_out) after
  `prompt_end`, and when that falls in a burst the "onset" is the return, not the
  burst's (seen: one 13.6 ms late, 2026-12-04); that return is `sound_back`'s.
- `av_offset_ms`: per burst, its onset at a sink minus the display of the frame it is
  on (a frame numbered a multiple of 30) on the same screen; positive when the sound is
  late. Held pictures do not count (their time is a show's).
- `audio_gaps`: silences of `GAP_MS` or more that ended in sound again, outside the
  screen's excused spans (prompts, kills). Silences within `BOUNDARY_NS` of a change of
  file or pass (a slot boundary) are counted apart, in `audio_boundary_gaps`: a deck
  change, not steering. Repeats cannot be told from the level alone and are not
  counted; the rate steering's sound continuity is counted by samples in
  tests/player/test_rate_sound.py.
- `prompt_silence_ms`: from the rig writing `prompt_start` on the payment socket to the
  sink going silent.
- `prompt_heard`: sound the sink played later in a prompt (from `PROMPT_GRACE_NS` after
  its start to its end): how many prompts had any, and the most of it in one. Seen
  with libVLC's mute, 2026-12-03: a deck started behind a prompt was heard.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from gstv_rigs.site import summary_of
from gstv_rigs.sound import GAP_MS

MATCH_NS = 400_000_000  # bursts are a second apart
AV_MATCH_NS = 500_000_000
BOUNDARY_NS = 150_000_000
MARK_EVERY = 30
END_SLACK_NS = 5_000_000  # sound this close to a prompt's end is its reveal (2 ms chunks)
PROMPT_GRACE_NS = 20_000_000  # the silence target: a mute's own latency
RETURN_SLACK_NS = 1_000_000  # an onset this near the sound's return is that return


def read_log(path: Path) -> list[tuple[str, int]]:
    try:
        lines = path.read_text().split("\n")
    except OSError:
        return []
    events = []
    for line in lines:
        kind, _, at = line.partition(" ")
        if kind in ("onset", "silent", "sound") and at.isdigit():
            events.append((kind, int(at)))
    return events


def returns_after_prompts(events: list[tuple[str, int]],
                          prompts: list[tuple[int, int | None]]) -> set[int]:
    """The onsets that are the sound coming back after a prompt: the first sound after
    its end, when an onset comes with it."""
    sounds = [at for kind, at in events if kind == "sound"]
    out = set()
    for _, end in prompts:
        back = next((at for at in sounds if end is not None and at > end), None)
        if back is None:
            continue
        out.update(at for kind, at in events
                   if kind == "onset" and abs(at - back) <= RETURN_SLACK_NS)
    return out


def audio_skews(onsets: Mapping[str, list[int]], since_ns: int) -> list[float]:
    """Spread (ms) of each burst played by two or more sinks."""
    events = sorted((at, sink) for sink, times in onsets.items() for at in times
                    if at >= since_ns)
    skews, group = [], {}
    for at, sink in events:
        if group and at - min(group.values()) > MATCH_NS:
            if len(group) > 1:
                skews.append((max(group.values()) - min(group.values())) / 1e6)
            group = {}
        group.setdefault(sink, at)
    if len(group) > 1:
        skews.append((max(group.values()) - min(group.values())) / 1e6)
    return skews


def av_offsets(onsets: list[int], frames: Iterable[tuple], since_ns: int) -> list[float]:
    """Onset minus the display of the nearest marked frame (ms) on one screen."""
    marks = sorted(at for at, number, *rest in frames
                   if number >= 0 and number % MARK_EVERY == 0
                   and not (len(rest) > 1 and rest[1]) and at >= since_ns)
    offsets = []
    for onset in onsets:
        if onset < since_ns:
            continue
        near = min(marks, key=lambda at: abs(at - onset), default=None)
        if near is not None and abs(near - onset) <= AV_MATCH_NS:
            offsets.append((onset - near) / 1e6)
    return offsets


def boundaries(frames: list[tuple]) -> list[int]:
    """When the screen changed file or started a pass again (its slot boundaries)."""
    out, previous = [], None
    for at, number, *rest in frames:
        key = rest[0] if rest else ""
        if number < 0:
            continue
        if previous is not None and (key != previous[1] or number < previous[0]):
            out.append(at)
        previous = (number, key)
    return out


def gaps(events: list[tuple[str, int]], excused: list[tuple[int, int]],
         bounds: list[int], since_ns: int) -> tuple[int, int]:
    """(gaps, gaps at a slot boundary) of `GAP_MS` or more, outside `excused`."""
    count = at_boundary = 0
    silent_at = None
    for kind, at in events:
        if kind == "silent":
            silent_at = at
        elif kind == "sound" and silent_at is not None:
            start, silent_at = silent_at, None
            if start < since_ns or (at - start) / 1e6 < GAP_MS:
                continue
            if any(a - BOUNDARY_NS <= start <= b + BOUNDARY_NS for a, b in excused):
                continue
            if any(abs(start - b) <= BOUNDARY_NS for b in bounds):
                at_boundary += 1
            else:
                count += 1
    return count, at_boundary


def _stretches(events: list[tuple[str, int]]) -> list[tuple[int, int | None]]:
    """The sink's sounding stretches (start, end; None: still sounding at the log's
    end). The recorder starts silent and logs changes only."""
    stretches, since = [], None
    for kind, at in events:
        if kind == "sound" and since is None:
            since = at
        elif kind == "silent" and since is not None:
            stretches.append((since, at))
            since = None
    if since is not None:
        stretches.append((since, None))
    return stretches


def heard_in_prompts(events: list[tuple[str, int]], prompts: list[tuple[int, int | None]],
                     grace_ns: int) -> list[float]:
    """For each prompt (start, end), ms of sound the sink played from `grace_ns` after
    its start (the mute's own latency, which `prompt_silences` measures) to
    `END_SLACK_NS` before its end: how much a customer heard that they should not."""
    last = events[-1][1] if events else 0
    stretches = _stretches(events)
    out = []
    for start, end in prompts:
        begin, until = start + grace_ns, (last if end is None else end) - END_SLACK_NS
        heard = sum(max(0, min(until, b if b is not None else until) - max(begin, a))
                    for a, b in stretches)
        out.append(heard / 1e6)
    return out


def prompt_silences(events: list[tuple[str, int]], prompt_starts: list[int]) -> list[float]:
    """For each prompt, ms from its start until the sink was silent: the mute's
    latency. (Sound that comes back later in the prompt is `heard_in_prompts`'.) A
    prompt after which the sink never went silent counts as the time to the log's last
    event: it is a bad case, never left out."""
    out = []
    last = events[-1][1] if events else None
    silents = [at for kind, at in events if kind == "silent"]
    sounds = [at for kind, at in events if kind == "sound"]
    for start in prompt_starts:
        # Silent already (between bursts there is the bed: never silent while playing).
        # The recorder starts silent and logs changes only: no sound yet is silence.
        before = [a for a in silents if a <= start]
        after_sound = [a for a in sounds if a <= start]
        if not after_sound or (before and before[-1] > after_sound[-1]):
            out.append(0.0)
            continue
        out += _ms_to_next(silents, [start], last)
    return out


def sound_back(events: list[tuple[str, int]], prompt_ends: list[int]) -> list[float]:
    """For each prompt's end, ms until the sink played sound again (to the log's last
    event when it never did: a bad case, counted)."""
    sounds = [at for kind, at in events if kind == "sound"]
    return _ms_to_next(sounds, prompt_ends, events[-1][1] if events else None)


def _ms_to_next(times: list[int], instants: list[int], last: int | None) -> list[float]:
    """For each instant, ms to the first of `times` after it, or to `last` when none
    comes (nothing when the log is empty)."""
    out = []
    for instant in instants:
        later = [at for at in times if at > instant]
        if later:
            out.append((later[0] - instant) / 1e6)
        elif last is not None:
            out.append(max(0.0, (last - instant) / 1e6))
    return out


def site_sound(logs: Mapping[str, list[tuple[str, int]]], frames: Mapping[str, list[tuple]],
               excused: Mapping[str, list[tuple[int, int]]],
               prompts: Mapping[str, list[tuple[int, int | None]]], since_ns: int) -> dict:
    """The sound figures of a run, from each screen's recorder log, frame trace,
    excused spans (prompts, kills) and prompts (start, end)."""
    onsets = {tid: [at for kind, at in events if kind == "onset" and at not in
                    returns_after_prompts(events, prompts.get(tid, []))]
              for tid, events in logs.items()}
    offsets, found, at_bounds, silences, heard = [], 0, 0, [], []
    for tid, events in logs.items():
        offsets += av_offsets(onsets[tid], frames[tid], since_ns)
        gap, bound = gaps(events, excused.get(tid, []), boundaries(frames[tid]), since_ns)
        found, at_bounds = found + gap, at_bounds + bound
        spans = prompts.get(tid, [])
        silences += prompt_silences(events, [start for start, _ in spans])
        heard += heard_in_prompts(events, spans, PROMPT_GRACE_NS)
    return {"audio_skew_ms": summary_of(audio_skews(onsets, since_ns)),
            "av_offset_ms": summary_of(offsets), "audio_gaps": found,
            "audio_boundary_gaps": at_bounds, "prompt_silence_ms": summary_of(silences),
            "prompt_heard": {"prompts": sum(h > 0 for h in heard),
                             "max_ms": round(max(heard, default=0.0), 2)},
            "bursts_heard": {tid: len(v) for tid, v in onsets.items()}}
