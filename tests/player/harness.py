"""A real player in the test's event loop: real libVLC (headless), real sockets, real
SQLite; only the content is made up for the test."""

from __future__ import annotations

import asyncio
import json
import shutil
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from player.config import PlayerSection, TerminalConfig
from player.content import ContentLoader
from player.daemon import PlayerDaemon
from player.durations import DurationCache
from player.engine import VlcEngine
from player.pop_writer import PopWriter
from player.probe import MediaProbe
from sync.clock import SiteClock

DATA = Path(__file__).resolve().parents[1] / "data"
TZ = "UTC"


def terminal_config(tmp_path: Path, **player) -> TerminalConfig:
    state = tmp_path / "state"
    (state / "media").mkdir(parents=True, exist_ok=True)
    (state / "active").mkdir(parents=True, exist_ok=True)
    return TerminalConfig(
        site_id="SITE-0042", terminal_id="T1", timezone=TZ, state_dir=state,
        player=PlayerSection(output="headless", payment_socket=tmp_path / "pay.sock",
                             status_socket=tmp_path / "status.sock",
                             headless_size=(64, 36), **player),
    )


def asset(name: str, asset_id: str, **extra) -> dict:
    return {"assetId": asset_id, "filename": name, "type": "advertising",
            "start": "2020-01-01", "end": "2099-12-31", "tiNumber": f"TI-{asset_id}",
            **extra}


def stage(config: TerminalConfig, assets: list[dict], *, banners=(), media=None) -> None:
    """Stage a playlist of one loop for yesterday, today and tomorrow, and its media."""
    for name in media if media is not None else {a["filename"] for a in assets}:
        shutil.copy(DATA / name, config.media / name)
    today = datetime.now(ZoneInfo(TZ)).date()
    schedules = [{"segmentId": f"SEG-{d}", "date": d.isoformat(),
                  "loops": [{"loopNumber": 1, "assets": assets}]}
                 for d in (today - timedelta(days=1), today, today + timedelta(days=1))]
    message = {"guid": "g-1", "updatedOn": "2026-11-22 10:00:00.000",
               "playlist": [{"siteId": "SITE-0042", "banners": list(banners),
                             "schedules": schedules}]}
    (config.active_dir / "playlist.json").write_text(json.dumps(message))


class Running:
    def __init__(self, daemon: PlayerDaemon, engine: VlcEngine, clock: SiteClock,
                 config: TerminalConfig) -> None:
        self.daemon, self.engine, self.clock, self.config = daemon, engine, clock, config

    @property
    def frames(self):
        return list(self.engine.frame_log.frames)

    async def send(self, *lines: bytes) -> list[dict]:
        reader, writer = await asyncio.open_unix_connection(str(self.config.player.payment_socket))
        replies = []
        for line in lines:
            writer.write(line + b"\n")
            await writer.drain()
            replies.append(json.loads(await reader.readline()))
        writer.close()
        return replies


@asynccontextmanager
async def running_player(config: TerminalConfig, window=None):
    engine = VlcEngine(output="headless", sink_size=config.player.headless_size)
    pop = PopWriter(config.outbox_path, site_id=config.site_id, screen_id=config.terminal_id)
    clock = SiteClock()
    content = ContentLoader(config, DurationCache(config.media, MediaProbe()))
    daemon = PlayerDaemon(config, clock=clock, engine=engine, pop=pop, content=content,
                          window=window)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    for _ in range(500):
        if config.player.payment_socket.exists() or task.done():
            break
        await asyncio.sleep(0.01)
    try:
        yield Running(daemon, engine, clock, config)
    finally:
        stop.set()
        await task
        pop.close()
        engine.close()
