"""Circuit breakers: state history over the window, when each entered its current
state (a fine search of the last hour, a coarser one of the window), failures over the
window (the counter's whole growth) and failure rate now (or its last real value)."""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.model.breakers import breakers_from
from oncall_tui.model.counters import growth_by
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
    # The state is the range's newest point, and must be now's: `fresh_end`.
    q = breaker_queries(ctx.config, ctx.window_s)
    out: dict[str, Query] = {
        "states": Range(q.states, settled=True, fresh_end=True),
        "failures": Instant(q.failures),
        "failure_rate": Instant(q.failure_rate),
        "seen_recent": Instant(q.seen_recent),
        "seen_window": Instant(q.seen_window),
        "last_rate": Instant(q.last_rate),
    }
    if q.failed_calls:
        out["failed_calls"] = Range(q.failed_calls, settled=True, fresh_end=True)
    return out


def build(ctx: BuildContext, r: Results) -> CircuitBreakers:
    section = r.section("prometheus", ctx.now)
    if not section.ok:
        return CircuitBreakers(section=section)
    cb = ctx.config.circuit_breakers
    failures = r.samples("failures")
    if "failed_calls" in r:
        failures = growth_by(r.series("failed_calls"), (cb.name_label,), ctx.now)
    # The window's coarse search first: the recent, finer one overrides what it saw.
    seen = [*r.samples("seen_window"), *r.samples("seen_recent")]
    breakers = breakers_from(
        r.series("states"),
        failures,
        r.samples("failure_rate"),
        cb.name_label,
        cb.state_label,
        last_seen=seen,
        seen_span_s=ctx.window_s,
        last_rates=r.samples("last_rate"),
        span_start=ctx.now - ctx.window_s,
    )
    return CircuitBreakers(breakers=breakers, section=section)


CIRCUIT_BREAKERS = SectionSpec("circuit_breakers", "prometheus", queries, build)
