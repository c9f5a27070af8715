"""Runbook coverage: built from the incident history and the alerts (no queries)."""

from __future__ import annotations

from oncall_tui.model.coverage import runbook_coverage
from oncall_tui.model.snapshot import RunbookCoverage
from oncall_tui.sections.alerts import ALERTS
from oncall_tui.sections.incidents import INCIDENTS
from oncall_tui.sections.spec import BuildContext, Results, SectionSpec, no_queries


def build(ctx: BuildContext, r: Results) -> RunbookCoverage:
    incidents, alerts = ctx.part(INCIDENTS), ctx.part(ALERTS)
    return runbook_coverage(
        ctx.now,
        ctx.window_s,
        incidents.items,
        alerts.items if alerts.section.ok else (),
        ctx.config.runbooks,
        # The names seen come from the incident history: as fresh as it is.
        section=incidents.section,
    )


COVERAGE = SectionSpec("coverage", "prometheus", no_queries, build, needs=(INCIDENTS, ALERTS))
