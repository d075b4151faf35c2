"""Stopping a rig's helper process (a sound server, an X server): asked first, killed
after a grace period."""

from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen | None, grace_s: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
