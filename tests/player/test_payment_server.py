"""The payment socket for real: several clients, over-long lines, peer credentials,
and a payment application that disappears mid-prompt."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import tempfile
from pathlib import Path

import pytest

from player.payment_protocol import MAX_LINE_BYTES, PaymentState
from player.payment_server import PaymentServer


@pytest.fixture
async def server(tmp_path):
    changes: list[tuple[PaymentState, PaymentState]] = []
    srv = PaymentServer(tmp_path / "pay.sock", lambda old, new: changes.append((old, new)),
                        prompt_timeout_s=0.5, allowed_uids={0, os.getuid()}, allowed_gids=set())
    await srv.start()
    srv.changes = changes
    yield srv
    await srv.stop()


async def connect(srv):
    return await asyncio.open_unix_connection(str(srv._path))


async def ask(reader, writer, line: bytes) -> dict:
    writer.write(line + b"\n")
    await writer.drain()
    return json.loads(await reader.readline())


async def test_two_clients_share_one_state(server):
    a = await connect(server)
    b = await connect(server)
    assert (await ask(*a, b'{"event": "transaction_start"}'))["state"] == "prefueling"
    assert (await ask(*b, b'{"event": "fueling_start"}'))["state"] == "fueling"
    assert server.state.phase == "fueling" and len(server.changes) == 2
    for _, writer in (a, b):
        writer.close()


async def test_an_over_long_line_is_refused_and_the_next_line_works(server):
    reader, writer = await connect(server)
    writer.write(b"x" * (MAX_LINE_BYTES * 3) + b"\n")
    await writer.drain()
    reply = json.loads(await reader.readline())
    assert reply == {"ok": False, "error": f"line longer than {MAX_LINE_BYTES} bytes"}
    assert (await ask(reader, writer, b'{"event": "transaction_start"}'))["ok"] is True
    writer.close()


async def test_garbage_changes_nothing(server):
    reader, writer = await connect(server)
    for junk in (b"\x00\xff\xfe", b"{}", b'{"event": "prompt_end"}', b"[]", b"null"):
        assert (await ask(reader, writer, junk))["ok"] is False
    assert server.state == PaymentState() and server.changes == []
    writer.close()


async def test_a_prompt_whose_client_vanished_ends_after_the_timeout(server):
    reader, writer = await connect(server)
    await ask(reader, writer, b'{"event": "prompt_start"}')
    writer.close()
    await asyncio.sleep(0.2)
    assert server.state.prompting, "the prompt stays up while the timeout runs"
    await asyncio.sleep(0.6)
    assert not server.state.prompting
    assert server.changes[-1][1] == PaymentState(prompting=False)


async def test_a_prompt_ended_by_a_reconnected_client_cancels_the_timeout(server):
    reader, writer = await connect(server)
    await ask(reader, writer, b'{"event": "prompt_start"}')
    writer.close()
    reader, writer = await connect(server)
    assert (await ask(reader, writer, b'{"event": "prompt_end"}'))["prompt"] is False
    await ask(reader, writer, b'{"event": "prompt_start"}')
    await asyncio.sleep(0.7)  # the old timer must not end the new prompt
    assert server.state.prompting
    writer.close()


def test_a_peer_with_another_uid_is_refused():
    # A directory "nobody" can traverse: the filesystem lets it in, SO_PEERCRED must not.
    with tempfile.TemporaryDirectory() as name:
        os.chmod(name, 0o755)
        reply = json.loads(asyncio.run(_knock_as_nobody(Path(name) / "pay.sock")))
    assert reply == {"ok": False, "error": "not allowed to use this socket"}


async def _knock_as_nobody(path: Path) -> bytes:
    """A forked child drops to uid/gid 65534, sends a prompt, and returns the reply."""
    srv = PaymentServer(path, lambda old, new: None, prompt_timeout_s=1,
                        allowed_uids={0}, allowed_gids=set())
    await srv.start()
    os.chmod(path, 0o666)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child drops to "nobody" and tries its luck
        try:
            os.setgid(65534)
            os.setuid(65534)
            sock = socket.socket(socket.AF_UNIX)
            sock.connect(str(path))
            sock.sendall(b'{"event": "prompt_start"}\n')
            os.write(write_fd, sock.recv(4096))
        finally:
            os._exit(0)
    os.close(write_fd)
    loop = asyncio.get_running_loop()
    data = await loop.run_in_executor(None, os.read, read_fd, 4096)
    os.close(read_fd)
    await loop.run_in_executor(None, os.waitpid, pid, 0)
    state = srv.state
    await srv.stop()
    assert state == PaymentState()
    return data


async def test_a_prompt_a_restart_cut_comes_back_up_until_its_end_or_its_timeout(tmp_path):
    """The player dies mid-prompt; the next one starts with the prompt up (hidden and
    silent), ends it at the reconnected client's prompt_end, or at the timeout counted
    from the restart (a prompt has none while its client is connected)."""
    def server(timeout_s: float):
        changes: list[tuple[PaymentState, PaymentState]] = []
        srv = PaymentServer(tmp_path / "pay.sock",
                            lambda old, new: changes.append((old, new)),
                            prompt_timeout_s=timeout_s, allowed_uids={0, os.getuid()},
                            allowed_gids=set())
        srv.changes = changes
        return srv

    first = server(30)
    await first.start()
    client = await connect(first)
    await ask(*client, b'{"event": "transaction_start"}')
    await ask(*client, b'{"event": "prompt_start"}')
    client[1].close()
    await first.stop()  # as good as killed: nothing ends the prompt
    second = server(30)
    second.restore()  # before the socket serves anything
    await second.start()
    assert second.state == PaymentState(phase="prefueling", prompting=True)
    assert second.changes == [(PaymentState(), second.state)]  # the daemon hides first
    client = await connect(second)
    assert (await ask(*client, b'{"event": "prompt_end"}'))["prompt"] is False
    client[1].close()
    await second.stop()
    # Killed mid-prompt again, the prompt up longer than the timeout already: it still
    # comes back, for the timeout after the restart, then ends by itself.
    third = server(30)
    third.restore()
    await third.start()
    client = await connect(third)
    await ask(*client, b'{"event": "prompt_start"}')
    client[1].close()
    await third.stop()
    await asyncio.sleep(0.3)
    fourth = server(0.2)
    fourth.restore()
    await fourth.start()
    assert fourth.state.prompting
    await asyncio.sleep(0.1)
    assert fourth.state.prompting
    await asyncio.sleep(0.2)
    assert fourth.state == PaymentState(phase="prefueling", prompting=False)
    await fourth.stop()
    fifth = server(0.5)  # a prompt that ended is not brought back; the phase is
    fifth.restore()
    assert fifth.state == PaymentState(phase="prefueling") and fifth.changes == [
        (PaymentState(), PaymentState(phase="prefueling"))]


async def test_a_stale_transaction_phase_is_not_brought_back(tmp_path):
    from player.payment_server import STALE_PHASE_S, STATE_FILE

    (tmp_path / STATE_FILE).write_text(json.dumps(
        {"phase": "fueling", "prompting": False, "prompt_since": 0,
         "changed_at": __import__("time").time() - STALE_PHASE_S - 1}))
    srv = PaymentServer(tmp_path / "pay.sock", lambda old, new: None, prompt_timeout_s=5,
                        allowed_uids={0, os.getuid()}, allowed_gids=set())
    srv.restore()
    assert srv.state == PaymentState()  # idle: the next transaction_start is taken
    for garbage in ("", "{", '{"phase": "dancing", "prompting": false}',
                    '{"phase": "idle", "prompting": "yes"}'):
        (tmp_path / STATE_FILE).write_text(garbage)
        srv.restore()
        assert srv.state == PaymentState(), garbage
