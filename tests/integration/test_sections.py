"""A section added as data: one spec and a build step, run by the real Poller against
the real stack, with no change to poll.py."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from integration import Stack, wait_until
from integration.exporter import UP
from integration.test_snapshot_cli import write_config
from oncall_tui.config import load_config
from oncall_tui.model.series import Series
from oncall_tui.model.snapshot import Section, ServiceLatency
from oncall_tui.poll import Poller
from oncall_tui.sections import ALERTS
from oncall_tui.sections.spec import (
    BuildContext,
    Instant,
    Query,
    QueryContext,
    Range,
    Results,
    SectionSpec,
)
from oncall_tui.sources.range_cache import SETTLE_S, settled_bounds

pytestmark = pytest.mark.servers


@dataclass(frozen=True)
class UpCount:
    """How many components answer `up`, now and over the window; and how many alerts."""

    now: int | None = None
    last_point_at: float | None = None
    alerts: int = 0
    section: Section = field(default_factory=lambda: Section("prometheus"))


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    return {"now": Instant(f"count({UP})"), "over": Range(f"count({UP})", back_s=60, step_s=2)}


def build(ctx: BuildContext, r: Results) -> UpCount:
    section = r.section("prometheus", ctx.now)
    if not section.ok:
        return UpCount(section=section)
    (now,) = r.samples("now")
    (over,) = r.series("over")
    last = over.points[-1][0]
    return UpCount(int(now.value), last, len(ctx.part(ALERTS).items), section)


UP_COUNT = SectionSpec("up_count", "prometheus", queries, build, needs=(ALERTS,))


async def test_a_new_section_is_one_spec_polled_with_what_it_needs(
    stack: Stack, tmp_path: Path
) -> None:
    config = load_config(str(write_config(tmp_path, stack.prom_url, stack.am_urls)), {}, {})

    def count_at(t: float) -> int | None:
        params = {"query": f"count({UP})", "time": str(t)}
        rows = stack.http.get(stack.prom_url + "/api/v1/query", params=params).json()
        return int(rows["data"]["result"][0]["value"][1]) if rows["data"]["result"] else None

    wait_until(lambda: count_at(time.time() - 3), 30, "up series 3 s old")
    at = float(int(time.time()) - 1)
    expected = count_at(at)
    async with Poller(config, clock=lambda: at) as poller:
        part = await poller.poll_section(UP_COUNT)
    assert part.section.ok and part.section.fetched_at == at
    assert part.now == expected
    assert part.last_point_at == at  # the range ends at the poll's instant
    assert part.alerts >= 1  # its need (the alerts) was polled and built first


async def test_a_new_sections_refused_query_is_its_own_error(stack: Stack, tmp_path: Path) -> None:
    config = load_config(str(write_config(tmp_path, stack.prom_url, stack.am_urls)), {}, {})

    def broken(ctx: QueryContext) -> Mapping[str, Query]:
        return {"now": Instant("count(("), "over": Range(f"count({UP})")}

    spec = SectionSpec("up_count", "prometheus", broken, build)
    async with Poller(config) as poller:
        part = await poller.poll_section(spec)
    assert not part.section.ok and part.section.fetched_at is None
    assert part.section.error is not None and "parse error" in part.section.error


@dataclass(frozen=True)
class UpHistory:
    series: tuple[Series, ...] = ()
    section: Section = field(default_factory=lambda: Section("prometheus"))


SETTLED_SPAN, SETTLED_STEP = 120.0, 15.0


def settled_queries(ctx: QueryContext) -> Mapping[str, Query]:
    return {"over": Range(f"count({UP})", SETTLED_SPAN, SETTLED_STEP, settled=True)}


UP_HISTORY = SectionSpec(
    "up_history",
    "prometheus",
    settled_queries,
    lambda ctx, r: UpHistory(tuple(r.series("over")), r.section("prometheus", ctx.now)),
)


async def test_a_settled_range_is_prometheus_own_answer_kept_for_a_step(
    stack: Stack, tmp_path: Path
) -> None:
    config = load_config(str(write_config(tmp_path, stack.prom_url, stack.am_urls)), {}, {})
    assert config.refresh_s < SETTLED_STEP

    def up_at(t: float) -> object:
        rows = stack.http.get(
            stack.prom_url + "/api/v1/query", params={"query": f"count({UP})", "time": str(t)}
        ).json()
        return rows["data"]["result"]

    wait_until(lambda: up_at(time.time() - 4 * SETTLED_STEP), 120, "up series a minute old")
    # A fake clock whose settled ends (this step's and the next) are past and in
    # Prometheus: it stays within one grid step, then crosses into the next.
    grid = ((time.time() - SETTLED_STEP - 1.0) // SETTLED_STEP - 1) * SETTLED_STEP
    at = grid + SETTLE_S
    start, end = settled_bounds(at, SETTLED_SPAN, SETTLED_STEP)
    clock = [at]
    async with Poller(config, clock=lambda: clock[0]) as poller:
        first = await poller.poll_section(UP_HISTORY)
        params = {"query": f"count({UP})", "start": start, "end": end, "step": SETTLED_STEP}
        theirs = stack.http.get(stack.prom_url + "/api/v1/query_range", params=params).json()
        ((_, values),) = [(r["metric"], r["values"]) for r in theirs["data"]["result"]]
        (ours,) = first.series
        assert ours.points == tuple((float(t), float(v)) for t, v in values)
        assert ours.points[-1][0] == end <= at - SETTLE_S
        clock[0] = at + SETTLED_STEP - 1.0  # the same step: the kept answer, not asked again
        again = await poller.poll_section(UP_HISTORY)
        assert again.series[0] is ours and again.section.ok
        clock[0] = at + SETTLED_STEP  # the grid moved on: asked for the next step
        (moved,) = (await poller.poll_section(UP_HISTORY)).series
        assert moved is not ours and moved.points[-1][0] == end + SETTLED_STEP


async def test_the_first_polls_early_sections_are_numbers_without_trends(
    stack: Stack, tmp_path: Path
) -> None:
    config = load_config(str(write_config(tmp_path, stack.prom_url, stack.am_urls)), {}, {})
    rates = f"sum(rate({config.latency.histogram}_count[1m]))"

    def settled_rates() -> object:
        # The trends end a step and SETTLE_S behind now: rates that old are in them.
        at = time.time() - SETTLE_S - 2 * 15.0
        params = {"query": rates, "time": str(at)}
        return stack.http.get(stack.prom_url + "/api/v1/query", params=params).json()["data"][
            "result"
        ]

    wait_until(settled_rates, 90, "latency rates 40 s old")
    async with Poller(config) as poller:
        early = await poller.poll_early()
        full = await poller.poll()
    assert set(early) == {"latency", "errors"}  # only they: no alerts, history, health
    latency, errors = early["latency"], early["errors"]
    assert latency.section.ok and errors.section.ok
    assert {s.service for s in latency.services} == {s.service for s in full.latency.services}
    assert all(s.quantiles["p95"] is not None for s in latency.services)
    assert errors.value is not None

    # The trends are the full poll's.
    def points(services: tuple[ServiceLatency, ...]) -> int:
        return sum(len(p) for s in services for p in s.history.values())

    assert points(latency.services) == 0 and not errors.history
    assert points(full.latency.services) > 0 and full.errors.history
