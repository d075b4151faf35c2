"""The seed's processing order with updates arriving while the agent works (real agent,
real cloud on loopback, real downloads): a playlist in progress completes first, then
configuration and media dropped meanwhile go ahead of playlists queued earlier."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import httpx

from terminal.config import AgentSection
from sync_agent.agent import Agent
from sync_agent.media_download import partial_path
from tests.player.harness import terminal_config
from tests.sync_agent.conftest import playlist

ROOT = Path(__file__).resolve().parents[2]


def guids_in_order(notifications: list[dict]) -> list[str]:
    order: list[str] = []
    for notification in notifications:
        if not order or order[-1] != notification.get("guid"):
            order.append(notification.get("guid"))
    return order


async def test_updates_dropped_during_a_playlist_wait_for_it_then_go_first(tmp_path, cloud):
    (cloud.store.media / "slow.mp4").write_bytes(os.urandom(256 * 1024))
    (cloud.store.media / "m.mp4").write_bytes(b"media update")
    shutil.copy(ROOT / "assets/media/gstv-blankout.mp4", cloud.store.media)
    cloud.store.faults.throttle_kbps["slow.mp4"] = 256  # one second
    cloud.store.add_update("playlist", playlist("p-1", "slow.mp4"))
    second = playlist("p-2", "m.mp4")
    second["updatedOn"] = "2026-11-22 11:00:00.000"
    cloud.store.add_update("playlist", second)
    configuration = json.loads((ROOT / "assets/samples/config.json").read_text())
    config = terminal_config(tmp_path, timezone="America/New_York").model_copy(
        update={"agent": AgentSection(cloud_url=f"http://127.0.0.1:{cloud.port}")})

    async with httpx.AsyncClient(base_url=config.agent.cloud_url) as client:
        agent = Agent(config, client)
        try:
            assert await agent.poller.poll_once() == 2
            working = asyncio.create_task(agent.process_queue())
            partial = partial_path(config.media, "slow.mp4")
            while not partial.exists():  # p-1 is fetching its media
                await asyncio.sleep(0.01)
            (config.inbox / "media.json").write_text(json.dumps(
                {"guid": "m-1", "updatedOn": "2026-11-22 12:00:00.000",
                 "media": [{"filename": "m.mp4"}]}))
            (config.inbox / "config.json").write_text(json.dumps(configuration))
            await working
            assert agent.failures == 0
            assert await agent.delivery.deliver_once()
        finally:
            agent.close()
    notifications = cloud.store.received_all()["notifications"]
    assert guids_in_order(notifications) == ["p-1", configuration["guid"], "m-1", "p-2"]
    accepted = [n["guid"] for n in notifications
                if n["notificationType"] == "PLAYLIST_ACCEPTED_BY_TERMINAL"]
    assert accepted == ["p-1", "p-2"]
    staged = json.loads((config.active_dir / "playlist.json").read_text())
    assert staged["guid"] == "p-2"
