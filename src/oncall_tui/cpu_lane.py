"""One lane for the CPU-heavy work done off the event loop (a poll's build, a large
body's decoding, thousands of table rows).

Threads share one interpreter lock with the event loop: each runnable thread takes
its turn, so with three heavy jobs at once the loop (every key pressed) gets a quarter
of the time, and with one it gets half. Heavy jobs therefore run one at a time; none
of them waits on the loop while in the lane, so the loop is never blocked by it.
After a job, out of the lane, the memory it freed may go back to the OS (heap.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from oncall_tui.heap import TRIMMER

P = ParamSpec("P")
T = TypeVar("T")

_LANE = threading.Lock()


def in_lane(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`call(*args, **kwargs)` once no other heavy job is running (call it in a thread)."""
    try:
        with _LANE:
            return call(*args, **kwargs)
    finally:
        TRIMMER.after_heavy_work()


def in_lane_unless(
    superseded: Callable[[], bool], call: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T | None:
    """`in_lane(call, ...)`, or None without calling it when `superseded()` holds once
    the lane is free: a build asked for again while it waited (a filter typed a letter
    at a time, a storm's polls) need not run."""
    try:
        with _LANE:
            if superseded():
                return None
            return call(*args, **kwargs)
    finally:
        TRIMMER.after_heavy_work()
