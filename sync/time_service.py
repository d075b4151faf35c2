"""Four-timestamp time exchanges over ZeroMQ between the terminals of a site.

Every terminal binds a ROUTER socket and answers every request at once with its
receive and send times (t2, t3) on its own SiteClock, plus its sync state (role,
leader, whether it is in step, trust, the content it announces): one message both
measures time and tells the peers who is alive and who leads. A peer's DEALER sends
t1 and stamps t4 on arrival. DEALER rather than REQ: a lost reply must never wedge
the asker, and a late reply to an earlier request is recognised by its echoed t1 and
dropped.

A request may ask for the answerer's media inventory (`"inventory": true`); it is
large next to the rest, so it travels only when its digest changed.

With the site's keys (sync.site_keys) both ends speak CURVE: the server with the
site's key pair, each client with the same pair and the site's public key as the
server key it expects. Who may ask is the business of the ZAP handler (sync.site_sync).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import zmq
import zmq.asyncio

from sync.clock import SiteClock
from sync.offset_filter import Exchange
from sync.site_keys import SiteKeys

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1 << 20  # an inventory of thousands of files fits; more is hostile


class TimeServer:
    def __init__(self, context: zmq.asyncio.Context, endpoint: str, clock: SiteClock,
                 state: Callable[[bool], dict[str, Any]] = lambda inventory: {}, *,
                 keys: SiteKeys | None = None) -> None:
        self._socket = context.socket(zmq.ROUTER)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if keys is not None:
            self._socket.curve_secretkey = keys.secret
            self._socket.curve_publickey = keys.public
            self._socket.curve_server = True
        self._socket.bind(endpoint)
        self._clock = clock
        self._state = state
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
                request = json.loads(payload)
                t1 = float(request["t1"])
                state = self._state(request.get("inventory") is True)
            except (ValueError, KeyError, TypeError, AttributeError):
                log.warning("time_request_malformed frames=%d", len(frames))
                continue
            reply = {"t1": t1, "t2": t2, "state": state, "t3": self._clock.now_exact_ms()}
            await self._socket.send_multipart([identity, b"", json.dumps(reply).encode()])

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._socket.close()


class TimeClient:
    """Asks one peer. `stamp` gives t1 and t4: the follower's site time by default,
    or its raw oscillator time for the discipline (see sync.discipline)."""

    def __init__(self, context: zmq.asyncio.Context, endpoint: str, clock: SiteClock,
                 stamp: Callable[[], float] | None = None, *,
                 keys: SiteKeys | None = None) -> None:
        self._context = context
        self._endpoint = endpoint
        self._keys = keys
        self._socket = self._connect()
        self._stamp = stamp or clock.now_exact_ms
        self.state: dict[str, Any] = {}  # the peer's state from its latest reply

    def _connect(self) -> zmq.asyncio.Socket:
        sock = self._context.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if self._keys is not None:
            sock.curve_secretkey = self._keys.secret
            sock.curve_publickey = self._keys.public
            sock.curve_serverkey = self._keys.public
        sock.connect(self._endpoint)
        return sock

    async def exchange(self, timeout_s: float = 0.5, *,
                       inventory: bool = False) -> Exchange | None:
        """One exchange, or None when the peer did not answer in time."""
        t1 = self._stamp()
        request = {"t1": t1, "inventory": True} if inventory else {"t1": t1}
        await self._socket.send_multipart([b"", json.dumps(request).encode()])
        deadline = asyncio.get_running_loop().time() + timeout_s
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            if not await self._socket.poll(left * 1000):
                break
            frames = await self._socket.recv_multipart()
            t4 = self._stamp()
            try:
                _, payload = frames
                reply = json.loads(payload)
                if reply["t1"] == t1:
                    exchange = Exchange(t1, float(reply["t2"]), float(reply["t3"]), t4)
                    state = reply.get("state", {})
                    self.state = state if isinstance(state, dict) else {}
                    return exchange
            except (ValueError, KeyError, TypeError, AttributeError):
                log.warning("time_reply_malformed frames=%d", len(frames))
        # No answer: start afresh, so requests to a peer that is down do not pile up
        # in the socket's queue (and burst at it when it is back).
        self._socket.close()
        self._socket = self._connect()
        return None

    def close(self) -> None:
        self._socket.close()
