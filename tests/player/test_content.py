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
