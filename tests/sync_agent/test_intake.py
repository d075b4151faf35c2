"""Update intake from the reference cloud (real HTTP on loopback) and from the drop
folder (real files, watched by watchdog)."""

from __future__ import annotations

import asyncio
import json
import os

import httpx

from gstv_rigs.cloud import Faults
from sync_agent.intake import CloudPoller, Inbox
from sync_agent.update_queue import UpdateQueue


async def test_polled_updates_are_queued_and_the_cursor_survives_a_restart(tmp_path, cloud):
    for n in range(3):
        cloud.store.add_update("playlist" if n != 1 else "media", {"n": n})
    state = tmp_path / "state"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        poller = CloudPoller(client, "SITE-0042", UpdateQueue(state / "queue"),
                             state / "cursor")
        assert await poller.poll_once() == 3
        assert await poller.poll_once() == 0  # nothing new
        cloud.store.add_update("configuration", {"n": 3})
        # A restart: a new poller and queue on the same state.
        queue = UpdateQueue(state / "queue")
        again = CloudPoller(client, "SITE-0042", queue, state / "cursor")
        assert await again.poll_once() == 1
    assert [queue.peek().source] == ["cloud:4"]  # the configuration goes first
    assert sorted(item.source for item in queue._items) == [
        "cloud:1", "cloud:2", "cloud:3", "cloud:4"]  # each once


async def test_updates_queued_before_a_crash_are_not_queued_twice(tmp_path, cloud):
    cloud.store.add_update("playlist", {"n": 0})
    state = tmp_path / "state"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        queue = UpdateQueue(state / "queue")
        assert await CloudPoller(client, "S", queue, state / "cursor").poll_once() == 1
        (state / "cursor").unlink()  # as if killed before the cursor was written
        again = UpdateQueue(state / "queue")
        assert await CloudPoller(client, "S", again, state / "cursor").poll_once() == 0
    assert len(again) == 1


async def test_a_failing_feed_moves_nothing(tmp_path, cloud):
    cloud.store.add_update("playlist", {"n": 0})
    cloud.store.faults = Faults(fail={"GET /sites/": 1})
    state = tmp_path / "state"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        poller = CloudPoller(client, "SITE-0042", UpdateQueue(state / "queue"),
                             state / "cursor")
        assert await poller.poll_once() is None
        assert poller.cursor == "0"
        assert await poller.poll_once() == 1


async def test_a_full_disk_fails_the_poll_and_loses_nothing(tmp_path, cloud, small_disk,
                                                            caplog):
    """Found by bench/reliability.py (disk_full): the agent used to die here."""
    for n in range(3):
        cloud.store.add_update("playlist", {"n": n, "pad": "x" * 20_000})
    state = small_disk("64k")
    filler = state / "filler"
    filler.write_bytes(b"\0" * (64 * 1024 - 30_000))  # room for one update, not three
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cloud.port}") as client:
        poller = CloudPoller(client, "SITE-0042", UpdateQueue(state / "queue"),
                             state / "cursor")
        assert await poller.poll_once() is None
        assert poller.cursor == "0"
        assert "updates_not_queued queued=1 error=No space left on device" in caplog.text
        filler.unlink()
        assert await poller.poll_once() == 2  # the one queued before is not queued again
        assert poller.cursor == "3"
    assert len(UpdateQueue(state / "queue")) == 3


async def test_the_drop_folder_is_watched_and_emptied(tmp_path):
    state = tmp_path / "state"
    queue = UpdateQueue(state / "queue")
    inbox = Inbox(state / "inbox", state / "media", queue)
    wake = asyncio.Event()
    inbox.watch(asyncio.get_running_loop(), wake)
    try:
        (inbox.directory / ".writing.json").write_text("{")  # still being written
        (inbox.directory / "update.json").write_text(json.dumps({"guid": "g",
                                                                 "configuration": []}))
        (inbox.directory / "clip.mp4").write_bytes(b"video")
        await asyncio.wait_for(wake.wait(), 5)
        await asyncio.sleep(0.2)  # the three events
        assert inbox.scan() == 2
    finally:
        inbox.stop()
    assert queue.peek().kind == "configuration" and queue.peek().source == "inbox:update.json"
    assert (state / "media" / "clip.mp4").read_bytes() == b"video"
    assert sorted(os.listdir(inbox.directory)) == [".writing.json"]


async def test_bad_files_in_the_drop_folder_are_set_aside_or_queued_to_be_refused(tmp_path):
    state = tmp_path / "state"
    queue = UpdateQueue(state / "queue")
    inbox = Inbox(state / "inbox", state / "media", queue)
    (inbox.directory / "broken.json").write_text("{not json")
    (inbox.directory / "cl\x01ip.mp4").write_bytes(b"x")
    assert inbox.scan() == 2
    assert queue.peek().kind == "unknown"  # its rejection gets notified like any other
    assert os.listdir(inbox.directory / "rejected") == ["cl\x01ip.mp4"]
    assert not (state / "media").exists() or os.listdir(state / "media") == []
