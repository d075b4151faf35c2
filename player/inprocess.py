"""A complete player inside the caller's event loop, for tests, benchmarks and rigs
that need to look at what it displays (the headless `FrameLog`) or at its insides.

Real libVLC, real sockets, real outbox: the same objects `gstv player` builds.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from player.build import build_clock, build_engine
from player.config import PlayerSection, TerminalConfig
from player.content import ContentLoader
from player.daemon import PlayerDaemon
from player.durations import DurationCache
from player.engine import VlcEngine
from player.pop_writer import PopWriter
from player.probe import MediaProbe
from sync.clock import SiteClock


class RunningPlayer:
    def __init__(self, daemon: PlayerDaemon, engine: VlcEngine, clock: SiteClock,
                 config: TerminalConfig) -> None:
        self.daemon, self.engine, self.clock, self.config = daemon, engine, clock, config

    @property
    def frames(self):
        return list(self.engine.frame_log.frames)

    @property
    def timeline(self):
        """The timeline the player plays: on the site leader's inventory when it
        follows one."""
        active = self.daemon._active or self.daemon._content.content
        return active.timeline

    async def send(self, *lines: bytes) -> list[dict[str, Any]]:
        """Send payment lines on a fresh connection; the replies."""
        reader, writer = await asyncio.open_unix_connection(
            str(self.config.player.payment_socket))
        replies = []
        for line in lines:
            writer.write(line + b"\n")
            await writer.drain()
            replies.append(json.loads(await reader.readline()))
        writer.close()
        return replies


@asynccontextmanager
async def running_player(
    config: TerminalConfig, *, window: Any = None, clock: SiteClock | None = None
) -> AsyncIterator[RunningPlayer]:
    engine = build_engine(config.model_copy(update={
        "player": config.player.model_copy(update={"output": "headless"})}))
    pop = PopWriter(config.outbox_path, site_id=config.site_id, screen_id=config.terminal_id)
    clock = clock or build_clock(config)
    content = ContentLoader(config, DurationCache(config.media, MediaProbe(engine.instance)))
    daemon = PlayerDaemon(config, clock=clock, engine=engine, pop=pop, content=content,
                          window=window)
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.run(stop))
    for _ in range(1000):
        if config.player.status_socket.exists() or task.done():
            break
        await asyncio.sleep(0.01)
    try:
        yield RunningPlayer(daemon, engine, clock, config)
    finally:
        stop.set()
        await task
        pop.close()
        engine.close()


def headless_config(base: Path, *, timezone: str = "UTC", **player: Any) -> TerminalConfig:
    """A headless terminal whose state and sockets all live under `base`."""
    state = base / "state"
    (state / "media").mkdir(parents=True, exist_ok=True)
    (state / "active").mkdir(parents=True, exist_ok=True)
    player.setdefault("headless_size", (64, 36))
    return TerminalConfig(
        site_id="SITE-0042", terminal_id="T1", timezone=timezone, state_dir=state,
        player=PlayerSection(output="headless", payment_socket=base / "pay.sock",
                             status_socket=base / "status.sock", **player),
    )


def loop_asset(name: str, asset_id: str, **extra: Any) -> dict[str, Any]:
    return {"assetId": asset_id, "filename": name, "type": "advertising",
            "start": "2020-01-01", "end": "2099-12-31", "tiNumber": f"TI-{asset_id}",
            **extra}


def stage_loop(config: TerminalConfig, assets: list[dict[str, Any]], *,
               media: Iterable[Path] = (), banners: Iterable[dict[str, Any]] = ()) -> None:
    """Copy `media` in and stage a one-loop playlist of `assets` for yesterday, today
    and tomorrow (local dates of the terminal), as the agent would."""
    for source in media:
        shutil.copy(source, config.media / source.name)
    today = datetime.now(ZoneInfo(config.timezone)).date()
    schedules = [{"segmentId": f"SEG-{d}", "date": d.isoformat(),
                  "loops": [{"loopNumber": 1, "assets": assets}]}
                 for d in (today - timedelta(days=1), today, today + timedelta(days=1))]
    message = {"guid": "g-1", "updatedOn": "2026-11-22 10:00:00.000",
               "playlist": [{"siteId": config.site_id, "banners": list(banners),
                             "schedules": schedules}]}
    (config.active_dir / "playlist.json").write_text(json.dumps(message))
