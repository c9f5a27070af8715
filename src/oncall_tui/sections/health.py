"""Health: each component's availability query, scored with the latency and error
sections and the firing alerts (model/health.py explains the score)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from oncall_tui.model.health import component_health, compute_health
from oncall_tui.model.snapshot import Health, Section
from oncall_tui.sections.alerts import ALERTS
from oncall_tui.sections.errors import ERRORS
from oncall_tui.sections.latency import LATENCY
from oncall_tui.sections.slos import SLOS
from oncall_tui.sections.spec import (
    BuildContext,
    Instant,
    Query,
    QueryContext,
    Results,
    SectionSpec,
)


def _key(i: int) -> str:
    return f"component {i}"  # by position: two components may share a name


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    return {_key(i): Instant(c.query) for i, c in enumerate(ctx.config.health.components)}


def build(ctx: BuildContext, r: Results) -> Health:
    components = []
    for i, c in enumerate(ctx.config.health.components):
        o = r.outcome(_key(i))
        error = str(o.error) if o.error else None
        components.append(component_health(c.name, c.query, o.value, c.reduce, error))
    latency, errors, alerts = ctx.part(LATENCY), ctx.part(ERRORS), ctx.part(ALERTS)
    health = compute_health(
        tuple(components),
        latency,
        errors,
        alerts.items,
        ctx.config.health,
        alerts_known=alerts.section.ok,
        # Only the configured SLOs: discovered ones must not move a score nobody set up.
        slos=[s for s in ctx.part(SLOS).items if s.source == "config"],
    )
    # The score stands on the components, latency and errors: the first of their errors.
    err = r.error() or latency.section.error or errors.section.error
    section = Section("prometheus", ok=err is None, error=err, fetched_at=ctx.now)
    return replace(health, section=section)


HEALTH = SectionSpec("health", "prometheus", queries, build, needs=(LATENCY, ERRORS, ALERTS, SLOS))
