"""Runbook stats: runs, outcomes, durations and escalations over the window, with the
runs this tool triggered (journal)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from oncall_tui.model.runbook_stats import runbook_stats
from oncall_tui.model.snapshot import RunbookStats
from oncall_tui.queries import runbook_queries
from oncall_tui.sections.spec import (
    BuildContext,
    Instant,
    Query,
    QueryContext,
    Results,
    SectionSpec,
)


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    q = runbook_queries(ctx.config, ctx.window_s)
    return {
        "executions": Instant(q.executions),
        "duration_sum": Instant(q.duration_sum),
        "duration_count": Instant(q.duration_count),
        "escalations": Instant(q.escalations),
    }


def build(ctx: BuildContext, r: Results) -> RunbookStats:
    section = r.section("prometheus", ctx.now)
    if not section.ok:
        return RunbookStats(section=section)
    local = ctx.journal.local_run_counts(ctx.now - ctx.window_s) if ctx.journal else {}
    stats = runbook_stats(
        r.samples("executions"),
        r.samples("duration_sum"),
        r.samples("duration_count"),
        r.samples("escalations"),
        ctx.config.runbook_stats,
        local,
    )
    return replace(stats, section=section)


RUNBOOKS = SectionSpec("runbooks", "prometheus", queries, build)
