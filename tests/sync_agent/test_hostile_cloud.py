"""A cloud that misbehaves, spoken to over real HTTP on loopback (a small asyncio
server that answers badly on purpose): the poll fails with a clear line, in bounded
time and memory, and moves nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from sync_agent import intake
from sync_agent.intake import CloudPoller
from sync_agent.update_queue import UpdateQueue


class Hostile:
    """Answers every request the way `behave` says."""

    def __init__(self, behave) -> None:
        self.behave = behave
        self.requests = 0

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc) -> None:
        self.server.close()

    async def _answer(self, reader, writer) -> None:
        self.requests += 1
        await reader.readuntil(b"\r\n\r\n")
        try:
            await self.behave(writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def trickle(writer) -> None:  # slow-loris: a byte now and then, never the end
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 1000000\r\n\r\n")
    while True:
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.1)


async def endless(writer) -> None:  # a body that never stops coming
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Connection: close\r\n\r\n")
    while True:
        writer.write(b" " * 65536)
        await writer.drain()


async def redirect(writer) -> None:
    writer.write(b"HTTP/1.1 302 Found\r\nLocation: http://203.0.113.9/steal\r\n"
                 b"Content-Length: 0\r\n\r\n")
    await writer.drain()


async def html(writer) -> None:
    body = b"<html><body>Service Unavailable</body></html>"
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\n\r\n" + body)
    await writer.drain()


@pytest.mark.parametrize(("behave", "said"), [
    (trickle, "poll_failed error=no_whole_answer deadline_s=2"),
    (endless, "poll_failed error=feed_too_large limit_bytes=1048576"),
    (redirect, "poll_failed status=302"),
    (html, "poll_failed error=JSONDecodeError"),
])
async def test_a_misbehaving_cloud_fails_the_poll_in_bounded_time(tmp_path, monkeypatch,
                                                                   caplog, behave, said):
    monkeypatch.setattr(intake, "POLL_DEADLINE_S", 2)
    monkeypatch.setattr(intake, "MAX_FEED_BYTES", 1 << 20)
    hostile = Hostile(behave)
    async with hostile as url, httpx.AsyncClient(base_url=url, timeout=30) as client:
        poller = CloudPoller(client, "SITE-0042", UpdateQueue(tmp_path / "queue"),
                             tmp_path / "cursor")
        started = asyncio.get_running_loop().time()
        assert await poller.poll_once() is None
        took = asyncio.get_running_loop().time() - started
    assert said in caplog.text
    assert took < 10 and poller.cursor == "0"
    assert hostile.requests == 1  # the redirect was not followed anywhere
