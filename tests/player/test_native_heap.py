"""The C heap's free pages handed back (player.native_heap), on this machine's glibc."""

from __future__ import annotations

import random

from player.native_heap import NativeHeap


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_a_trim_gives_back_the_free_pages_inside_a_fragmented_heap():
    heap = NativeHeap()
    assert heap.available
    heap.trim()
    # 80 MB of heap blocks (above Python's small-object allocator, under the mmap
    # threshold), one in seven kept: the free space lies between live blocks, where
    # glibc does not give it back on its own.
    rng = random.Random(1)
    blocks = [bytearray(rng.randint(4_000, 60_000)) for _ in range(2_500)]
    kept = blocks[::7]
    del blocks
    before = rss_kb()
    took_ms = heap.trim()
    after = rss_kb()
    assert before - after > 30_000, (before, after)
    assert took_ms is not None and took_ms > 0
    assert heap.trims == 2 and heap.longest_trim_ms >= took_ms
    assert sum(len(b) for b in kept) > 0  # the live blocks stayed


def test_without_glibc_there_is_nothing_to_trim(monkeypatch):
    monkeypatch.setattr("ctypes.util.find_library", lambda name: "libnot-there.so.0")
    heap = NativeHeap()
    heap.tune()
    assert not heap.available and heap.trim() is None and heap.trims == 0
