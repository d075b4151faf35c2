"""A userspace TCP relay that delays what it forwards, to test site sync on a network
worse than loopback where netem is not available (the `gstv sim --jitter-ms` rigs).

Each chunk read from one side is written to the other `delay_ms` plus a uniform random
`jitter_ms` later, never before the chunk ahead of it (TCP keeps order, so jitter on a
stream shows as bunching, as it does on a real congested link). Both directions are
delayed independently, which also makes the path asymmetric from one exchange to the
next: the case the minimum-delay filter exists for.

`cut()` makes the path a broken link until `mend()`: connections through it are
dropped and new ones are closed as soon as they come (`gstv sim --split`: two groups
of a site that cannot see each other).
"""

from __future__ import annotations

import asyncio
import random


class DelayRelay:
    def __init__(self, target: tuple[str, int], *, delay_ms: float = 0.0,
                 jitter_ms: float = 0.0, rng: random.Random | None = None) -> None:
        self._target = target
        self._delay = delay_ms / 1000
        self._jitter = jitter_ms / 1000
        self._rng = rng or random.Random()
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.broken = False

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._connect, host, port)
        return self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def cut(self) -> None:
        self.broken = True
        for writer in list(self._writers):
            writer.transport.abort()
            writer.close()

    def mend(self) -> None:
        self.broken = False

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.broken:
            writer.transport.abort()
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        for pair in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pump(*pair))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, chunk = await queue.get()
                if not chunk:
                    break
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        last_due = 0.0
        try:
            while chunk := await reader.read(65536):
                due = max(last_due, loop.time() + self._delay + self._rng.uniform(0, self._jitter))
                last_due = due
                queue.put_nowait((due, chunk))
            queue.put_nowait((0.0, b""))
            await sender
        except ConnectionError:
            pass
        finally:
            sender.cancel()
            writer.close()
            self._writers.discard(writer)
