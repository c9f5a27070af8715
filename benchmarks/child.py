"""A benchmarked process on a pty (bench_process.Terminal, screen_term.Screen): is it
still running, ask it to quit with a key, kill it."""

from __future__ import annotations

import contextlib
import os
import signal
import time


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
