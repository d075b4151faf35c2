"""The player daemon with real libVLC (headless), real sockets and a real outbox: what only
the real engine can show (pictures on time with no gap, frames gone at a prompt, files
that will not decode). The logic itself is tested in virtual time on a fake screen
(test_daemon_logic.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import time

from terminal.outbox import Outbox
from tests.player.harness import DATA, asset, running_player, stage, terminal_config
from tests.waits import READY_S

NS = 1_000_000


async def until(condition, what: str) -> None:
    """Until `condition()` holds, however slowly a cold machine gets there."""
    deadline = time.monotonic() + READY_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {what}"
        await asyncio.sleep(0.02)


async def showing(player) -> None:
    """Until the player has started its first slot."""
    await until(lambda: player.daemon.slots_started > 0, "the player never started a slot")


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
        await until(lambda: len(transitions(player.frames)) >= 5, "five changes of picture")
        frames = player.frames
        timeline = player.timeline
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
    # No black gap at a transition: the new asset's first picture is the one its deck
    # primed before the slot began (held), on screen the moment the deck is shown.
    # Without the preroll, a switch would open the file then and show nothing meanwhile.
    firsts = [frames[i] for i in range(1, len(frames)) if frames[i].label != frames[i - 1].label]
    assert firsts and all(f.held for f in firsts), firsts
    # And no black spell anywhere (a frame is 40 ms; a loaded machine once made 108).
    stamps = [f.monotonic_ns for f in frames]
    assert max(b - a for a, b in zip(stamps, stamps[1:])) < 250 * NS


async def test_a_prompt_hides_at_once_and_rejoins_the_timeline(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("two.mp4", "A2"), asset("three.mp4", "A3")])
    async with running_player(config) as player:
        await showing(player)
        await asyncio.sleep(1.0)
        (reply,) = await player.send(b'{"event": "prompt_start", "id": "p1"}')
        replied_ns = time.monotonic_ns()
        assert reply == {"ok": True, "state": "idle", "prompt": True, "id": "p1"}
        await asyncio.sleep(1.2)
        hidden = [f for f in player.frames if f.monotonic_ns > replied_ns]
        (reply,) = await player.send(b'{"event": "prompt_end"}')
        ended_ns = time.monotonic_ns()
        await until(lambda: any(f.monotonic_ns > ended_ns for f in player.frames),
                    "a picture after prompt_end")
        await asyncio.sleep(0.2)
        resumed = [f for f in player.frames if f.monotonic_ns > ended_ns]
        timeline = player.timeline
        clock = player.clock
        now_ns, now_ms = time.monotonic_ns(), clock.now_ms()
    assert hidden == []
    assert resumed, "playback did not resume after prompt_end"
    # Back within seconds (the 1 s target is measured by the sync benchmark).
    assert resumed[0].monotonic_ns - ended_ns < 3_000 * NS
    # It rejoined where the timeline is, not where it paused.
    first_ms = now_ms - (now_ns - resumed[0].monotonic_ns) / NS
    assert timeline.slot_at(int(first_ms + 5)).filename == resumed[0].label


async def test_a_broken_file_is_skipped_without_pop_and_playback_goes_on(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1")], media=["one.mp4"])
    (config.media / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(20000))
    # The broken file has no probed duration, so the timeline already skips it.
    stage(config, [asset("broken.mp4", "AB"), asset("one.mp4", "A1")], media=["one.mp4"])
    async with running_player(config) as player:
        await showing(player)
        await asyncio.sleep(2.0)
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
        await until(lambda: player.daemon.slots_started >= 2, "two slots")
        await asyncio.sleep(1.5)
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
            await until(lambda: player.daemon.slots_started >= 3, "three slots")
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


async def test_a_file_removed_while_it_plays_does_not_stop_the_player(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3"), asset("one.mp4", "A1")])
    async with running_player(config) as player:
        await showing(player)
        await asyncio.sleep(0.5)
        (config.media / "three.mp4").unlink()
        (config.media / ".three.mp4.duration").unlink(missing_ok=True)
        await asyncio.sleep(4.0)
        recent = {f.label for f in player.frames[-30:]}
        started = player.daemon.slots_started
    assert started >= 3 and recent == {"one.mp4"}


