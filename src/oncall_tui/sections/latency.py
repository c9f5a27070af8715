"""Latency: quantiles per service from one histogram's bucket rates (now and over the
window), and the request rate."""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.model.quantiles import (
    latency_from_buckets,
    latency_from_quantiles,
    quantile_history,
)
from oncall_tui.model.snapshot import Latency, Section
from oncall_tui.queries import QUANTILE_LABEL, latency_queries
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
    return {
        "buckets": Instant(q.buckets),
        "history": Range(q.buckets, settled=True),
        "rps": Instant(q.rps),
    }


def build(ctx: BuildContext, r: Results) -> Latency:
    cfg = ctx.config.latency
    section = r.section("prometheus", ctx.now)
    if not section.ok:
        return Latency(slo_p95=cfg.slo_p95_s, section=section)
    now, history = r.samples("buckets"), r.series("history")
    rps = r.outcome("rps").value
    if any("le" in s.labels for s in now):
        memory = ctx.memory
        past = memory.latency_history.of(
            history, lambda: quantile_history(history, cfg.group_by, memory.latency_quantiles)
        )
        services = latency_from_buckets(now, history, cfg.group_by, rps, past)
    elif now:
        services = latency_from_quantiles(now, history, cfg.group_by, QUANTILE_LABEL, rps)
    else:
        # A typo, or the wrong histogram type: an error in words, never "all fine".
        looked_for = latency_queries(ctx.config).looked_for
        no_series = Section("prometheus", ok=False, error=f"no series for {looked_for}")
        return Latency(slo_p95=cfg.slo_p95_s, section=no_series)
    return Latency(services=services, slo_p95=cfg.slo_p95_s, section=section)


LATENCY = SectionSpec("latency", "prometheus", queries, build)
