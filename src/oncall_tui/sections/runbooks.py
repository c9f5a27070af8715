"""Runbook stats: runs, outcomes, durations and escalations over the window, with the
runs this tool triggered (journal). Counts are the counters' whole growth between the
window's first and last points, resets handled (model/counters.py). The ranges are
`settled`: at a 1 h window the counts end up to ~25 s before now (the poll re-asks them
once a step, not every refresh); at a step no longer than the refresh they end now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from oncall_tui.model.counters import growth_by
from oncall_tui.model.runbook_stats import runbook_stats
from oncall_tui.model.snapshot import RunbookStats
from oncall_tui.queries import runbook_queries
from oncall_tui.sections.spec import (
    BuildContext,
    Query,
    QueryContext,
    Range,
    Results,
    SectionSpec,
)


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    q = runbook_queries(ctx.config, ctx.window_s)
    return {
        "executions": Range(q.executions, settled=True),
        "duration_sum": Range(q.duration_sum, settled=True),
        "duration_count": Range(q.duration_count, settled=True),
        "escalations": Range(q.escalations, settled=True),
    }


def build(ctx: BuildContext, r: Results) -> RunbookStats:
    section = r.section("prometheus", ctx.now)
    if not section.ok:
        return RunbookStats(section=section)
    local = ctx.journal.local_run_counts(ctx.now - ctx.window_s) if ctx.journal else {}
    cfg = ctx.config.runbook_stats
    by_runbook = (cfg.runbook_label,)
    ranges = tuple(r.series(k) for k in ("executions", "duration_sum", "duration_count"))
    ranges += (r.series("escalations"),)
    # Kept answers come back as the same objects: their growth is counted once.
    executions, duration_sum, duration_count, escalations = ctx.memory.runbook_growth.of(
        ranges,
        lambda: (
            growth_by(ranges[0], (cfg.runbook_label, cfg.status_label), ctx.now),
            growth_by(ranges[1], by_runbook, ctx.now),
            growth_by(ranges[2], by_runbook, ctx.now),
            growth_by(ranges[3], by_runbook, ctx.now),
        ),
    )
    stats = runbook_stats(executions, duration_sum, duration_count, escalations, cfg, local)
    return replace(stats, section=section)


RUNBOOKS = SectionSpec("runbooks", "prometheus", queries, build)
