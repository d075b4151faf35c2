"""The player daemon with real libVLC (headless), real sockets and a real outbox."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time

from player.outbox import Outbox
from tests.player.harness import DATA, asset, running_player, stage, terminal_config

NS = 1_000_000


async def showing(player, timeout_s: float = 5.0) -> None:
    """Until the player has started its first slot."""
    deadline = time.monotonic() + timeout_s
    while player.daemon.slots_started == 0:
        assert time.monotonic() < deadline, "the player never started a slot"
        await asyncio.sleep(0.02)


def transitions(frames) -> list[tuple[str, int]]:
    """(label, monotonic ns of its first frame) each time what is shown changes."""
    found = []
    for frame in frames:
        if not found or found[-1][0] != frame.label:
            found.append((frame.label, frame.monotonic_ns))
    return found


async def test_slots_follow_the_timeline_without_gaps(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("two.mp4", "A2"), asset("three.mp4", "A3")])
    async with running_player(config) as player:
        deadline = time.monotonic() + 20
        while len(transitions(player.frames)) < 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        frames = player.frames
        timeline = player.daemon._content.content.timeline
        clock = player.clock
    changes = transitions(frames)
    assert len(changes) >= 5
    now_ns, now_ms = time.monotonic_ns(), clock.now_ms()
    for label, first_ns in changes[1:]:
        # Every change of picture happens at a slot start of the timeline, for that file
        # (the bound is loose: precision is measured by bench/transitions.py).
        first_ms = now_ms - (now_ns - first_ns) / NS
        slot = timeline.slot_at(int(first_ms) + 50)
        assert slot.filename == label
        assert -5 < first_ms - slot.start < 100
    # No black gap at a transition: at most ~2 frame intervals between two assets' frames.
    stamps = [f.monotonic_ns for f in frames]
    assert max(b - a for a, b in zip(stamps, stamps[1:])) < 100 * NS


async def test_a_prompt_hides_at_once_and_rejoins_the_timeline(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("two.mp4", "A2"), asset("three.mp4", "A3")])
    async with running_player(config) as player:
        await asyncio.sleep(1.5)
        (reply,) = await player.send(b'{"event": "prompt_start", "id": "p1"}')
        replied_ns = time.monotonic_ns()
        assert reply == {"ok": True, "state": "idle", "prompt": True, "id": "p1"}
        await asyncio.sleep(1.2)
        hidden = [f for f in player.frames if f.monotonic_ns > replied_ns]
        (reply,) = await player.send(b'{"event": "prompt_end"}')
        ended_ns = time.monotonic_ns()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
                f.monotonic_ns > ended_ns for f in player.frames):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        resumed = [f for f in player.frames if f.monotonic_ns > ended_ns]
        timeline = player.daemon._content.content.timeline
        clock = player.clock
        now_ns, now_ms = time.monotonic_ns(), clock.now_ms()
    assert hidden == []
    assert resumed, "playback did not resume after prompt_end"
    # Back within seconds (the 1 s target is measured by the sync benchmark).
    assert resumed[0].monotonic_ns - ended_ns < 3_000 * NS
    # It rejoined where the timeline is, not where it paused.
    first_ms = now_ms - (now_ns - resumed[0].monotonic_ns) / NS
    assert timeline.slot_at(int(first_ms + 5)).filename == resumed[0].label


async def test_phases_change_the_screen_state_of_pop_records(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    async with running_player(config) as player:
        await showing(player)
        await asyncio.sleep(0.3)
        replies = await player.send(b'{"event": "transaction_start"}',
                                    b'{"event": "fueling_start"}')
        await asyncio.sleep(1.0)
        replies += await player.send(b'{"event": "fueling_end"}',
                                     b'{"event": "transaction_end"}')
        await asyncio.sleep(0.5)
    assert [r["state"] for r in replies] == ["prefueling", "fueling", "postfueling", "idle"]
    outbox = Outbox(config.outbox_path)
    rows = outbox.rows()
    outbox.close()
    states = [r.screen_state for r in rows]
    assert "Partial" in states and states[0] == "Full" and states[-1] == "Full"
    assert all(r.end_ms is not None and r.end_ms >= r.start_ms for r in rows)
    # Records are contiguous through the state changes of one asset.
    same_slot = [r for r in rows if r.start_ms < rows[0].start_ms + 2000]
    assert all(a.end_ms == b.start_ms for a, b in zip(same_slot, same_slot[1:]))
    row = rows[0]
    assert (row.filename, row.asset_id, row.ti_number, row.site_id, row.screen_id) == (
        "three.mp4", "A3", "TI-A3", "SITE-0042", "T1")


async def test_a_broken_file_is_skipped_without_pop_and_playback_goes_on(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1")], media=["one.mp4"])
    (config.media / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(20000))
    # The broken file has no probed duration, so the timeline already skips it.
    stage(config, [asset("broken.mp4", "AB"), asset("one.mp4", "A1")], media=["one.mp4"])
    async with running_player(config) as player:
        await asyncio.sleep(2.5)
        labels = {f.label for f in player.frames}
    assert labels == {"one.mp4"}
    outbox = Outbox(config.outbox_path)
    assert {r.filename for r in outbox.rows()} == {"one.mp4"}
    outbox.close()


async def test_a_file_that_cannot_be_decoded_at_preroll_shows_black_and_no_pop(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("two.mp4", "A2")])
    # two.mp4 is garbage whose cached duration says it is fine (a file corrupted after
    # it was probed): the timeline plays it, the preroll finds nothing to decode.
    broken = config.media / "two.mp4"
    broken.write_bytes(bytes(11155))
    stat = broken.stat()
    (config.media / ".two.mp4.duration").write_text(json.dumps(
        {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "duration_ms": 1500}))
    async with running_player(config) as player:
        await asyncio.sleep(5)
        labels = {f.label for f in player.frames}
        assert player.daemon.slots_started >= 2
    assert labels == {"one.mp4"}
    outbox = Outbox(config.outbox_path)
    assert {r.filename for r in outbox.rows()} == {"one.mp4"}
    outbox.close()


async def test_a_clip_cut_short_after_its_header_shows_black_and_gets_no_pop(tmp_path, caplog):
    # Found by bench/reliability.py (bad_media): the header opens and reports a video
    # track, so the preroll succeeds, but no picture ever comes.
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("cut.mp4", "AC")], media=["one.mp4"])
    (config.media / "cut.mp4").write_bytes((DATA / "three.mp4").read_bytes()[:4000])
    with caplog.at_level(logging.WARNING, logger="player.daemon"):
        async with running_player(config) as player:
            for _ in range(150):  # a loaded machine starts slowly
                if player.daemon.slots_started >= 3:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.3)  # into the third slot: one.mp4 again
            labels = {f.label for f in player.frames}
            started = player.daemon.slots_started
    assert started >= 3  # cut.mp4's slot was started, black
    assert labels == {"one.mp4"}
    outbox = Outbox(config.outbox_path)
    assert {r.filename for r in outbox.rows()} == {"one.mp4"}
    assert all(r.end_ms is not None for r in outbox.rows())
    outbox.close()
    assert "slot_blank file=cut.mp4 asset=AC reason=nothing_decoded" in caplog.text


class RecordingWindow:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def show(self, **state) -> None:
        self.calls.append(state)


async def test_banners_and_coupons_are_chosen_for_the_window(tmp_path):
    config = terminal_config(tmp_path)
    coupon = {"title": "300 Bonus Points", "detail": "with coffee", "barcode": "036000291452",
              "restriction": "One per customer", "validFrom": "Today Only"}
    banners = [{"filename": "pre.png", "start": "2020-01-01", "end": "2099-12-31",
                "type": "prefueling"},
               {"filename": "post.png", "start": "2020-01-01", "end": "2099-12-31",
                "type": "postfueling"}]
    for name in ("pre.png", "post.png"):
        (config.media / name).write_bytes(_png())
    stage(config, [asset("three.mp4", "A3", coupons=[coupon])], banners=banners)
    window = RecordingWindow()
    async with running_player(config, window=window) as player:
        await showing(player)
        await player.send(b'{"event": "transaction_start"}')
        pre = window.calls[-1]
        await player.send(b'{"event": "fueling_start"}')
        during = window.calls[-1]
        await player.send(b'{"event": "fueling_end"}')
        post = window.calls[-1]
    assert pre["transaction"] and pre["banner"].name == "pre.png"
    assert not pre["prompting"]
    assert during["banner"] is None
    assert post["banner"].name == "post.png"
    assert pre["coupon"].barcode == "036000291452"


def _png() -> bytes:
    """A 1x1 PNG."""
    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


async def test_a_staged_playlist_is_taken_at_a_boundary_and_a_bad_one_is_ignored(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")], media=["three.mp4", "one.mp4"])
    async with running_player(config) as player:
        await asyncio.sleep(1.0)
        staged_ns = time.monotonic_ns()
        stage(config, [asset("one.mp4", "A1")], media=[])
        await asyncio.sleep(4.0)
        after = [f for f in player.frames if f.monotonic_ns > staged_ns]
        # A broken staged file: the previous playlist stays in force.
        (config.active_dir / "playlist.json").write_text("{not json")
        await asyncio.sleep(2.5)
        version = player.daemon._content.content.playlist_version
        labels_late = {f.label for f in player.frames[-20:]}
    labels = [f.label for f in after]
    switch = labels.index("one.mp4")
    # three.mp4 (2 s) plays on to its end: never mid-asset.
    assert set(labels[:switch]) <= {"three.mp4"} and set(labels[switch:]) == {"one.mp4"}
    assert version is not None and labels_late == {"one.mp4"}


async def test_a_file_removed_while_it_plays_does_not_stop_the_player(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3"), asset("one.mp4", "A1")])
    async with running_player(config) as player:
        await asyncio.sleep(1.0)
        (config.media / "three.mp4").unlink()
        (config.media / ".three.mp4.duration").unlink(missing_ok=True)
        await asyncio.sleep(4.0)
        recent = {f.label for f in player.frames[-30:]}
        started = player.daemon.slots_started
    assert started >= 3 and recent == {"one.mp4"}


async def test_the_window_follows_a_prompt_without_a_phase_change(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    window = RecordingWindow()
    async with running_player(config, window=window) as player:
        await showing(player)
        await player.send(b'{"event": "prompt_start"}')
        during = window.calls[-1]
        await player.send(b'{"event": "prompt_end"}')
        after = window.calls[-1]
    assert during["prompting"] is True and during["coupon"] is None
    assert after["prompting"] is False
