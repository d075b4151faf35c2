"""Fixtures every test directory shares, and the run's guarantee that no process a test
started is left behind (tests/processes.py says how processes are marked)."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from gstv_rigs.cloud import CloudServer, CloudStore
from tests import processes

LEFT_GRACE_S = 5.0  # a process stopped by the last finalizer may still be exiting
# The tests write nothing into the tree; what they keep between runs lives here.
LEFT = pytest.StashKey[list]()
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gstv-tests"


def pytest_configure(config):
    os.environ[processes.SESSION] = uuid.uuid4().hex
    # A run stopped with SIGTERM (a CI timeout, a kill) ends as one stopped with Ctrl-C:
    # the fixtures' finalizers run and stop what the tests started.
    signal.signal(signal.SIGTERM, _interrupt)
    set_hypothesis_home_dir(CACHE / "hypothesis")  # its example database among them


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before any fixture of the test: what they start is marked with its name too.
    os.environ[processes.NODE] = item.nodeid


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_sessionfinish(session, exitstatus):
    deadline = time.monotonic() + LEFT_GRACE_S
    while (left := processes.left_running()) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        processes.stop_marked(processes.SESSION, os.environ[processes.SESSION])
        session.config.stash[LEFT] = left
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    left = config.stash.get(LEFT, [])
    if left:
        terminalreporter.write_sep("=", "processes the tests left running (now killed)",
                                   red=True)
        for process in left:
            terminalreporter.write_line(
                f"pid {process.pid} started by {process.node}: {process.command}")


@pytest.fixture
def procs():
    """Processes started for this test; all stopped (their trees too) when it ends."""
    started = processes.ProcessSet()
    yield started
    started.close()


@pytest.fixture
def cloud(tmp_path):
    """The reference cloud in a thread of the test, on a loopback port (real HTTP)."""
    server = CloudServer(("127.0.0.1", 0), CloudStore(tmp_path / "cloud"))
    yield server.serve_in_background()
    server.close()
