"""Content and configuration for a real player, run in the test's event loop
(`gstv_rigs.inprocess`) or as a `gstv player` process: real libVLC (headless), real
sockets, real SQLite."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.processes import ProcessSet, run
from tests.waits import READY_S, wait_for_path

from terminal.config import TerminalConfig
from gstv_rigs.inprocess import running_player
from gstv_rigs.staging import headless_config, loop_asset, stage_loop

DATA = Path(__file__).resolve().parents[1] / "data"
GSTV = Path(sys.executable).parent / "gstv"

__all__ = ["GSTV", "asset", "playing_status", "running_player", "stage", "start_player",
           "terminal_config", "wait_for", "write_config"]


terminal_config = headless_config
asset = loop_asset


def stage(config: TerminalConfig, assets: list[dict], *, banners=(), media=None) -> None:
    """Stage `assets` as a one-loop playlist with their clips from `tests/data`."""
    names = media if media is not None else {a["filename"] for a in assets}
    stage_loop(config, assets, media=[DATA / name for name in names], banners=banners)


def write_config(tmp_path: Path) -> Path:
    """A headless terminal playing two clips in a loop; the config file's path."""
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3"), asset("two.mp4", "A2")])
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    return path


def start_player(procs: ProcessSet, config_path: Path, **popen) -> subprocess.Popen:
    """`gstv player` with its log appended to `player.log` beside the config; stopped
    with the test's other processes."""
    with open(config_path.parent / "player.log", "ab") as log:
        return procs.start([str(GSTV), "player", "--config", str(config_path)],
                           stdout=subprocess.DEVNULL, stderr=log, **popen)


wait_for = wait_for_path


def playing_status(config_path: Path, timeout_s: float = READY_S) -> dict:
    """`gstv status --json` once the player has started playing."""
    deadline = time.monotonic() + timeout_s
    while True:
        proc = run([str(GSTV), "status", "--config", str(config_path), "--json"],
                   capture_output=True, text=True, timeout=60)
        # Not answering yet (a stale socket of the killed player) counts as not playing.
        status = json.loads(proc.stdout) if proc.returncode == 0 else {"state": None}
        if status["state"] == "playing":
            return status
        assert time.monotonic() < deadline, f"never playing: {status} {proc.stderr}"
        time.sleep(0.2)
