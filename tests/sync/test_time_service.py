"""Time exchanges over real ZeroMQ sockets on loopback."""

from __future__ import annotations

import asyncio
import json

import pytest
import zmq
import zmq.asyncio

from sync.clock import SiteClock
from sync.offset_filter import OffsetFilter
from sync.time_service import TimeClient, TimeServer


@pytest.fixture
def context():
    ctx = zmq.asyncio.Context()
    yield ctx
    ctx.term()


async def test_a_follower_measures_the_leaders_offset(context):
    leader = SiteClock(fault_offset_ms=1_500.0, fault_drift_ppm=150.0)
    follower = SiteClock(fault_offset_ms=-200.0)
    server = TimeServer(context, "tcp://127.0.0.1:*", leader)
    server.start()
    client = TimeClient(context, server.endpoint, follower)
    found = OffsetFilter(window=8)
    try:
        for _ in range(12):
            exchange = await client.exchange()
            assert exchange is not None
            found.add(exchange)
            await asyncio.sleep(0.02)
        truth = leader.now_exact_ms() - follower.now_exact_ms()
    finally:
        client.close()
        await server.close()
    assert found.offset_ms == pytest.approx(truth, abs=1.0)
    assert 0 <= found.best().delay_ms < 5


async def test_a_silent_leader_times_out_and_a_late_reply_is_not_taken(context):
    silent = context.socket(zmq.ROUTER)
    silent.bind("tcp://127.0.0.1:*")
    endpoint = silent.getsockopt_string(zmq.LAST_ENDPOINT)
    client = TimeClient(context, endpoint, SiteClock())
    try:
        assert await client.exchange(timeout_s=0.2) is None
        # The leader answers that first request late, then the next one properly.
        identity, _, payload = await silent.recv_multipart()
        await silent.send_multipart([identity, b"", b'{"t1": 1.0, "t2": 5.0, "t3": 6.0}'])
        pending = asyncio.create_task(client.exchange(timeout_s=2))
        identity, _, payload = await silent.recv_multipart()
        t1 = json.loads(payload)["t1"]
        await silent.send_multipart([identity, b"", json.dumps(
            {"t1": t1, "t2": t1 + 10.0, "t3": t1 + 10.5}).encode()])
        exchange = await pending
    finally:
        client.close()
        silent.close()
    assert exchange is not None and exchange.t1 == t1 and exchange.t2 == t1 + 10.0


async def test_a_malformed_reply_is_dropped(context):
    rogue = context.socket(zmq.ROUTER)
    rogue.bind("tcp://127.0.0.1:*")
    client = TimeClient(context, rogue.getsockopt_string(zmq.LAST_ENDPOINT), SiteClock())
    try:
        pending = asyncio.create_task(client.exchange(timeout_s=0.5))
        identity, _, _ = await rogue.recv_multipart()
        await rogue.send_multipart([identity, b"", b"not json"])
        await rogue.send_multipart([identity, b"", b'{"t2": 1}'])
        assert await pending is None
    finally:
        client.close()
        rogue.close()
