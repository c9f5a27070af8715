"""Custom panels: each `[[panels]]` entry's queries (a table: one per column; a
sparkline: now and over the window; a chart: over the window).

A panel whose query fails shows Prometheus' own error in that panel only; the section
is stale only when Prometheus itself did not answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.dash_queries import panel_queries, panel_range_query
from oncall_tui.model.panels import failed, instant_panel, series_panel, table_panel
from oncall_tui.model.snapshot import PanelData, Panels, Section
from oncall_tui.sections.slos import transport_error
from oncall_tui.sections.spec import (
    BuildContext,
    Instant,
    Query,
    QueryContext,
    Range,
    Results,
    SectionSpec,
)


def _now(i: int, j: int) -> str:
    return f"panel {i} query {j}"


def _range(i: int) -> str:
    return f"panel {i} range"


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    out: dict[str, Query] = {}
    for i, panel in enumerate(ctx.config.panels):
        for j, q in enumerate(panel_queries(panel, ctx.window_s)):
            out[_now(i, j)] = Instant(q)
        rq = panel_range_query(panel, ctx.window_s)
        if rq is not None:
            out[_range(i)] = Range(rq, settled=True)
    return out


def _names(ctx: BuildContext, r: Results) -> list[list[str]]:
    """Per panel, the names of its queries asked this poll."""
    out = []
    for i, panel in enumerate(ctx.config.panels):
        names = [_now(i, j) for j in range(len(panel_queries(panel, ctx.window_s)))]
        out.append(names + ([_range(i)] if _range(i) in r else []))
    return out


def build(ctx: BuildContext, r: Results) -> Panels:
    per_panel = _names(ctx, r)
    down = transport_error(r, [n for names in per_panel for n in names])
    if down is not None:
        return Panels(section=Section("prometheus", ok=False, error=down))
    items: list[PanelData] = []
    for i, (panel, names) in enumerate(zip(ctx.config.panels, per_panel, strict=True)):
        error = next((r.outcome(k).error for k in names if r.outcome(k).error), None)
        if error is not None:
            items.append(failed(panel, str(error)))
        elif panel.kind == "table":
            items.append(table_panel(panel, [r.samples(k) for k in names]))
        elif panel.kind == "chart":
            items.append(series_panel(panel, r.series(_range(i))))
        elif panel.kind == "sparkline":
            items.append(series_panel(panel, r.series(_range(i)), r.samples(_now(i, 0))))
        else:
            items.append(instant_panel(panel, r.samples(_now(i, 0))))
    return Panels(items=tuple(items), section=Section("prometheus", ok=True, fetched_at=ctx.now))


PANELS = SectionSpec("panels", "prometheus", queries, build)
