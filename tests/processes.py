"""Processes the tests start, and the guarantee that none of them outlives its test.

Every process a test starts is marked in its environment, and everything it starts in
turn inherits the marks (a demo's cloud, agents and players too, even in sessions of
their own):
- `GSTV_TEST_SESSION`: this pytest run (set once, in `tests/conftest.py`);
- `GSTV_TEST_NODE`: the test during whose setup or call it was started;
- `GSTV_TEST_SPAWN`: the one `start` or `run` call it descends from.
A process's marks are read back from `/proc/PID/environ` (its environment at exec), so
a whole tree is found and stopped by its spawn mark, however its members were started.

`ProcessSet.start` is `subprocess.Popen` whose tree is stopped when the set closes (the
`processes` fixture closes it in its finalizer, whatever the test did); `run` is
`subprocess.run` whose tree is stopped when it times out or the test is interrupted.
At the end of the run `left_running()` names any marked process still alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SESSION, NODE, SPAWN = "GSTV_TEST_SESSION", "GSTV_TEST_NODE", "GSTV_TEST_SPAWN"
STOP_GRACE_S = 10.0  # SIGTERM first; whatever is still alive after this gets SIGKILL


@dataclass(frozen=True)
class Marked:
    pid: int
    command: str
    node: str


def _marks(pid: int) -> dict[str, str] | None:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:  # gone, or a zombie
        return None
    marks = {}
    for entry in raw.split(b"\0"):
        if entry.startswith(b"GSTV_TEST_"):
            key, _, value = entry.decode(errors="replace").partition("=")
            marks[key] = value
    return marks


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return "?"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def marked(key: str, value: str) -> list[Marked]:
    """Live processes, other than this one, whose mark `key` is `value`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        marks = _marks(int(entry.name))
        if marks and marks.get(key) == value and _alive(int(entry.name)):
            found.append(Marked(int(entry.name), _command(int(entry.name)),
                                marks.get(NODE, "?")))
    return found


def stop_marked(key: str, value: str, grace_s: float = STOP_GRACE_S) -> list[Marked]:
    """SIGTERM every process marked `key=value`, SIGKILL what is left after `grace_s`;
    the processes that were found alive."""
    found = marked(key, value)
    for process in found:
        _signal(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(_alive(p.pid) for p in found) and time.monotonic() < deadline:
        time.sleep(0.05)
    for process in marked(key, value):
        _signal(process.pid, signal.SIGKILL)
    return found


def _signal(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


def left_running() -> list[Marked]:
    """Processes this test run started that are still alive."""
    session = os.environ.get(SESSION)
    return marked(SESSION, session) if session else []


def _marked_env(env: dict[str, str] | None) -> tuple[dict[str, str], str]:
    token = uuid.uuid4().hex
    return {**(os.environ if env is None else env), SPAWN: token,
            SESSION: os.environ.get(SESSION, ""), NODE: os.environ.get(NODE, "")}, token


class ProcessSet:
    """Processes started for one test (or one fixture), stopped together by `close`."""

    def __init__(self) -> None:
        self._started: list[tuple[subprocess.Popen, str]] = []

    def start(self, command: list[str], *, env: dict[str, str] | None = None,
              **popen) -> subprocess.Popen:
        """`subprocess.Popen(command, ...)`, its tree stopped by `close`."""
        marked_env, token = _marked_env(env)
        process = subprocess.Popen(command, env=marked_env, **popen)
        self._started.append((process, token))
        return process

    def close(self) -> None:
        for process, token in reversed(self._started):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    process.kill()
            stop_marked(SPAWN, token)
            process.wait()
            for stream in (process.stdin, process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        self._started.clear()


def run(command: list[str], *, timeout: float = 600, env: dict[str, str] | None = None,
        **popen) -> subprocess.CompletedProcess:
    """`subprocess.run(command, timeout=...)`, with the whole tree stopped on a timeout
    or an interruption (the standard one kills only the direct child)."""
    marked_env, token = _marked_env(env)
    try:
        return subprocess.run(command, timeout=timeout, env=marked_env, **popen)
    except BaseException:
        stop_marked(SPAWN, token, grace_s=2)
        raise
