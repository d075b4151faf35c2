"""Four-timestamp time exchanges over ZeroMQ between a follower and the site leader.

The leader binds a ROUTER socket and answers every request at once with its receive
and send times (t2, t3) on its own SiteClock; a follower's DEALER sends t1 and stamps
t4 on arrival. DEALER rather than REQ: a lost reply must never wedge the follower, and
a late reply to an earlier request is recognised by its echoed t1 and dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging

import zmq
import zmq.asyncio

from sync.clock import SiteClock
from sync.offset_filter import Exchange

log = logging.getLogger(__name__)


class TimeServer:
    def __init__(self, context: zmq.asyncio.Context, endpoint: str, clock: SiteClock) -> None:
        self._socket = context.socket(zmq.ROUTER)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.bind(endpoint)
        self._clock = clock
        self._task: asyncio.Task | None = None

    @property
    def endpoint(self) -> str:
        return self._socket.getsockopt_string(zmq.LAST_ENDPOINT)

    def start(self) -> None:
        self._task = asyncio.create_task(self._serve(), name="time-server")

    async def _serve(self) -> None:
        while True:
            frames = await self._socket.recv_multipart()
            t2 = self._clock.now_exact_ms()
            try:
                identity, _, payload = frames
                t1 = float(json.loads(payload)["t1"])
            except (ValueError, KeyError, TypeError):
                log.warning("time_request_malformed frames=%d", len(frames))
                continue
            reply = {"t1": t1, "t2": t2, "t3": self._clock.now_exact_ms()}
            await self._socket.send_multipart([identity, b"", json.dumps(reply).encode()])

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._socket.close()


class TimeClient:
    def __init__(self, context: zmq.asyncio.Context, endpoint: str, clock: SiteClock) -> None:
        self._socket = context.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.connect(endpoint)
        self._clock = clock

    async def exchange(self, timeout_s: float = 0.5) -> Exchange | None:
        """One exchange, or None when the leader did not answer in time."""
        t1 = self._clock.now_exact_ms()
        await self._socket.send_multipart([b"", json.dumps({"t1": t1}).encode()])
        deadline = asyncio.get_running_loop().time() + timeout_s
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            if not await self._socket.poll(left * 1000):
                break
            frames = await self._socket.recv_multipart()
            t4 = self._clock.now_exact_ms()
            try:
                _, payload = frames
                reply = json.loads(payload)
                if reply["t1"] == t1:
                    return Exchange(t1, float(reply["t2"]), float(reply["t3"]), t4)
            except (ValueError, KeyError, TypeError):
                log.warning("time_reply_malformed frames=%d", len(frames))
        return None

    def close(self) -> None:
        self._socket.close()
