"""The payment software's side of a screen's payment socket, for rigs, tests and
benchmarks: newline-delimited JSON events, one JSON reply per line (player.payment_protocol).

- `exchange`: one connection for a few lines, then closed (a test's round trip).
- `PaymentLink`: one connection per screen kept open, as real payment software keeps
  it, opened again after the screen went away (`gstv sim`, `gstv demo`).
- `BlockingPaymentLink`: the same from a thread of its own, as a separate program
  would write (benchmarks that time the screen's answer).
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path
from typing import Any

CONNECT_TIMEOUT_S = 1.0
REPLY_TIMEOUT_S = 2.0


def event_line(event: str, **fields: Any) -> bytes:
    return json.dumps({"event": event, **fields}).encode() + b"\n"


async def exchange(path: Path, *lines: bytes) -> list[dict[str, Any]]:
    """Send `lines` (each without its newline) on a fresh connection; the replies."""
    reader, writer = await asyncio.open_unix_connection(str(path))
    replies = []
    try:
        for line in lines:
            writer.write(line + b"\n")
            await writer.drain()
            replies.append(json.loads(await reader.readline()))
    finally:
        writer.close()
    return replies


class PaymentLink:
    """One screen's connection, kept; `sent` counts the events the screen took."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.sent: dict[str, int] = {}

    async def send(self, event: str, **fields: Any) -> dict[str, Any] | None:
        """The screen's reply, or None when it did not answer (the connection is then
        dropped and made again at the next event)."""
        try:
            if self._writer is None:
                self._reader, self._writer = await asyncio.wait_for(
                    asyncio.open_unix_connection(str(self._path)), CONNECT_TIMEOUT_S)
            assert self._reader is not None
            self._writer.write(event_line(event, **fields))
            await self._writer.drain()
            reply = json.loads(await asyncio.wait_for(self._reader.readline(),
                                                      REPLY_TIMEOUT_S))
        except (OSError, ValueError, asyncio.TimeoutError):
            await self.close()
            return None
        if reply.get("ok"):
            self.sent[event] = self.sent.get(event, 0) + 1
        return reply

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


class BlockingPaymentLink:
    """A kept connection written from a thread: `send` blocks until the reply."""

    def __init__(self, path: Path, timeout_s: float = REPLY_TIMEOUT_S) -> None:
        self._sock = socket.socket(socket.AF_UNIX)
        self._sock.settimeout(timeout_s)
        self._sock.connect(str(path))
        self._replies = self._sock.makefile("rb")

    def send(self, event: str, **fields: Any) -> dict[str, Any]:
        self._sock.sendall(event_line(event, **fields))
        return json.loads(self._replies.readline())

    def drop(self) -> None:
        """The payment software dies: its connection goes without another word."""
        self._sock.shutdown(socket.SHUT_RDWR)
        self.close()

    def close(self) -> None:
        self._replies.close()
        self._sock.close()
