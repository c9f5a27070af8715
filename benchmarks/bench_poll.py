"""Benchmark 2: one poll cycle (`Poller.poll`) against real Prometheus + Alertmanager.

Besides wall time, it measures how long the event loop could not run anything else
during a poll (the poll runs as an async worker on the UI's loop, so a long stall is
a key press that waits): a ticker task sleeps 1 ms at a time and records its worst
lateness.
"""

from __future__ import annotations

import asyncio
import cProfile
import time

from benchmarks.stats import Budget, Result, Section, format_profile
from benchmarks.world import World
from oncall_tui.poll import Poller
from oncall_tui.queries import ALERTS_FIRING, incidents_step

POLL_BUDGET = Budget(
    500.0,
    "p95",
    "at a 2 s refresh a poll that takes more than a quarter of the interval makes the "
    "numbers visibly late and the machine busy; 500 ms also leaves the 2 s first-frame "
    "promise room for start-up",
)
STALL_BUDGET = Budget(
    50.0,
    "p95",
    "the poll shares the UI's event loop: a key pressed during a poll must still "
    "answer well under the ~100 ms that feels instant (the peer blocks ~27 ms)",
)


class LoopLag:
    """Worst lateness of a 1 ms sleep while running: how long the loop was blocked."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            self.worst = max(self.worst, time.perf_counter() - start - 0.001)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def _measure(w: World, repeat: int, history: bool) -> tuple[list[float], ...]:
    """(wall ms, prometheus ms, alertmanager ms, loop stall ms) per poll."""
    wall: list[float] = []
    prom: list[float] = []
    am: list[float] = []
    stall: list[float] = []
    async with Poller(w.config) as poller:
        await poller.poll()  # warm-up: connections, first-call caches
        for _ in range(repeat):
            if history:
                poller.invalidate_history()
            with LoopLag() as lag:
                await asyncio.sleep(0.002)  # the ticker is running before the poll
                start = time.perf_counter()
                snap = await poller.poll()
                wall.append((time.perf_counter() - start) * 1000.0)
            stall.append(lag.worst * 1000.0)
            for name, out in (("prometheus", prom), ("alertmanager", am)):
                status = snap.sources[name]
                if not status.ok:
                    raise RuntimeError(f"{name} did not answer: {status.error}")
                out.append((status.latency_s or 0.0) * 1000.0)
            await asyncio.sleep(0.05)  # let the servers breathe, as a refresh would
    return wall, prom, am, stall


async def _history_query(w: World, repeat: int) -> list[float]:
    """The incident-history range query alone (ALERTS over the 7 d lookback)."""
    out = []
    lookback = w.config.incidents.lookback_s
    step = incidents_step(lookback)
    async with Poller(w.config) as poller:
        for _ in range(repeat + 1):
            now = time.time()
            start = time.perf_counter()
            await poller.prometheus.range(ALERTS_FIRING, now - lookback, now, step)
            out.append((time.perf_counter() - start) * 1000.0)
    return out[1:]


async def _profile_poll(w: World, history: bool) -> str:
    async with Poller(w.config) as poller:
        await poller.poll()
        if history:
            poller.invalidate_history()
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            await poller.poll()
        finally:
            profiler.disable()
    return format_profile(profiler, 20)


def run(worlds: list[World], quick: bool) -> Section:
    repeat = 10 if quick else 40
    section = Section(
        "One poll cycle against real servers",
        "`Poller.poll()` against a real Prometheus and Alertmanager (started by "
        "`oncall_tui.demo.servers` on loopback), after one warm-up poll, 50 ms apart. "
        '"steady" polls reuse the cached 7 d incident history (re-read every 60 s); '
        '"with history" polls re-read it first (`invalidate_history()`), as the first '
        "poll and one poll a minute do. Per-source latency is the Snapshot's "
        "`SourceStatus.latency_s` (slowest request of that source). Loop stall: worst "
        "lateness of a 1 ms ticker on the same event loop during the poll.",
    )
    for w in worlds:
        section.notes.append(f"World **{w.name}**: {w.description}.")
        for history in (False, True):
            kind = "with history" if history else "steady"
            wall, prom, am, stall = asyncio.run(_measure(w, repeat, history))
            poll = Result(f"[{w.name}] poll, {kind}", wall, "ms", POLL_BUDGET)
            lag = Result(f"[{w.name}] event-loop stall, {kind}", stall, "ms", STALL_BUDGET)
            if poll.over or lag.over:
                # One profile of a poll explains both: where its time and its CPU go.
                (poll if poll.over else lag).profile = asyncio.run(_profile_poll(w, history))
            section.results += [
                poll,
                Result(f"[{w.name}] Prometheus latency_s, {kind}", prom, "ms"),
                Result(f"[{w.name}] Alertmanager latency_s, {kind}", am, "ms"),
                lag,
            ]
        section.results.append(
            Result(
                f"[{w.name}] incident history query (7 d)",
                asyncio.run(_history_query(w, repeat)),
                "ms",
                detail='`PrometheusClient.range(ALERTS{alertstate="firing"}, 7 d, 151 s step)`',
            )
        )
    return section
