"""`gstv player` under systemd's protocols, spoken for real: the notify socket
(READY=1, WATCHDOG=1 every half WatchdogSec) and socket activation (LISTEN_FDS)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.player.harness import asset, stage, terminal_config
from tests.waits import READY_S, wait_for_path

GSTV = Path(sys.executable).parent / "gstv"


def config_file(tmp_path: Path) -> Path:
    config = terminal_config(tmp_path)
    stage(config, [asset("three.mp4", "A3")])
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    return path


def test_ready_and_watchdog_notifications(tmp_path, procs):
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(READY_S)
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify.sock"),
               WATCHDOG_USEC="2000000")
    procs.start([str(GSTV), "player", "--config", str(config_file(tmp_path))],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    messages = [notify.recv(4096).decode()]  # the first, whenever a cold start sends it
    notify.settimeout(10)  # then two watchdog beats, one a second
    try:
        while sum("WATCHDOG=1" in m for m in messages) < 2:
            messages.append(notify.recv(4096).decode())
    finally:
        notify.close()
    assert "READY=1" in messages[0]
    assert sum("WATCHDOG=1" in m for m in messages) >= 2


def test_payment_socket_from_socket_activation(tmp_path, procs):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    activated = tmp_path / "activated.sock"
    listener.bind(str(activated))
    listener.listen()
    fd = listener.fileno()
    # As systemd does: the socket on fd 3, LISTEN_PID set to the service's own pid.
    command = (f'export LISTEN_FDS=1 LISTEN_PID=$$; '
               f'exec "{GSTV}" player --config "{config_file(tmp_path)}"')
    procs.start(["sh", "-c", command], close_fds=False, preexec_fn=lambda: os.dup2(fd, 3),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_path(tmp_path / "status.sock")
        client = socket.socket(socket.AF_UNIX)
        client.settimeout(10)
        client.connect(str(activated))
        client.sendall(b'{"event": "transaction_start"}\n')
        reply = json.loads(client.makefile("rb").readline())
        client.close()
    finally:
        listener.close()
    assert reply == {"ok": True, "state": "prefueling", "prompt": False}
    assert not (tmp_path / "pay.sock").exists()  # the configured path was not created
