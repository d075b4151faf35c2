"""A cloud that answers badly on purpose, over real HTTP: a small asyncio server on
loopback for the tests (tests/sync_agent/test_hostile_cloud.py) and the reliability
bench (bench/_scenarios_cloud.py). What each answer does is a coroutine given the
connection's writer once the request has been read.

Update feed: `trickle` (slow-loris), `endless` (a body without end), `redirect` (to
another host), `html` (an error page). Media: `media_trickle`, `media_without_size`,
`media_too_big`, `portal_page` (a captive portal), and `redirect`.
"""

from __future__ import annotations

import asyncio


class Hostile:
    """Answers every request the way `behave` says."""

    def __init__(self, behave) -> None:
        self.behave = behave
        self.requests = 0
        self.head = b""

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._answer, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc) -> None:
        self.server.close()

    async def _answer(self, reader, writer) -> None:
        self.requests += 1
        self.head = await reader.readuntil(b"\r\n\r\n")  # the last request's line and headers
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


# -- media downloads --------------------------------------------------------------
async def media_trickle(writer) -> None:  # honest headers, then a byte every 50 ms
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\n"
                 b"Content-Length: 1000000\r\n\r\n")
    while True:
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(0.05)


async def media_without_size(writer) -> None:  # no length: the body would never end
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nConnection: close\r\n\r\n")
    while True:
        writer.write(b"x" * 65536)
        await writer.drain()


async def media_too_big(writer) -> None:  # says 1 PiB, sends nothing
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\n"
                 b"Content-Length: 1125899906842624\r\n\r\n")
    await writer.drain()
    await asyncio.sleep(30)


async def portal_page(writer) -> None:  # a captive portal's login page, 200
    body = b"<html><body>Welcome to Forecourt WiFi. Please log in.</body></html>"
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    await writer.drain()
