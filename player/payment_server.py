"""The payment socket: a Unix stream socket the payment software connects to.

Several clients may be connected at once; they share one `PaymentState`. The socket is
created here, or handed over by systemd socket activation (`LISTEN_FDS`, first fd 3).
Only peers whose uid or gid is allowed (SO_PEERCRED) are served; others get one error
line and are disconnected. Lines longer than `MAX_LINE_BYTES` are answered with an
error and skipped up to their newline, so a client cannot make the player buffer
without bound.

If the client that started a prompt disconnects before `prompt_end`, the prompt stays
up for `prompt_timeout_s` (the payment software may be restarting and still showing
the prompt), then ends by itself.

The payment phase outlives the player (issue #19): every change is written to
`payment-state.json` beside the socket (`/run/gstv`: kept across player restarts,
gone at reboot). A player that starts while a prompt it did not see end comes back
with the prompt up, hidden and silent (`restore`, before the socket is served and
before anything plays), as an orphaned prompt: its client's connection died with the
old player, so it ends at `prompt_end` from the reconnected payment software, or
`prompt_timeout_s` after the restart. Not counted from the prompt's start: while its
client was connected a prompt has no timeout, and a restart must never put video over
a PCI prompt that is still up. A transaction phase (pre/post/fueling, no prompt) is
brought back only if it changed within `STALE_PHASE_S`: older, the payment software
has moved on, and a stale phase would refuse its next `transaction_start`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path

from player.payment_protocol import (MAX_LINE_BYTES, PHASES, TOO_LONG, LineFramer,
                                     PaymentState, handle_line)
from sync_agent.staging import stage_atomically

log = logging.getLogger(__name__)

REFUSED_DRAIN_S = 0.5
STATE_FILE = "payment-state.json"
STALE_PHASE_S = 900  # a transaction phase older than this is not brought back

StateListener = Callable[[PaymentState, PaymentState], None]


def activated_socket() -> socket.socket | None:
    """The listening socket systemd passed us, if any."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        return None
    if int(os.environ.get("LISTEN_FDS", "0")) < 1:
        return None
    return socket.socket(fileno=3)


class PaymentServer:
    def __init__(
        self, path: Path, on_change: StateListener, *, prompt_timeout_s: float,
        allowed_uids: set[int], allowed_gids: set[int],
    ) -> None:
        self._path = path
        self._on_change = on_change
        self._prompt_timeout_s = prompt_timeout_s
        self._allowed_uids = allowed_uids
        self._allowed_gids = allowed_gids
        self.state = PaymentState()
        self._server: asyncio.AbstractServer | None = None
        self._orphan_timer: asyncio.TimerHandle | None = None
        self._prompt_owner: object | None = None
        self._clients: set[asyncio.Task] = set()
        self._state_file = path.parent / STATE_FILE
        self._prompt_since = 0.0  # wall-clock s the prompt in force started

    def restore(self) -> None:
        """Take the phase a previous run of the player left (see the module's doc)."""
        try:
            saved = json.loads(self._state_file.read_text())
            phase, prompting = saved["phase"], saved["prompting"]
            since = float(saved.get("prompt_since", 0.0))
            changed = float(saved.get("changed_at", 0.0))
        except (OSError, ValueError, KeyError, TypeError):
            return
        if phase not in PHASES or not isinstance(prompting, bool):
            return
        if not prompting and time.time() - changed > STALE_PHASE_S:
            phase = "idle"
        restored = PaymentState(phase=phase, prompting=prompting)
        if restored == self.state:
            return
        old, self.state, self._prompt_since = self.state, restored, since
        if prompting:
            log.warning("prompt_restored_after_restart phase=%s ends_in_s=%.0f", phase,
                        self._prompt_timeout_s)
            self._orphan_timer = asyncio.get_running_loop().call_later(
                self._prompt_timeout_s, self._end_orphaned_prompt)
        self._on_change(old, self.state)

    async def start(self) -> None:
        inherited = activated_socket()
        if inherited is not None:
            self._server = await asyncio.start_unix_server(self._serve, sock=inherited)
            log.info("payment_socket_ready source=systemd")
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(self._serve, path=str(self._path))
        os.chmod(self._path, 0o660)
        log.info("payment_socket_ready path=%s", self._path)

    async def stop(self) -> None:
        """Stop listening and let connected clients go, so none is cut mid-reply."""
        if self._orphan_timer:
            self._orphan_timer.cancel()
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        for task in self._clients:
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)

    def _allowed(self, writer: asyncio.StreamWriter) -> tuple[bool, str]:
        sock = writer.get_extra_info("socket")
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid, uid, gid = struct.unpack("3i", creds)
        who = f"pid={pid} uid={uid} gid={gid}"
        return uid in self._allowed_uids or gid in self._allowed_gids, who

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        allowed, who = self._allowed(writer)
        if not allowed:
            log.warning("payment_client_refused %s", who)
            await self._reply(writer, {"ok": False, "error": "not allowed to use this socket"})
            # Read (and ignore) what it sent before closing: closing a socket with
            # unread data resets the connection, and the reset can destroy the reply
            # before the client reads it.
            try:
                await asyncio.wait_for(reader.read(MAX_LINE_BYTES), REFUSED_DRAIN_S)
            except (TimeoutError, ConnectionError):
                pass
            writer.close()
            return
        log.info("payment_client_connected %s", who)
        client = object()
        task = asyncio.current_task()
        self._clients.add(task)
        try:
            await self._read_lines(reader, writer, client)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:  # shutting down: the connection just ends
            return
        finally:
            self._clients.discard(task)
            writer.close()
            log.info("payment_client_disconnected %s", who)
            if self.state.prompting and self._prompt_owner is client:
                self._orphaned_prompt()

    async def _read_lines(self, reader, writer, client) -> None:
        framer = LineFramer()
        while chunk := await reader.read(4096):
            for line in framer.feed(chunk):
                if line is TOO_LONG:
                    await self._reply(writer, _too_long())
                else:
                    await self._reply(writer, self._apply(line, client))

    def _apply(self, line: bytes, client: object) -> dict:
        old = self.state
        self.state, reply = handle_line(old, line)
        if self.state != old:
            if self.state.prompting and not old.prompting:
                self._prompt_owner = client
                self._prompt_since = time.time()
            if not self.state.prompting and self._orphan_timer:
                self._orphan_timer.cancel()
                self._orphan_timer = None
            self._changed(old)
        return reply

    def _changed(self, old: PaymentState) -> None:
        """Keep the new state for a restart first, then act on it."""
        try:
            stage_atomically(self._state_file, json.dumps(
                {"phase": self.state.phase, "prompting": self.state.prompting,
                 "prompt_since": self._prompt_since, "changed_at": time.time()}
            ).encode(), durable=False)
        except OSError as exc:
            log.error("payment_state_not_kept error=%s", exc.strerror or exc)
        self._on_change(old, self.state)

    def _orphaned_prompt(self) -> None:
        log.warning("prompt_client_lost timeout_s=%s", self._prompt_timeout_s)
        self._orphan_timer = asyncio.get_running_loop().call_later(
            self._prompt_timeout_s, self._end_orphaned_prompt
        )

    def _end_orphaned_prompt(self) -> None:
        self._orphan_timer = None
        if self.state.prompting:
            log.warning("prompt_timed_out resuming=true")
            old = self.state
            self.state = PaymentState(phase=old.phase, prompting=False)
            self._changed(old)

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, reply: dict) -> None:
        writer.write(json.dumps(reply).encode() + b"\n")
        await writer.drain()


def _too_long() -> dict:
    return {"ok": False, "error": f"line longer than {MAX_LINE_BYTES} bytes"}
