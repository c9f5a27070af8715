"""Waiting in tests: on a condition, with a deadline that fails loudly and names what
was awaited. Never a bare sleep to let something happen.

    wait_until(probe, timeout, what)         sync: servers, processes, files
    await async_wait_until(probe, timeout, what)   an async probe (a client call)
    await until(cond, pilot, timeout, what)  a Pilot test: the app runs between checks

For a Pilot test, prefer the event itself when there is one: `await pilot.pause()` (the
app has handled what is queued), `await app.workers.wait_for_complete()` (its workers
finished), or messages recorded with `run_test(message_hook=...)`.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Deadline:
    def __init__(self, timeout: float, what: str) -> None:
        self.timeout = timeout
        self.what = what
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def check(self, last: str = "") -> None:
        """AssertionError naming what was awaited (and the last error) once passed."""
        if self.elapsed > self.timeout:
            raise AssertionError(f"timed out after {self.timeout:g}s waiting for {self.what}{last}")


def wait_until(
    probe: Callable[[], T | None], timeout: float, what: str, interval: float = 0.1
) -> T:
    """Call `probe` until it returns something truthy (returned) or `timeout` passes
    (AssertionError naming `what` and the last exception, if any)."""
    deadline = Deadline(timeout, what)
    last = ""
    while True:
        try:
            result = probe()
            if result:
                return result
        except Exception as e:  # the condition may fail while servers start
            last = f" (last error: {type(e).__name__}: {e})"
        deadline.check(last)
        time.sleep(interval)


async def async_wait_until(
    probe: Callable[[], Awaitable[T | None] | T | None],
    timeout: float,
    what: str,
    interval: float = 0.1,
) -> T:
    """`wait_until` on an event loop: the loop runs between checks; `probe` may be
    async (e.g. a client call) or plain."""
    deadline = Deadline(timeout, what)
    last = ""
    while True:
        try:
            answer = probe()
            result = await answer if inspect.isawaitable(answer) else answer
            if result:
                return result
        except Exception as e:
            last = f" (last error: {type(e).__name__}: {e})"
        deadline.check(last)
        await asyncio.sleep(interval)


async def until(
    cond: Callable[[], object],
    pilot: Any,
    timeout: float = 5.0,
    what: str = "the condition",
    interval: float = 0.02,
) -> float:
    """Let the app under `pilot` run until `cond()` is true; the seconds it took.
    AssertionError naming `what` after `timeout`."""
    deadline = Deadline(timeout, what)
    while not cond():
        deadline.check()
        await pilot.pause(interval)
    return deadline.elapsed
