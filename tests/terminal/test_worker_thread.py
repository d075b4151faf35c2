import asyncio
import contextvars
import threading
import time

import pytest

from terminal.worker_thread import WorkerThread

request = contextvars.ContextVar("request", default="none")


async def test_every_call_runs_on_the_same_one_thread_even_when_they_overlap():
    worker = WorkerThread("probe")
    seen: list[str] = []

    def slow(i: int) -> int:
        seen.append(threading.current_thread().name)
        time.sleep(0.05)
        return i * 2

    try:
        results = await asyncio.gather(*(worker(slow, i) for i in range(4)))
    finally:
        worker.close()
    assert results == [0, 2, 4, 6]
    assert len(set(seen)) == 1 and seen[0].startswith("probe")


async def test_the_callers_context_goes_along_and_errors_come_back():
    worker = WorkerThread("probe")
    request.set("slot-7")

    def fails() -> None:
        raise ValueError(request.get())

    try:
        assert await worker(request.get) == "slot-7"
        with pytest.raises(ValueError, match="^slot-7$"):
            await worker(fails)
    finally:
        worker.close()


async def test_the_thread_count_stays_flat_when_calls_overlap():
    """Where the default executor would start a second worker, one component's calls
    queue on its own thread: the process's thread count does not step up."""
    worker = WorkerThread("probe")
    try:
        await worker(time.sleep, 0)
        before = threading.active_count()
        await asyncio.gather(*(worker(time.sleep, 0.02) for _ in range(5)))
        assert threading.active_count() == before
    finally:
        worker.close()
