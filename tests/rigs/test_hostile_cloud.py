"""A cloud that misbehaves, spoken to over real HTTP on loopback (sync_agent.
hostile_cloud: a small asyncio server that answers badly on purpose): the poll fails
with a clear line, in bounded time and memory, and moves nothing; a media download
fails with a clear reason, in bounded time and space, and leaves no file visible."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sync_agent import intake, media_download
from gstv_rigs.hostile_cloud import (Hostile, endless, html, media_longer_than_said,
                                      media_too_big, media_trickle, media_without_size,
                                      portal_page, redirect, trickle)
from sync_agent.intake import CloudPoller
from sync_agent.update_queue import UpdateQueue


@pytest.mark.parametrize(("behave", "said"), [
    (trickle, "poll_failed error=no_whole_answer deadline_s=2"),
    (endless, "poll_failed error=feed_too_large limit_bytes=1048576"),
    (redirect, "poll_failed status=302"),
    (html, "poll_failed error=JSONDecodeError"),
])
async def test_a_misbehaving_cloud_fails_the_poll_in_bounded_time(tmp_path, monkeypatch,
                                                                   caplog, behave, said):
    monkeypatch.setattr(intake, "POLL_DEADLINE_S", 2)
    monkeypatch.setattr(intake, "MAX_FEED_BYTES", 1 << 20)
    hostile = Hostile(behave)
    async with hostile as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        poller = CloudPoller(client, "SITE-0042", UpdateQueue(tmp_path / "queue"),
                             tmp_path / "cursor")
        started = asyncio.get_running_loop().time()
        assert await poller.poll_once() is None
        took = asyncio.get_running_loop().time() - started
    assert said in caplog.text
    assert took < 10 and poller.cursor == "0"
    assert hostile.requests == 1  # the redirect was not followed anywhere


# -- media downloads ------------------------------------------------------------------
@pytest.mark.parametrize(("behave", "said"), [
    (media_trickle, "stalled: "),
    (media_without_size, "the answer does not say its size"),
    (media_too_big, "no room: 1125899906842624 bytes to come"),
    (portal_page, "the cloud answered text/html, not media"),
    (trickle, "the cloud answered application/json, not media"),
    (media_longer_than_said, "more than the 100 bytes announced"),
    (redirect, "HTTP 302"),
])
async def test_a_misbehaving_cloud_fails_a_media_download_in_bounded_time_and_space(
        tmp_path, monkeypatch, behave, said):
    monkeypatch.setattr(media_download, "STALL_WINDOW_S", 1.0)
    monkeypatch.setattr(media_download, "ATTEMPTS", 1)
    hostile = Hostile(behave)
    media = tmp_path / "media"
    async with hostile as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        started = asyncio.get_running_loop().time()
        result = await media_download.download(client, media, "spot.mp4")
        took = asyncio.get_running_loop().time() - started
    assert not result.ok and said in result.error, result
    assert took < 10
    assert not (media / "spot.mp4").exists()
    written = sum(entry.stat().st_size for entry in media.iterdir()) if media.exists() else 0
    assert written < 64 * 1024  # the trickle's few bytes at most, kept to resume
    assert hostile.requests == 1
    assert b"accept-encoding: identity" in hostile.head.lower()  # sizes of the file itself
