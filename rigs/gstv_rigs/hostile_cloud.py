"""A cloud that answers badly on purpose, over real HTTP: a small asyncio server on
loopback for the tests (tests/sync_agent/test_hostile_cloud.py) and the reliability
bench (bench/_scenarios_cloud.py). What each answer does is a coroutine given the
connection's writer once the request has been read.

Update feed: `trickle` (slow-loris), `endless` (a body without end), `redirect` (to
another host), `html` (an error page). Media: `media_trickle`, `media_without_size`,
`media_too_big`, `media_longer_than_said`, `portal_page` (a captive portal), and
`redirect`.
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


def _head(content_type: bytes, *, length: int | None = None) -> bytes:
    """A 200's status line and headers; without `length` the body ends with the
    connection (the server may send it for ever)."""
    size = b"Connection: close" if length is None else b"Content-Length: %d" % length
    return b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n" + size + b"\r\n\r\n"


async def _trickle(writer, content_type: bytes, every_s: float) -> None:
    writer.write(_head(content_type, length=1_000_000))
    while True:
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(every_s)


async def _endless(writer, content_type: bytes) -> None:
    writer.write(_head(content_type))
    while True:
        writer.write(b"x" * 65536)
        await writer.drain()


async def _page(writer, content_type: bytes, body: bytes) -> None:
    writer.write(_head(content_type, length=len(body)) + body)
    await writer.drain()


async def trickle(writer) -> None:  # slow-loris: a byte now and then, never the end
    await _trickle(writer, b"application/json", 0.1)


async def endless(writer) -> None:  # a body that never stops coming
    await _endless(writer, b"application/json")


async def redirect(writer) -> None:
    writer.write(b"HTTP/1.1 302 Found\r\nLocation: http://203.0.113.9/steal\r\n"
                 b"Content-Length: 0\r\n\r\n")
    await writer.drain()


async def html(writer) -> None:
    await _page(writer, b"text/html", b"<html><body>Service Unavailable</body></html>")


# -- media downloads --------------------------------------------------------------
async def media_trickle(writer) -> None:  # honest headers, then a byte every 50 ms
    await _trickle(writer, b"video/mp4", 0.05)


async def media_without_size(writer) -> None:  # no length: the body would never end
    await _endless(writer, b"video/mp4")


async def media_too_big(writer) -> None:  # says 1 PiB, sends nothing
    writer.write(_head(b"video/mp4", length=1 << 50))
    await writer.drain()
    await asyncio.sleep(30)


async def media_longer_than_said(writer) -> None:  # a range of 100 bytes, then 200
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\n"
                 b"Content-Range: bytes 0-99/100\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + b"c8\r\n" + b"x" * 200 + b"\r\n0\r\n\r\n")
    await writer.drain()


async def portal_page(writer) -> None:  # a captive portal's login page, 200
    await _page(writer, b"text/html; charset=utf-8",
                b"<html><body>Welcome to Forecourt WiFi. Please log in.</body></html>")
