"""Waiting in tests: on the event itself, with a bound a cold machine stays inside.

A first `gstv player` on a machine where libVLC never ran, with packages just
installed and the page cache empty, is measured in README (bench/cold_start.py); a
whole demo site starts seven such processes on two cores. The bounds here are for
what must happen eventually, not figures: a test that wants a figure lives in bench/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

READY_S = 180.0  # a process or a site to be up, a file or a line to appear
STOP_S = 60.0  # a process asked to stop, to have stopped


def wait_until(condition: Callable[[], object], what: str, timeout_s: float = READY_S,
               every_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout_s:.0f} s: {what}"
        time.sleep(every_s)


def wait_for_path(path: Path, timeout_s: float = READY_S) -> None:
    wait_until(path.exists, f"{path} to appear", timeout_s)


def text_of(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def wait_for_text(path: Path, text: str, timeout_s: float = READY_S) -> None:
    wait_until(lambda: text in text_of(path), f"{text!r} in {path}", timeout_s, 0.1)
