"""The status socket: a read-only Unix socket that answers every connection with one
JSON line describing the player, then closes. Nothing a client sends is read, so it
cannot change anything. `query_status` is the client `gstv status` uses."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

StatusProvider = Callable[[], Awaitable[dict[str, Any]]]


class StatusServer:
    def __init__(self, path: Path, provider: StatusProvider) -> None:
        self._path = path
        self._provider = provider
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(self._serve, path=str(self._path))
        os.chmod(self._path, 0o666)  # read-only by protocol: anyone on the box may look

    async def stop(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        self._path.unlink(missing_ok=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status = await self._provider()
            writer.write(json.dumps(status).encode() + b"\n")
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


def query_status(path: Path, timeout_s: float = 5.0) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        sock.connect(str(path))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return json.loads(data)
