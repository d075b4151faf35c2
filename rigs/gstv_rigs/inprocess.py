"""A complete player inside the caller's event loop, for tests, benchmarks and rigs
that need to look at what it displays (the headless `FrameLog`) or at its insides.

Real libVLC, real sockets, real outbox: `build_player`, as `gstv player` builds it,
always headless; a window stand-in may record what the zones were asked to show.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from gstv_rigs.payment import exchange
from player.build import Player, build_player
from sync.clock import SiteClock
from terminal.config import TerminalConfig

START_BOUND_S = 180


class RunningPlayer:
    def __init__(self, player: Player) -> None:
        self.player = player
        self.daemon, self.engine, self.clock = player.daemon, player.engine, player.clock
        self.config = player.config

    @property
    def frames(self):
        return list(self.engine.frame_log.frames)

    @property
    def timeline(self):
        """The timeline the player plays: on the site leader's inventory when it
        follows one."""
        active = self.daemon.slots.active or self.daemon._content.content
        return active.timeline

    async def send(self, *lines: bytes) -> list[dict[str, Any]]:
        """Send payment lines on a fresh connection; the replies."""
        return await exchange(self.config.player.payment_socket, *lines)


@asynccontextmanager
async def running_player(
    config: TerminalConfig, *, window: Any = None, clock: SiteClock | None = None
) -> AsyncIterator[RunningPlayer]:
    headless = config.model_copy(update={
        "player": config.player.model_copy(update={"output": "headless"})})
    # Every displayed frame of the run, for the test to read back (the product keeps a
    # few hundred: player.build.FRAME_HISTORY).
    player = build_player(headless, window=window, clock=clock, frame_history=200_000)
    stop = asyncio.Event()
    task = asyncio.create_task(player.daemon.run(stop))
    try:
        # Up once its status socket is bound; a cold machine (the first libVLC start,
        # the first probes) may take a while, and a daemon that failed says so below.
        deadline = time.monotonic() + START_BOUND_S
        while not (config.player.status_socket.exists() or task.done()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the player did not start within {START_BOUND_S} s")
            await asyncio.sleep(0.01)
        yield RunningPlayer(player)
    finally:
        stop.set()
        await task
        player.close()
