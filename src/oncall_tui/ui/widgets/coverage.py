"""Runbook coverage (the Phase-4 board's line): the share of alert names seen in the
window that have a runbook linked, as "85% ▓▓▓▓░ 17 of 20". Enter lists the others."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import RunbookCoverage, Snapshot
from oncall_tui.ui.widgets.format import Palette, bar, txt
from oncall_tui.ui.widgets.panel import Panel
from oncall_tui.units import percent


def coverage_level(ratio: float | None) -> str:
    if ratio is None:
        return "unknown"
    return "ok" if ratio >= 0.9 else "warn" if ratio >= 0.7 else "bad"


def coverage_text(cov: RunbookCoverage, palette: Palette, width: int, window_s: float) -> Text:
    if cov.ratio is None:
        return Text(f"no alerts in the last {format_duration(window_s)}", "dim")
    style = palette.level(coverage_level(cov.ratio))
    count = f" {len(cov.covered)} of {len(cov.seen)} alert names"
    head = Text(percent(cov.ratio), style + Style(bold=True))
    bar_w = max(0, width - head.cell_len - len(count) - 2)
    out = head
    if bar_w >= 4:
        out.append(" " + bar(cov.ratio, min(bar_w, 20)), style)
    out.append(count, "dim")
    if cov.uncovered:
        out.append("\nwithout: ", "dim")
        out.append_text(txt(", ".join(cov.uncovered)))
    return out


class CoveragePanel(Panel):
    TITLE = "Runbook coverage"
    SECTION = "incidents"  # built from the incident history and the alerts

    def compose(self) -> ComposeResult:
        yield Static(Text(""), id="coverage-body")

    def detail_subject(self) -> RunbookCoverage | None:
        return self.snapshot.coverage if self.snapshot is not None else None

    def render_snapshot(self, snapshot: Snapshot) -> None:
        width = max(20, self.content_size.width or 38)
        key = (snapshot.coverage, width, snapshot.window_s, self.app.theme)
        if key == getattr(self, "_drawn", None):
            return  # unchanged: no repaint
        self._drawn = key
        self.query_one("#coverage-body", Static).update(
            coverage_text(snapshot.coverage, self.palette, width, snapshot.window_s)
        )
