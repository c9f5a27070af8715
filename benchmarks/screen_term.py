"""A child process on a pty whose output feeds a terminal emulator (pyte), so a benchmark
knows what is *on screen*, not only which bytes went by.

The reader thread reads the pty as a terminal would (the app never blocks on a full
buffer) and stamps every chunk with its arrival time; the emulator thread feeds them to
the emulator and after each chunk checks the pending expectations: a predicate over the
screen's text, timed at the arrival of the chunk that first made it true. So a key's
latency is "key written -> the first frame that shows the expected change reached the
terminal"; a repaint that changes nothing else does not count.

Two threads, because pyte parses ~1 MB/s (a real terminal: hundreds): with one, a full
repaint's first chunks were still being parsed when its last arrived, which was then
read (and stamped) late; a full-screen answer (Escape out of a page) came out ~0.1-0.3 s
slower than it reached the terminal.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import queue
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyte

from benchmarks import child

Lines = list[str]
Predicate = Callable[["Screen"], bool]


@dataclass
class Expectation:
    predicate: Predicate
    done: threading.Event = field(default_factory=threading.Event)
    at: float = 0.0
    """perf_counter() of the chunk after which the predicate held."""
    since: float = 0.0
    """perf_counter() when it was registered: a chunk that arrived before (parsed
    after) counts as arriving then, never earlier."""


class Screen:
    """pty + emulator. `lines()` / `row_attrs()` read the emulated screen under the lock."""

    def __init__(self, pid: int, fd: int, started: float, rows: int, cols: int) -> None:
        self.pid, self.fd, self.started = pid, fd, started
        self.rows, self.cols = rows, cols
        self._screen = pyte.Screen(cols, rows)
        self._stream = pyte.ByteStream(self._screen)
        self.lock = threading.RLock()
        self.bytes_total = 0
        self.chunks: list[tuple[float, int]] = []
        """(arrival perf_counter, size) of every read."""
        self._pending: list[Expectation] = []
        self._arrived: queue.SimpleQueue[tuple[float, bytes] | None] = queue.SimpleQueue()
        # The reader must get the interpreter back at once when a chunk arrives while
        # the emulator parses (5 ms per turn by default).
        sys.setswitchinterval(0.0005)
        self._threads = [
            threading.Thread(target=self._read, name="pty-read", daemon=True),
            threading.Thread(target=self._emulate, name="pty-emulate", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    # --- the reader and the emulator threads ------------------------------------------
    def _read(self) -> None:
        try:
            for now, chunk in child.chunks(self.fd):
                with self.lock:
                    self.bytes_total += len(chunk)
                    self.chunks.append((now, len(chunk)))
                self._arrived.put((now, chunk))
        finally:
            self._arrived.put(None)

    def _emulate(self) -> None:
        while (arrived := self._arrived.get()) is not None:
            now, chunk = arrived
            with self.lock:
                self._stream.feed(chunk)
                for e in list(self._pending):
                    if e.predicate(self):
                        e.at = max(now, e.since)
                        e.done.set()
                        self._pending.remove(e)

    # --- reading the screen (callers hold no lock: these take it) ---------------------
    def lines(self) -> Lines:
        with self.lock:
            return list(self._screen.display)

    def text(self) -> str:
        return "\n".join(self.lines())

    def has(self, needle: str) -> bool:
        return any(needle in line for line in self.lines())

    def row_backgrounds_at(self, row: int, col: int) -> str:
        with self.lock:
            return str(self._screen.buffer[row][col].bg)

    def corner_colours(self, char: str) -> tuple[tuple[int, int, str], ...]:
        """(row, column, foreground) of every cell showing `char`."""
        with self.lock:
            buf = self._screen.buffer
            return tuple(
                (y, x, str(cell.fg))
                for y in range(self.rows)
                for x, cell in buf[y].items()
                if cell.data == char
            )

    # --- waiting and typing -----------------------------------------------------------
    def expect(self, predicate: Predicate) -> Expectation:
        """Register `predicate`; it is timed from the next chunk on (and now, if it
        already holds: then `at` is now)."""
        e = Expectation(predicate, since=time.perf_counter())
        with self.lock:
            if predicate(self):
                e.at = time.perf_counter()
                e.done.set()
            else:
                self._pending.append(e)
        return e

    def wait(self, e: Expectation, timeout: float) -> float | None:
        """Seconds-since-epoch-free: the perf_counter() when it held, or None."""
        if e.done.wait(timeout):
            return e.at
        with self.lock:
            if e in self._pending:
                self._pending.remove(e)
        return None

    def until(self, predicate: Predicate, timeout: float) -> float | None:
        return self.wait(self.expect(predicate), timeout)

    def press(self, key: bytes) -> float:
        """Write `key`; the perf_counter() just before the write."""
        t = time.perf_counter()
        os.write(self.fd, key)
        return t

    def bytes_between(self, t0: float, t1: float) -> int:
        with self.lock:
            return sum(n for t, n in self.chunks if t0 <= t < t1)

    # --- the process ------------------------------------------------------------------
    def alive(self) -> bool:
        return child.alive(self.pid)

    def quit(self, key: bytes = b"q", timeout: float = 10.0) -> str:
        return child.quit(self.pid, self.fd, key, timeout)

    def kill(self) -> None:
        child.kill(self.pid)

    def close(self) -> None:
        self.kill()
        with contextlib.suppress(OSError):
            os.close(self.fd)
        for thread in self._threads:
            thread.join(2)


def spawn(argv: list[str], env: dict[str, str], rows: int = 48, cols: int = 160) -> Screen:
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: size its terminal before the app asks, then become it
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    return Screen(pid, fd, started, rows, cols)
