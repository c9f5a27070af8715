"""`snapshot --format text` for SLOs, custom panels and runbook coverage.

Same rules as `text_out`: outside text through `text.clean` into `Text`, plain Rich
colour names, numbers through `units.format_value` (the TUI uses it too).
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import BURN_WINDOWS, PanelData, Slo, Snapshot
from oncall_tui.render.text_out import BAD, DIM, NA, OK, WARN, Lines, Words, _heading, grid, t
from oncall_tui.units import format_value, percent

ALERT_STYLE = {"page": "bold red", "ticket": WARN, "none": OK}
LEVEL_STYLE = {"ok": OK, "warn": WARN, "crit": BAD}


def burn_text(burn: float | None) -> str:
    return NA if burn is None else f"{burn:.2f}" if burn < 100 else f"{burn:.0f}"


def actual(slo: Slo) -> str:
    """The good ratio reached over the period ("98.00%"), the SLO's "actual"."""
    return NA if slo.error_ratio is None else percent(1.0 - slo.error_ratio)


def _summary_row(s: Slo) -> list[Text]:
    budget = s.budget_remaining
    budget_style = DIM if budget is None else OK if budget > 0.25 else WARN if budget > 0 else BAD
    met = {True: ("met", OK), False: ("missed", BAD), None: (NA, DIM)}[s.met]
    alert = s.alert or "unknown"
    return [
        t(s.name),
        Text(percent(s.objective)),
        Text(format_duration(s.period_s)),
        Text(actual(s)),
        Text(NA if budget is None else percent(budget), budget_style),
        Text(alert, ALERT_STYLE.get(alert, DIM)),
        Text(met[0], met[1]),
    ]


def slos_text(snap: Snapshot) -> list[RenderableType]:
    """Two tables: the summary per SLO, then its burn rates over the seven windows."""
    slos = snap.slos
    met, known = slos.met_count
    detail = f"{met} of {known} met" if known else "none measurable"
    if len(slos.items) > known:
        detail += f" ({len(slos.items) - known} unknown)"
    out: list[RenderableType] = [_heading("SLOs", detail, slos.section, snap.taken_at)]
    if not slos.items:
        return [*out, Text("  no SLOs configured or discovered", DIM)]
    windows = [k for k, _ in BURN_WINDOWS]
    summary = [_summary_row(s) for s in slos.items]
    burns = [
        [t(s.name), *(Text(burn_text(s.burn_rates.get(k))) for k in windows)] for s in slos.items
    ]
    header = ("SLO", "Target", "Period", "Actual", "Budget left", "Alert", "Met")
    out.append(Lines(grid(header, summary, right=(1, 2, 3, 4))))
    out.append(Lines(grid(("Burn rate", *windows), burns, right=tuple(range(1, 8)))))
    for s in slos.items:
        if s.error:
            out.append(Words(Text.assemble(t(s.name, "bold"), ": ", t(s.error, WARN))))
    return out


def _level_style(value: float | None, level: str | None) -> str:
    return DIM if value is None else LEVEL_STYLE.get(level or "", "")


def _panel(p: PanelData) -> list[RenderableType]:
    head = Text.assemble((p.title, "bold"), "  ", (p.kind, DIM))
    if not p.ok:
        return [head, Words(t(f"query failed: {p.error}", BAD))]
    if not p.values:
        return [head, Text("  no series", DIM)]
    if p.kind == "table":
        rows = []
        for v in p.values:
            cells = [t(v.labels.get(name, "")) for name in p.label_columns]
            for name, unit in zip(p.columns, p.column_units, strict=True):
                value = v.cells.get(name)
                style = _level_style(value, v.levels.get(name))
                cells.append(Text(format_value(value, unit), style))
            rows.append(cells)
        n = len(p.label_columns)
        right = tuple(range(n, n + len(p.columns)))
        return [head, Lines(grid((*p.label_columns, *p.columns), rows, right=right))]
    header: tuple[str, ...] = ("Series", "Value")
    if p.kind in ("sparkline", "chart"):
        header += ("Range",)
    rows = []
    for v in p.values:
        style = _level_style(v.value, v.level)
        cells = [t(v.name), Text(format_value(v.value, p.unit), style)]
        if p.kind in ("sparkline", "chart"):
            ys = [y for _, y in v.points]
            cells.append(
                Text(
                    f"min {format_value(min(ys), p.unit)}  max {format_value(max(ys), p.unit)}"
                    if ys
                    else NA,
                    DIM,
                )
            )
        rows.append(cells)
    return [head, Lines(grid(header, rows, right=(1,)))]


def panels_text(snap: Snapshot) -> list[RenderableType]:
    """Each panel as a heading and a small table, values coloured by their level."""
    panels = snap.panels
    failed = sum(1 for p in panels.items if not p.ok)
    detail = f"{len(panels.items)}" + (f", {failed} failed" if failed else "")
    out: list[RenderableType] = [_heading("Panels", detail, panels.section, snap.taken_at)]
    for p in panels.items:
        out.extend(_panel(p))
    return out


def coverage_text(snap: Snapshot) -> list[RenderableType]:
    cov = snap.coverage
    window = format_duration(snap.window_s)
    if cov.ratio is None:
        return [Text.assemble(("Runbook coverage", "bold"), f"  no alerts in the last {window}")]
    line = Text.assemble(
        ("Runbook coverage", "bold"),
        f"  {percent(cov.ratio)} = {len(cov.covered)} of {len(cov.seen)} alert names "
        f"in the last {window} have a runbook",
    )
    out: list[RenderableType] = [Words(line, indent=0)]
    if cov.uncovered:
        out.append(Words(Text.assemble("without: ", t(", ".join(cov.uncovered), WARN))))
    return out
