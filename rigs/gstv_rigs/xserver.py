"""Real windows for a rig (`gstv sim --output window`): Xvfb on a display number it picks
itself (`-displayfd`), the terminals' windows laid out side by side on it, and the
observer of those windows (gstv_rigs.window_observer)."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

from gstv_rigs.procs import stop_process

WINDOW_SIZE = (640, 360)  # each terminal's window
WINDOW_COLUMNS = 3


class XServer:
    def __init__(self, width: int, height: int) -> None:
        self.size = (width, height)
        self.process: subprocess.Popen | None = None
        self.display = ""
        self._read_fd: int | None = None

    def start(self, timeout_s: float = 30) -> str:
        read_fd, write_fd = os.pipe()
        width, height = self.size
        self.process = subprocess.Popen(
            [*_realtime(), "Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
             "-nolisten", "tcp", "-noreset"], pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write_fd)
        self._read_fd = read_fd  # kept open: Xvfb dies of SIGPIPE if it finds it closed
        ready, _, _ = select.select([read_fd], [], [], timeout_s)
        number = os.read(read_fd, 16).decode().strip() if ready else ""
        if not number:
            self.stop()
            raise RuntimeError("Xvfb did not start (is it installed? make setup does)")
        self.display = f":{number}"
        return self.display

    def stop(self) -> None:
        stop_process(self.process)
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None


def _realtime() -> list[str]:
    """`chrt` at a real-time priority above libVLC's threads, where allowed: the
    players run those at real-time priority (player.engine), and an X server left at
    normal priority beside them on a busy machine was measured taking up to 50 ms to
    put a picture up."""
    return ["chrt", "-f", "40"] if os.geteuid() == 0 and shutil.which("chrt") else []


class WindowSite:
    """The rig's X server, where each terminal's window sits on it, and the observer
    that writes what each window showed to `base`/<terminal>/frames.observed.log."""

    def __init__(self, ids: list[str], base: Path) -> None:
        self.ids, self.base = ids, base
        columns = min(len(ids), WINDOW_COLUMNS)
        rows = -(-len(ids) // WINDOW_COLUMNS)
        self.xserver = XServer(columns * WINDOW_SIZE[0], rows * WINDOW_SIZE[1])
        self.observer: subprocess.Popen | None = None

    def position(self, terminal_id: str) -> tuple[int, int]:
        place = self.ids.index(terminal_id)
        width, height = WINDOW_SIZE
        return (place % WINDOW_COLUMNS * width, place // WINDOW_COLUMNS * height)

    def start(self, clips: list[str]) -> dict[str, str]:
        """The X server and the observer; the players' environment."""
        display = self.xserver.start()
        width, height = WINDOW_SIZE
        with open(self.base / "observer.log", "ab") as log:
            self.observer = subprocess.Popen(
                [sys.executable, "-m", "gstv_rigs.window_observer", "--display", display,
                 "--terminals", ",".join(self.ids), "--out", str(self.base),
                 "--video", f"0,0,{width},{height}", "--clips", ",".join(clips)],
                stdout=subprocess.DEVNULL, stderr=log)
        return {"DISPLAY": display}

    def stop(self) -> None:
        stop_process(self.observer)  # it writes out what it holds on SIGTERM
        self.xserver.stop()
