"""Whole counts and breaker "since" against the real Prometheus.

Counters and a breaker state gauge of our own are added to the shared exporter's
registry (names no other test reads), moved at known times, and the Poller must count
exactly what happened (a restart of the counter included) and date each breaker's
state from its samples, the same answer poll after poll.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import Counter, Gauge

from integration import Stack, async_wait_until, wait_until
from integration.exporter import BREAKER_STATES
from integration.test_snapshot_cli import write_config
from oncall_tui.config import load_config
from oncall_tui.config_types import BreakersConfig, Config, RunbookStatsConfig
from oncall_tui.model.snapshot import BreakerState, CircuitBreaker, Snapshot
from oncall_tui.poll import Poller

pytestmark = pytest.mark.servers

RUNS = "oncall_counts_runs_total"
ESCALATIONS = "oncall_counts_escalations_total"
STATE = "oncall_since_state"
RATE = "oncall_since_failure_rate"


def value(stack: Stack, promql: str) -> float | None:
    rows = stack.query(promql)
    return float(rows[0]["value"][1]) if rows else None  # type: ignore[index]


def seen(stack: Stack, promql: str, expected: float) -> None:
    wait_until(lambda: value(stack, promql) == expected or None, 15, f"{promql} == {expected}")


@pytest.fixture
def config(stack: Stack, tmp_path: Path) -> Config:
    base = load_config(str(write_config(tmp_path, stack.prom_url, stack.am_urls)), {}, {})
    return dataclasses.replace(
        base,
        runbook_stats=RunbookStatsConfig(
            executions=RUNS, duration="oncall_counts_absent_seconds", escalations=ESCALATIONS
        ),
        circuit_breakers=BreakersConfig(
            preset="generic", state_query=STATE, failure_rate_query=RATE
        ),
    )


@pytest.fixture
def counters(stack: Stack) -> Iterator[dict[str, Counter]]:
    registry = stack.exporter.registry
    made = {
        "runs": Counter(RUNS, "Runs.", ["runbook", "status"], registry=registry),
        "escalations": Counter(ESCALATIONS, "Escalations.", ["runbook"], registry=registry),
    }
    yield made
    for c in made.values():
        registry.unregister(c)


async def test_counts_are_the_whole_growth_across_a_counter_restart(
    stack: Stack, config: Config, counters: dict[str, Counter]
) -> None:
    runs, esc = counters["runs"], counters["escalations"]
    ok, failed = runs.labels("restart", "success"), runs.labels("restart", "failure")
    esc.labels("restart")
    seen(stack, f'{RUNS}{{status="success"}}', 0.0)
    ok.inc(5)
    failed.inc(3)
    esc.labels("restart").inc(2)
    seen(stack, f'{RUNS}{{status="success"}}', 5.0)
    seen(stack, ESCALATIONS, 2.0)
    # The exporting process restarts: its counters begin again at 0.
    registry = stack.exporter.registry
    registry.unregister(runs)
    registry.unregister(esc)
    counters["runs"] = runs = Counter(RUNS, "Runs.", ["runbook", "status"], registry=registry)
    counters["escalations"] = esc = Counter(ESCALATIONS, "Esc.", ["runbook"], registry=registry)
    runs.labels("restart", "success").inc(3)
    runs.labels("restart", "failure").inc(1)
    esc.labels("restart").inc(1)
    seen(stack, f'{RUNS}{{status="success"}}', 3.0)
    seen(stack, ESCALATIONS, 1.0)
    seen(stack, f'{RUNS}{{status="failure"}}', 1.0)
    # Prometheus itself saw both restarts.
    assert value(stack, f"sum(resets({RUNS}[2m]))") == 2.0

    async with Poller(config) as poller:
        snap = await poller.poll(120.0)
    rb = snap.runbooks
    assert rb.section.ok, rb.section.error
    (restart,) = rb.top
    assert (restart.name, restart.runs, rb.total) == ("restart", 12.0, 12.0)  # 5+3 ok, 3+1 failed
    assert rb.success_rate == 8 / 12 and restart.success_rate == 8 / 12
    assert rb.escalations == 3.0 and restart.escalations == 3.0


@pytest.fixture
def breaker_gauges(stack: Stack) -> Iterator[tuple[Gauge, Gauge]]:
    registry = stack.exporter.registry
    state = Gauge(STATE, "Breaker state.", ["name", "state"], registry=registry)
    rate = Gauge(RATE, "Failure rate.", ["name"], registry=registry)
    yield state, rate
    registry.unregister(state)
    registry.unregister(rate)


def set_state(gauge: Gauge, name: str, current: str) -> None:
    for s in BREAKER_STATES:
        gauge.labels(name, s).set(1.0 if s == current else 0.0)


async def test_since_dates_the_state_from_its_samples_and_holds_still(
    stack: Stack, config: Config, breaker_gauges: tuple[Gauge, Gauge]
) -> None:
    state, rate = breaker_gauges
    set_state(state, "cart", "closed")
    rate.labels("cart").set(10.0)
    seen(stack, f'{STATE}{{name="cart",state="closed"}}', 1.0)
    set_state(state, "cart", "open")
    rate.labels("cart").set(80.0)
    opened = time.time()
    seen(stack, f'{STATE}{{name="cart",state="open"}}', 1.0)
    rate.labels("cart").set(-1.0)  # resilience4j: fewer calls than its minimum
    seen(stack, f'{RATE}{{name="cart"}}', -1.0)

    def cart(snap: Snapshot) -> CircuitBreaker:
        return next(b for b in snap.circuit_breakers.breakers if b.name == "cart")

    async with Poller(config) as poller:

        async def polled() -> Snapshot:
            return await poller.poll(900.0)

        first = cart(await polled())
        assert first.state is BreakerState.OPEN
        assert first.since is not None
        # The last CLOSED sample: at most one scrape (1 s) and one subquery step before.
        assert opened - 3.0 <= first.since <= opened
        assert (first.failure_rate, first.rate_below_min_calls) == (80.0, True)

        # A retry through HALF_OPEN is the same outage: "since" does not move.
        set_state(state, "cart", "half_open")
        seen(stack, f'{STATE}{{name="cart",state="half_open"}}', 1.0)
        again = cart(await polled())
        assert again.state is BreakerState.HALF_OPEN and again.since == first.since
        for _ in range(3):
            assert cart(await polled()).since == first.since

        set_state(state, "cart", "closed")
        closed = time.time()
        seen(stack, f'{STATE}{{name="cart",state="closed"}}', 1.0)
        healed = await async_wait_until(
            lambda: _closed(poller), 10, "the poller to see the breaker closed"
        )
        assert healed.since is not None and closed - 3.0 <= healed.since <= closed


async def _closed(poller: Poller) -> CircuitBreaker | None:
    snap = await poller.poll(900.0)
    b = next(b for b in snap.circuit_breakers.breakers if b.name == "cart")
    return b if b.state is BreakerState.CLOSED else None
