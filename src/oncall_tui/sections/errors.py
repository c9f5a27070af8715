"""Error rate: the configured ratio query, now and over the window."""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.model.snapshot import ErrorRate, Section
from oncall_tui.sections.spec import (
    BuildContext,
    Instant,
    Query,
    QueryContext,
    Range,
    Results,
    SectionSpec,
)
from oncall_tui.sections.values import single_ratio


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    q = ctx.config.errors.query
    return {"now": Instant(q), "history": Range(q, settled=True)}


def build(ctx: BuildContext, r: Results) -> ErrorRate:
    section = r.section("prometheus", ctx.now)
    slo = ctx.config.errors.slo
    if not section.ok:
        return ErrorRate(slo=slo, section=section)
    now = r.samples("now")
    if not now:
        no_series = Section(
            "prometheus", ok=False, error=f"no series for {ctx.config.errors.query}"
        )
        return ErrorRate(slo=slo, section=no_series)
    history: tuple[tuple[float, float], ...] = ()
    if series := r.series("history"):
        history = tuple(p for p in series[0].points if p[1] == p[1])  # drop NaN
    return ErrorRate(value=single_ratio(now), slo=slo, history=history, section=section)


ERRORS = SectionSpec("errors", "prometheus", queries, build)
