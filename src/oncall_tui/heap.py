"""Freed memory handed back to the OS after the CPU lane's heavy jobs (glibc only).

CPython takes every object above 512 bytes (each alert's JSON text, a body, the
journal's label texts) from the C library's malloc. glibc keeps what is freed for
later rather than return it, and with thousands of small survivors scattered over
the heap almost nothing is given back by itself: at 20,000 alerts, after the polls
and the incidents page's rows, `malloc_trim(0)` gave 40-67 MB back to the OS in one
call (measured in the TUI on a pty). It walks the heap (~20-40 ms at 300 MB, without
the interpreter lock: ctypes releases it), so it runs only when the RSS grew by
`GROWTH_MB` since the last trim: a steady process (the demo) never pays for it.
Elsewhere (musl, macOS) there is no malloc_trim and nothing is done.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

GROWTH_MB = 8.0
"""A trim once the RSS is this much above what the last trim left."""


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _glibc_trim() -> Callable[[], object] | None:
    import ctypes  # here, not at start-up: the first heavy job comes after the first frame
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


class Trimmer:
    """`after_heavy_work()` trims when the RSS grew by `growth_mb` since the last trim
    (or since the first call). Thread-safe: a trim under way makes others skip."""

    def __init__(
        self,
        rss_mb: Callable[[], float | None] = _rss_mb,
        load: Callable[[], Callable[[], object] | None] = _glibc_trim,
        growth_mb: float = GROWTH_MB,
    ) -> None:
        self._rss_mb, self._load, self.growth_mb = rss_mb, load, growth_mb
        self._trim: Callable[[], object] | None = None
        self._loaded = False
        self._floor: float | None = None
        self._busy = threading.Lock()
        self.trims = 0

    def after_heavy_work(self) -> None:
        if not self._busy.acquire(blocking=False):
            return
        try:
            if not self._loaded:
                self._trim, self._loaded = self._load(), True
            rss = self._rss_mb()
            if self._trim is None or rss is None:
                return
            if self._floor is not None and rss < self._floor + self.growth_mb:
                self._floor = min(self._floor, rss)
                return
            if self._floor is not None:
                self._trim()
                self.trims += 1
                rss = self._rss_mb() or rss
            self._floor = rss
        finally:
            self._busy.release()


TRIMMER = Trimmer()
