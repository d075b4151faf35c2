"""What the reliability scenarios share (bench/reliability.py and its scenario modules):
the result each reports, and the handful of moves on the real programs they all make."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terminal.config import TerminalConfig
from player.status import query_status
from terminal.outbox import Outbox

GSTV = [sys.executable, "-m", "gstv"]


@dataclass
class Result:
    name: str
    tried: str
    count: int
    held: bool
    findings: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


# -- helpers ----------------------------------------------------------------------------
def start(kind: str, config_path: Path, *extra: str) -> subprocess.Popen:
    log = open(config_path.parent / f"{kind}.log", "ab")
    try:
        return subprocess.Popen([*GSTV, kind, "--config", str(config_path), *extra],
                                stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def status_of(config: TerminalConfig) -> dict[str, Any] | None:
    try:
        return query_status(config.player.status_socket, 1.0)
    except (OSError, ValueError):
        return None


def wait_for(condition: Callable[[], Any], timeout_s: float) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    return None


def kill9(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill9(process)
        return -9


def outbox_rows(db_path: Path) -> list:
    """Every POP record of an outbox, oldest first."""
    outbox = Outbox(db_path)
    try:
        return outbox.rows()
    finally:
        outbox.close()


def integrity(db_path: Path) -> str:
    outbox = Outbox(db_path)
    try:
        return outbox.integrity()
    finally:
        outbox.close()
