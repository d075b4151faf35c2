"""A real X server for the window-mode tests: Xvfb (installed by `make setup`), one
per test module, 640x360."""

from __future__ import annotations

import os
import subprocess

import pytest


@pytest.fixture(scope="module")
def display():
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "640x360x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    number = os.read(read_fd, 16).decode().strip()
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)
    os.close(read_fd)  # only now: Xvfb dies of SIGPIPE if it finds its -displayfd closed
