"""Benchmark 3: the TUI in-process (Textual's headless driver) against real servers:
time to the first Snapshot on screen, and the cost of showing a new Snapshot."""

from __future__ import annotations

import asyncio
import cProfile
import dataclasses
import time

from benchmarks import synthetic
from benchmarks.bench_poll import STALL_BUDGET, LoopLag
from benchmarks.stats import Budget, Result, Section, format_profile
from benchmarks.world import World
from oncall_tui.model.alerts import parse_alerts, parse_silences
from oncall_tui.model.snapshot import Snapshot
from oncall_tui.poll import Poller

SIZE = (160, 48)
SETTLE_S = 0.5
"""After an update, how long the loop is watched while Textual lays out and repaints."""
FIRST_FRAME_BUDGET = Budget(
    2000.0,
    "max",
    "the product promise: numbers on screen within 2 s of start, every start",
)
UPDATE_BUDGET = Budget(
    50.0,
    "p95",
    "showing a Snapshot runs on the UI's event loop: a key pressed meanwhile waits for "
    "it, and must still answer well under the ~100 ms that feels instant",
)


async def _first_frame(w: World) -> float:
    """ms from make_app() until the app holds its first Snapshot (`app.view`)."""
    from oncall_tui.ui.app import make_app

    start = time.perf_counter()
    app = make_app(w.config)
    async with app.run_test(size=SIZE) as pilot:
        while app.view is None:
            if time.perf_counter() - start > 30:
                raise RuntimeError("no Snapshot on screen after 30 s")
            await pilot.pause(0.005)
        took = (time.perf_counter() - start) * 1000.0
    return took


def _profile_first_frame(w: World) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        asyncio.run(_first_frame(w))
    finally:
        profiler.disable()
    return format_profile(profiler, 25)


async def _snapshots(w: World) -> list[Snapshot]:
    """Two real Snapshots a second apart, so that successive updates change things."""
    async with Poller(w.config) as poller:
        first = await poller.poll()
        await asyncio.sleep(1.0)
        return [first, await poller.poll()]


def _with_many_alerts(snap: Snapshot, count: int) -> Snapshot:
    raw, raw_silences = synthetic.alerts_input(count)
    silences = parse_silences(raw_silences)
    alerts = dataclasses.replace(snap.alerts, items=parse_alerts(raw, silences), silences=silences)
    return dataclasses.replace(snap, alerts=alerts)


async def _update_costs(
    w: World, snaps: list[Snapshot], repeat: int
) -> tuple[list[float], list[float], str]:
    """(update_snapshot ms, worst loop stall within SETTLE_S of it ms, profile of one
    update and what follows it)."""
    from oncall_tui.ui.app import make_app

    app = make_app(w.config, poll_on_start=False)
    calls: list[float] = []
    stalls: list[float] = []
    async with app.run_test(size=SIZE):
        for snap in snaps:  # warm-up: widgets created, styles computed
            app.overview.update_snapshot(snap)
            await asyncio.sleep(SETTLE_S)
        for i in range(repeat):
            snap = snaps[i % len(snaps)]
            with LoopLag() as lag:
                await asyncio.sleep(0.002)  # the ticker runs before the update
                start = time.perf_counter()
                app.overview.update_snapshot(snap)
                calls.append((time.perf_counter() - start) * 1000.0)
                await asyncio.sleep(SETTLE_S)  # layout and repaint happen meanwhile
            stalls.append(lag.worst * 1000.0)
        profiler = cProfile.Profile()
        profiler.enable()
        app.overview.update_snapshot(snaps[0])
        await asyncio.sleep(SETTLE_S)
        profiler.disable()
    await w_close(app)
    return calls, stalls, format_profile(profiler, 20)


async def w_close(app: object) -> None:
    """make_app(poll_on_start=False) still created a Poller: close its connections."""
    poller = getattr(app, "poller", None)
    aclose = getattr(poller, "aclose", None)
    if callable(aclose):
        await aclose()


def run(worlds: list[World], quick: bool) -> Section:
    starts = 3 if quick else 8
    repeat = 10 if quick else 30
    section = Section(
        f"TUI in-process: first frame and Snapshot updates ({SIZE[0]}x{SIZE[1]})",
        "First frame: wall time from `make_app(config)` + `app.run_test(size=(160, 48))` "
        "until `app.view is not None` (the first Snapshot is on screen), a new app each "
        "time, in one process (imports are warm: the cold start is in the process "
        "benchmark below). Update: `app.overview.update_snapshot(snapshot)` alternating "
        "two real Snapshots of the world (polling off); loop stall: the worst lateness of a "
        "1 ms ticker on the app's loop from the update until 0.5 s after it, i.e. the "
        "longest time a key press would wait while Textual shows the new Snapshot "
        "(update, layout, repaint).",
    )
    for w in worlds:
        frames = [asyncio.run(_first_frame(w)) for _ in range(starts)]
        first = Result(f"[{w.name}] first frame (warm imports)", frames, "ms", FIRST_FRAME_BUDGET)
        if first.over:
            first.profile = _profile_first_frame(w)
        section.results.append(first)
        snaps = asyncio.run(_snapshots(w))
        variants = [("real snapshot", snaps)]
        if w.name == "large":
            variants.append(("2,000 alerts", [_with_many_alerts(s, 2000) for s in snaps]))
        for label, variant in variants:
            s = variant[0]
            detail = (
                f"{len(s.latency.services)} services, {len(s.circuit_breakers.breakers)} "
                f"breakers, {len(s.alerts.items)} alerts, {len(s.incidents.items)} incidents"
            )
            calls, stalls, profile = asyncio.run(_update_costs(w, variant, repeat))
            update = Result(
                f"[{w.name}] update_snapshot, {label}", calls, "ms", UPDATE_BUDGET, detail
            )
            stall = Result(
                f"[{w.name}] loop stall after update, {label}",
                stalls,
                "ms",
                STALL_BUDGET,
                detail,
            )
            if update.over or stall.over:
                update.profile = profile
            section.results += [update, stall]
    return section
