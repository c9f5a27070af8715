"""Latency: quantiles per service from one histogram's bucket rates (now and over the
window), and the request rate."""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.model.quantiles import latency_from_buckets
from oncall_tui.model.snapshot import Latency
from oncall_tui.queries import latency_queries
from oncall_tui.sections.spec import (
    BuildContext,
    Instant,
    Query,
    QueryContext,
    Range,
    Results,
    SectionSpec,
)


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    q = latency_queries(ctx.config)
    return {"buckets": Instant(q.buckets), "history": Range(q.buckets), "rps": Instant(q.rps)}


def build(ctx: BuildContext, r: Results) -> Latency:
    cfg = ctx.config.latency
    section = r.section("prometheus", ctx.now)
    if not section.ok:
        return Latency(slo_p95=cfg.slo_p95_s, section=section)
    services = latency_from_buckets(
        r.samples("buckets"), r.series("history"), cfg.group_by, r.outcome("rps").value
    )
    return Latency(services=services, slo_p95=cfg.slo_p95_s, section=section)


LATENCY = SectionSpec("latency", "prometheus", queries, build)
