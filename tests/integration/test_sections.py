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
from oncall_tui.model.snapshot import Section
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
