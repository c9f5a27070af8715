"""Error rate: the configured ratio query, now and over the window."""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.model.snapshot import ErrorRate
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
    return {"now": Instant(q), "history": Range(q)}


def build(ctx: BuildContext, r: Results) -> ErrorRate:
    section = r.section("prometheus", ctx.now)
    slo = ctx.config.errors.slo
    if not section.ok:
        return ErrorRate(slo=slo, section=section)
    history: tuple[tuple[float, float], ...] = ()
    if series := r.series("history"):
        history = tuple(p for p in series[0].points if p[1] == p[1])  # drop NaN
    return ErrorRate(
        value=single_ratio(r.samples("now")), slo=slo, history=history, section=section
    )


ERRORS = SectionSpec("errors", "prometheus", queries, build)
