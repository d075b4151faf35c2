"""The userspace delay relay over real TCP on loopback."""

from __future__ import annotations

import asyncio
import random
import time

from gstv_rigs.relay import DelayRelay


async def echo(reader, writer):
    while data := await reader.read(100):
        writer.write(data)
        await writer.drain()
    writer.close()


async def test_the_relay_delays_each_way_and_keeps_order():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    relay = DelayRelay(("127.0.0.1", port), delay_ms=20, jitter_ms=10, rng=random.Random(3))
    relay_port = await relay.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", relay_port)
    try:
        trips = []
        received = b""
        for i in range(10):
            started = time.monotonic()
            writer.write(b"%d;" % i)
            await writer.drain()
            received += await reader.read(100)
            trips.append(time.monotonic() - started)
        assert received == b"".join(b"%d;" % i for i in range(10))
        assert min(trips) >= 0.040  # 20 ms each way at least
        assert max(trips) < 0.5
        assert max(trips) - min(trips) > 0.002  # jittered
    finally:
        writer.close()
        await relay.stop()
        server.close()
        await server.wait_closed()


async def dropped(reader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(100), 2) == b""
    except ConnectionResetError:
        return True


async def test_a_cut_relay_drops_its_connections_and_refuses_new_ones_until_mended():
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    relay = DelayRelay(("127.0.0.1", server.sockets[0].getsockname()[1]))
    port = await relay.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"before")
        assert await reader.read(100) == b"before"
        relay.cut()
        assert await dropped(reader)
        writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"during")
        assert await dropped(reader)  # at once
        writer.close()
        relay.mend()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"after")
        assert await asyncio.wait_for(reader.read(100), 2) == b"after"
        writer.close()
    finally:
        await relay.stop()
        server.close()
