"""A benchmarked process on a pty (bench_process.Terminal, screen_term.Screen): read what
it writes, is it still running, ask it to quit with a key, kill it."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator


def chunks(fd: int) -> Iterator[tuple[float, bytes]]:
    """(arrival perf_counter, bytes) of each read of the pty, until the child closes it."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return  # EIO: the child closed the terminal
        if not chunk:
            return
        yield time.perf_counter(), chunk


def alive(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == 0


def quit(pid: int, fd: int, key: bytes = b"q", timeout: float = 10.0) -> str:
    """Press `key`; wait for the exit (kill on timeout). Says how it ended."""
    start = time.monotonic()
    with contextlib.suppress(OSError):
        os.write(fd, key)
    while time.monotonic() - start < timeout:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return "already gone"
        if done:
            code = os.waitstatus_to_exitcode(status)
            return f"quit in {time.monotonic() - start:.2f} s, exit code {code}"
        time.sleep(0.02)  # polling a child's exit, not synchronising a test
    kill(pid)
    return f"did NOT quit within {timeout:g} s: killed"


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
