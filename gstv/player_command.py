"""`gstv player [--config FILE]`: run the per-screen daemon until SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from gstv.logs import setup_logging
from player.errors import CannotStart
from terminal.config import DEFAULT_CONFIG, ConfigError, TerminalConfig, load_config
from player.build import build_player
from player.decks import may_use_realtime
from player.native_heap import NativeHeap

log = logging.getLogger("gstv.player")


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("player", help="run the per-screen player daemon")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE")
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    setup_logging(args.verbose)
    NativeHeap().tune()  # before libVLC starts its threads
    # libVLC's display callbacks (headless) need the GIL: hand it over after 0.5 ms
    # instead of 5, so a busy event loop delays a frame's timestamp by less.
    sys.setswitchinterval(0.0005)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"gstv player: {exc}", file=sys.stderr)
        return 2
    if config.player.realtime and may_use_realtime():
        # The thread that unpauses a deck at its instant must wake on time even when
        # the machine is busy with other processes: the lowest real-time priority,
        # under libVLC's own threads. Only `gstv player`: in-process players of tests
        # and benchmarks keep the caller's scheduling.
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(1))
    try:
        asyncio.run(serve(config))
    except KeyboardInterrupt:
        pass
    except CannotStart as exc:
        log.critical("player_cannot_start reason=%s", exc)
        return 1
    return 0


async def serve(config: TerminalConfig) -> None:
    player = build_player(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if player.window is not None:
            player.window.attach(loop)
        await player.daemon.run(stop)
    finally:
        player.close()
