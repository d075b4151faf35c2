"""A real X server for the window-mode tests: Xvfb (installed by `make setup`), one
per test module, 640x360."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.processes import ProcessSet


@pytest.fixture(scope="module")
def display():
    yield from _xvfb()


@pytest.fixture(scope="module")
def display_without_shm():
    """An X server without MIT-SHM (a remote display, say): window mode falls back to
    libVLC's own X output."""
    yield from _xvfb("-extension", "MIT-SHM")


def _xvfb(*options: str):
    read_fd, write_fd = os.pipe()
    servers = ProcessSet()
    try:
        servers.start(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "640x360x24",
                       "-nolisten", "tcp", *options], pass_fds=(write_fd,),
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_fd)
        number = os.read(read_fd, 16).decode().strip()
        yield f":{number}"
    finally:
        servers.close()
        os.close(read_fd)  # only now: Xvfb dies of SIGPIPE if it finds its -displayfd closed
