"""Why the TUI shortens the interpreter's switch interval (ui/app.py GIL_SWITCH_S).

    python -m benchmarks.gil_switch

A "key" here is 50 turns of an asyncio loop, each giving up the interpreter lock for
0.1 ms (as the TUI's loop does at a select() that waits, or a write to the terminal)
and doing a little work. Measured alone, then while one thread computes (as a poll's
build or a storm's row build does in the CPU lane), at the default 5 ms interval and
at the TUI's. Each time the loop gives up the lock, the computing thread takes it and
the loop waits a whole interval to get it back.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time

from oncall_tui.ui.app import GIL_SWITCH_S

TURNS = 50


def _compute(stop: threading.Event) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


async def _key() -> float:
    started = time.perf_counter()
    for _ in range(TURNS):
        await asyncio.sleep(0)
        time.sleep(0.0001)  # the lock is given up, as at a select() that waits
        sum(range(2_000))
    return time.perf_counter() - started


async def _measure() -> tuple[float, float]:
    alone = [await _key() for _ in range(5)]
    stop = threading.Event()
    worker = threading.Thread(target=_compute, args=(stop,))
    worker.start()
    try:
        busy = [await _key() for _ in range(11)]
    finally:
        stop.set()
        worker.join()
    return statistics.median(alone), statistics.median(busy)


def main() -> int:
    default = sys.getswitchinterval()
    for interval in (default, GIL_SWITCH_S):
        sys.setswitchinterval(interval)
        alone, busy = asyncio.run(_measure())
        print(
            f"switch interval {interval * 1000:.1f} ms: a key alone {alone * 1000:.1f} ms, "
            f"beside a computing thread {busy * 1000:.1f} ms (median)"
        )
    sys.setswitchinterval(default)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
