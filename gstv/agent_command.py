"""`gstv agent [--config FILE] [--once]`: the per-terminal content agent.

`--once`: one poll of the cloud and one look at the drop folder, every queued update
processed, unreferenced media swept, everything owed delivered; exit status 0 when
all of that succeeded, 1 when something failed (the log says what; nothing is lost:
the queue and the outbox keep it for the next run). Without it: the same forever, polling every `[agent]
poll_interval_s`, waking at once for the drop folder, delivering with backoff.
Run by hand on a terminal, `--once` draws the progress of each download on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx

from gstv.logs import setup_logging
from terminal.config import (DEFAULT_CONFIG, ConfigError, TerminalConfig, exposed_secret,
                           load_config)
from sync_agent.agent import Agent

def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("agent", help="run the content agent (cloud, media, POP)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE")
    parser.add_argument("--once", action="store_true",
                        help="poll, process and deliver once, then exit")
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    setup_logging(args.verbose)
    try:
        config = load_config(args.config)
        token = _token(config)
    except ConfigError as exc:
        print(f"gstv agent: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(serve(config, token, once=args.once))
    except KeyboardInterrupt:
        return 0


def _token(config: TerminalConfig) -> str | None:
    """The bearer token, from a file only the agent may read (terminal.config.
    exposed_secret, the site key's rule too)."""
    path = config.agent.token_file
    if path is None:
        return None
    try:
        with open(path) as f:
            mode = os.fstat(f.fileno()).st_mode
            token = f.read().strip()
    except OSError as exc:
        raise ConfigError(f"cannot read agent.token_file {path}: {exc.strerror or exc}") \
            from exc
    if (problem := exposed_secret(mode)) is not None:
        raise ConfigError(f"agent.token_file {path} {problem}")
    return token


async def serve(config: TerminalConfig, token: str | None, *, once: bool) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=config.agent.cloud_url, headers=headers,
                                 verify=config.agent.verify_tls, timeout=30) as client:
        agent = Agent(config, client, tty=sys.stderr if once and sys.stderr.isatty() else None)
        try:
            if once:
                return 0 if await agent.once() else 1
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            await agent.run(stop)
            return 0
        finally:
            agent.close()
