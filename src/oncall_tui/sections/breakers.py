"""Circuit breakers: state history over the window, failures and failure rate now."""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.model.breakers import breakers_from
from oncall_tui.model.snapshot import CircuitBreakers
from oncall_tui.queries import breaker_queries
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
    q = breaker_queries(ctx.config, ctx.window_s)
    return {
        "states": Range(q.states),
        "failures": Instant(q.failures),
        "failure_rate": Instant(q.failure_rate),
    }


def build(ctx: BuildContext, r: Results) -> CircuitBreakers:
    section = r.section("prometheus", ctx.now)
    if not section.ok:
        return CircuitBreakers(section=section)
    cb = ctx.config.circuit_breakers
    breakers = breakers_from(
        r.series("states"),
        r.samples("failures"),
        r.samples("failure_rate"),
        cb.name_label,
        cb.state_label,
    )
    return CircuitBreakers(breakers=breakers, section=section)


CIRCUIT_BREAKERS = SectionSpec("circuit_breakers", "prometheus", queries, build)
