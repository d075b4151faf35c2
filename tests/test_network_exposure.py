"""What a terminal exposes, read off the running programs (issue #8, security): the
player listens on its site sync port and nothing else on the network, the agent on
nothing; the status socket is read-only; the payment socket is for its group only."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import time

from gstv_rigs.site import free_port
from terminal.config import AgentSection, Peer, SyncSection
from player.status import query_status
from tests.player.harness import (GSTV, asset, playing_status, stage, start_player,
                                  terminal_config)
from tests.sync.keys import new_site_key
from tests.waits import wait_for_text


def listening(pid: int) -> set[tuple[str, int, str]]:
    """The network sockets process `pid` listens on (TCP) or is bound to (UDP):
    (address, port, protocol), from /proc."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for protocol in ("tcp", "tcp6", "udp", "udp6"):
        with open(f"/proc/net/{protocol}") as table:
            next(table)
            for row in table:
                fields = row.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if inode not in inodes or (protocol.startswith("tcp") and state != "0A"):
                    continue
                address, port = local.split(":")
                found.add((_address(address), int(port, 16), protocol))
    return found


def _address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def test_the_player_listens_only_on_its_sync_port_and_the_agent_on_nothing(tmp_path, cloud,
                                                                           procs):
    own, other = free_port(), free_port()
    config = terminal_config(tmp_path).model_copy(update={
        "sync": SyncSection(key_file=new_site_key(), peers=(
            Peer(id="T1", endpoint=f"tcp://127.0.0.1:{own}"),
            Peer(id="T2", endpoint=f"tcp://127.0.0.1:{other}"))),
        "agent": AgentSection(cloud_url=cloud.url, poll_interval_s=1)})
    stage(config, [asset("one.mp4", "A1")])
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    player = start_player(procs, path)
    with open(tmp_path / "agent.log", "ab") as log:
        agent = procs.start([str(GSTV), "agent", "--config", str(path)],
                            stdout=subprocess.DEVNULL, stderr=log)
    playing_status(path)
    wait_for_text(tmp_path / "agent.log", "agent_started")
    time.sleep(1)  # a poll and a delivery round have run
    assert listening(player.pid) == {("127.0.0.1", own, "tcp")}
    assert listening(agent.pid) == set()


def test_the_status_socket_is_read_only_and_the_payment_socket_for_its_group(tmp_path, procs):
    config = terminal_config(tmp_path)
    stage(config, [asset("one.mp4", "A1")])
    path = tmp_path / "terminal.toml"
    path.write_text(config.to_toml())
    start_player(procs, path)
    playing_status(path)
    status_path, payment_path = config.player.status_socket, config.player.payment_socket
    assert stat.S_IMODE(status_path.stat().st_mode) == 0o666  # anyone may look
    assert stat.S_IMODE(payment_path.stat().st_mode) == 0o660  # owner and group only
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(status_path))
        try:
            sock.sendall(b'{"event": "transaction_start"}\n{"event": "prompt_start"}\n')
        except BrokenPipeError:
            pass  # the server answered and closed before our write: it never reads
        answer = json.loads(sock.makefile("rb").readline())
    assert answer["state"] == "playing"  # a status, not a payment reply
    time.sleep(0.5)
    after = query_status(status_path)
    assert after["state"] == "playing" and after["phase"] == "idle"

