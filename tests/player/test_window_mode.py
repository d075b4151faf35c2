"""`gstv player` in window mode on a real X server (Xvfb, installed by `make setup`):
the zoned Tk window opens, libVLC renders into it, and the payment protocol drives it.
Pixel checks of the zones belong to the screenshot test."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from terminal.config import TerminalConfig, Zones
from terminal.outbox import Outbox
from tests import processes
from tests.player.harness import DATA, asset, stage, terminal_config
from tests.waits import STOP_S, wait_until

GSTV = Path(sys.executable).parent / "gstv"


def window_config(tmp_path: Path, zones: Zones) -> TerminalConfig:
    config = terminal_config(tmp_path)
    player = config.player.model_copy(update={"output": "window", "zones": zones})
    return config.model_copy(update={"player": player})


def status(path: Path) -> dict:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(path))
        return json.loads(sock.makefile("rb").readline())


def test_window_mode_plays_and_follows_the_payment_protocol(tmp_path, display, procs):
    zones = Zones(screen=(640, 360), full_video=(0, 0, 640, 360),
                  transaction_video=(0, 0, 400, 240), banner=(0, 280, 640, 80),
                  coupon=(400, 0, 240, 280))
    config = window_config(tmp_path, zones)
    stage(config, [asset("one.mp4", "A1"), asset("cut.mp4", "AC"), asset("two.mp4", "A2")],
          media=["one.mp4", "two.mp4"])
    # A clip cut short after its header: it opens, but no picture ever comes. A
    # window has no display callback; the POP record waits for libVLC's video output.
    (config.media / "cut.mp4").write_bytes((DATA / "three.mp4").read_bytes()[:4000])
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    log = tmp_path / "player.log"
    with log.open("wb") as err:
        player = procs.start([str(GSTV), "player", "--config", str(path)],
                             env=dict(os.environ, DISPLAY=display),
                             stdout=subprocess.DEVNULL, stderr=err)
    wait_until(lambda: player.poll() is not None or (tmp_path / "status.sock").exists()
               and status(tmp_path / "status.sock")["slots_started"] >= 3, "three slots")
    assert player.poll() is None, log.read_text()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(tmp_path / "pay.sock"))
        replies = sock.makefile("rb")
        for line in (b'{"event": "transaction_start"}', b'{"event": "prompt_start"}'):
            sock.sendall(line + b"\n")
            assert json.loads(replies.readline())["ok"] is True
        during = status(tmp_path / "status.sock")
        sock.sendall(b'{"event": "prompt_end"}\n')
        replies.readline()
    time.sleep(2)
    after = status(tmp_path / "status.sock")
    player.send_signal(signal.SIGTERM)
    code = player.wait(timeout=STOP_S)
    text = log.read_text()
    assert code == 0, text
    assert "output=window" in text and "slot_start kind=asset" in text
    assert during["state"] == "prompt" and during["phase"] == "prefueling"
    assert after["state"] == "playing" and after["slots_started"] > 3
    assert "slot_blank file=cut.mp4 asset=AC reason=nothing_decoded" in text
    outbox = Outbox(config.outbox_path)
    rows = outbox.rows()
    outbox.close()
    assert {r.filename for r in rows} == {"one.mp4", "two.mp4"}
    assert all(r.end_ms is not None and r.end_ms > r.start_ms for r in rows)


def test_window_mode_without_a_display_fails_clearly(tmp_path):
    path = tmp_path / "terminal.toml"
    path.write_text(window_config(tmp_path, Zones()).to_toml())
    proc = processes.run([str(GSTV), "player", "--config", str(path)],
                         env=dict(os.environ, DISPLAY=":4242"), capture_output=True, text=True,
                         timeout=60)
    assert proc.returncode == 1
    assert "<2>player_cannot_start reason=no window: couldn't connect to display" in proc.stderr
    assert "Traceback" not in proc.stderr
