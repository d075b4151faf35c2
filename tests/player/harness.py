"""Content and configuration for a real player run in the test's event loop
(`player.inprocess`): real libVLC (headless), real sockets, real SQLite."""

from __future__ import annotations

from pathlib import Path

from player.config import TerminalConfig
from player.inprocess import headless_config, loop_asset, running_player, stage_loop

DATA = Path(__file__).resolve().parents[1] / "data"

__all__ = ["asset", "running_player", "stage", "terminal_config"]


terminal_config = headless_config
asset = loop_asset


def stage(config: TerminalConfig, assets: list[dict], *, banners=(), media=None) -> None:
    """Stage `assets` as a one-loop playlist with their clips from `tests/data`."""
    names = media if media is not None else {a["filename"] for a in assets}
    stage_loop(config, assets, media=[DATA / name for name in names], banners=banners)
