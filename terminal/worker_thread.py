"""One named thread for one component's blocking calls, instead of asyncio's shared
default executor.

The default executor starts a new worker whenever a call finds none idle, up to
min(32, cores + 4): the player's thread count then steps up whenever an NTP query
happens to overlap a slot's file opening, and a soak cannot tell that from a leak
(issue #19 saw exactly one such step, 12 to 13 threads, 20 minutes in). With one
worker per component the set is fixed once each has run once: an operator reading
/proc/PID/task over months sees a flat line, and a component's slow call (a duration
probe of a new playlist's files, an NTP query waiting out its timeout) queues behind
its own work only, never behind another's.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class WorkerThread:
    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def __call__(self, function: Callable[..., T], *args: Any) -> T:
        """As asyncio.to_thread: the caller's context variables go along."""
        call = functools.partial(contextvars.copy_context().run, function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        """Lets the thread end once its current call returns; nothing waits for it."""
        self._executor.shutdown(wait=False, cancel_futures=True)
