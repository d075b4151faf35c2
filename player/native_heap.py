"""The player's C heap kept flat over months: glibc's malloc tuned before libVLC starts
its threads, and the heap's free pages handed back to the kernel once a minute.

Why tuning (measured by bench/footprint.py): glibc gives each allocating thread its
own arena, and libVLC runs a dozen threads (decoders, outputs, timers) that each keep
freed memory for themselves: one arena serves this process as well. Picture buffers
(~230 KB at 320x180, megabytes in HD) are mapped and unmapped on their own instead of
being kept in the heap, by fixing the mmap threshold that glibc otherwise raises.

Why trimming (measured by bench/soak.py, issue #19): with that one arena, libVLC's
decoders (thousands of allocations a second) and the interpreter's larger objects
share one heap, and each content reload's short-lived objects (a day's slot table)
leave holes between longer-lived ones. Nothing leaks: heaptrack over 20 minutes of a
player taking an update every 20 s counted 129 kB not freed out of 6.3 million
allocations. But the heap grows by its free space: 2.7 -> 4.1 MB free in six
minutes, in use flat, and the player's RSS with it (5-10 MB/h with an update every
20 s). glibc gives back only the top of the heap on its own; `malloc_trim(0)` also
releases every whole free page inside it (MADV_DONTNEED), and with it once a minute
the heap's resident size stayed at 10.4-10.5 MB where without it grew from 11.1 to
12.2 MB. A trim takes the arena's lock (longest measured: 2.6 ms over an hour's 71
trims, 4.5 ms with an update every 20 s; ~9 ms when tens of MB come back at once),
which decoders and the display callbacks wait on, so the daemon trims away from slot
boundaries (player.daemon) and reports the longest.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time

_M_ARENA_MAX = -8
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024


class NativeHeap:
    """glibc's malloc, or nothing to do where there is none (musl, tests' doubles)."""

    def __init__(self) -> None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c"))
            self._mallopt = libc.mallopt
            self._trim = libc.malloc_trim
        except (OSError, AttributeError, TypeError):
            self._mallopt = self._trim = None
        self.trims = 0
        self.longest_trim_ms = 0.0

    @property
    def available(self) -> bool:
        return self._trim is not None

    def tune(self) -> None:
        """One arena and a fixed mmap threshold. Must run before libVLC starts its
        threads: a thread keeps the arena it first allocated from."""
        if self._mallopt is not None:
            self._mallopt(_M_ARENA_MAX, 1)
            self._mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)

    def trim(self) -> float | None:
        """Give the heap's free pages back; how long it held the heap, in ms."""
        if self._trim is None:
            return None
        started = time.perf_counter()
        self._trim(0)
        took_ms = (time.perf_counter() - started) * 1000
        self.trims += 1
        self.longest_trim_ms = max(self.longest_trim_ms, took_ms)
        return took_ms
