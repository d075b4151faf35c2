"""Staged content: what the player keeps when a staged file cannot be used."""

from __future__ import annotations

from player.content import ContentLoader
from player.durations import DurationCache
from player.probe import MediaProbe
from tests.player.harness import asset, stage, terminal_config


async def test_an_unreadable_staged_playlist_keeps_the_one_in_force(tmp_path):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1")])
    loader = ContentLoader(config, DurationCache(config.media, MediaProbe()))
    assert await loader.refresh()
    version = loader.content.playlist_version
    playlist = config.active_dir / "playlist.json"
    playlist.unlink()
    playlist.mkdir()  # reading it fails: not a file
    assert await loader.refresh()
    assert loader.content.playlist_version == version
    assert loader.content.timeline.slot_at(loader.content.timeline.day(
        next(iter(s.date for s in loader.content.site.schedules))).start).filename == "one.mp4"


async def test_receive_times_and_the_offline_instant_are_read_and_change_the_content(tmp_path):
    """Evergreen receive times come from the agent's record (else the file's time); the
    offline instant from its last contact, only once it is old enough; either change
    makes a new content, so the leader announces it."""
    import json
    import os

    from sync_agent.staging import stage_atomically
    from terminal.cloud_contact import CONTACT_FILE, contact_record, offline_after_ms
    from tests.messages import SAMPLES

    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1"), asset("two.mp4", "A2")])
    network = json.loads((SAMPLES / "network.json").read_text())
    network["configuration"][0]["evergreen"] = [
        {"filename": "one.mp4", "expiryHours": 1, "swapFilename": "two.mp4"}]
    (config.active_dir / "network.json").write_text(json.dumps(network))
    os.utime(config.media / "one.mp4", ns=(1_700_000_000_123_000_000,) * 2)
    now = [1_796_000_000_000]
    loader = ContentLoader(config, DurationCache(config.media, MediaProbe()),
                           now_ms=lambda: now[0])
    assert await loader.refresh()
    content = loader.content
    assert content.received == {"one.mp4": 1_700_000_000_123}  # no record: its mtime
    assert content.offline_since is None  # no contact recorded: online
    stat = (config.media / "one.mp4").stat()
    (config.media / ".record.json").write_text(json.dumps({"files": {"one.mp4": {
        "md5": "0" * 32, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
        "received_ms": 1_795_999_000_000}}}))
    assert await loader.refresh()
    assert loader.content.received == {"one.mp4": 1_795_999_000_000}
    assert loader.content.digest != content.digest
    contact = now[0] - offline_after_ms(config.agent.poll_interval_s)
    stage_atomically(config.agent_dir / CONTACT_FILE, contact_record(contact))
    # A contact recorded (every poll rewrites it) is no new content while the site
    # counts as online: only going offline or coming back is.
    assert not await loader.refresh()
    assert loader.content.offline_since is None
    now[0] += 1
    assert await loader.refresh()
    assert loader.content.offline_since == contact
    assert loader.content.inventory.offline_since == contact


async def test_a_slow_content_load_never_holds_up_a_slot_files_opening(tmp_path):
    """The slot loop opens a boundary's file on a thread of its own: a new playlist's
    duration probes, however long, do not delay it."""
    import asyncio
    import threading

    config = terminal_config(tmp_path)
    loader = ContentLoader(config, DurationCache(config.media, MediaProbe()))
    probing = threading.Event()
    release = threading.Event()

    def slow_probe() -> None:
        probing.set()
        release.wait(30)

    load = asyncio.ensure_future(loader._load_offload(slow_probe))
    try:
        await asyncio.to_thread(probing.wait, 30)
        assert await asyncio.wait_for(loader.offload(lambda: "opened"), 10) == "opened"
        assert not load.done()
    finally:
        release.set()
        await load
