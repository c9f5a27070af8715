"""Runbook coverage explained: which alert names of the window have a runbook linked,
and which do not (the list to write runbooks for)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import RunbookCoverage
from oncall_tui.text import clean
from oncall_tui.units import percent

from .detail import DetailScreen


class CoverageScreen(DetailScreen):
    def __init__(self, coverage: RunbookCoverage, window_s: float) -> None:
        super().__init__()
        self.coverage = coverage
        self.window_s = window_s
        self._panel_title = Text(f" Runbook coverage · last {format_duration(window_s)} ")

    def parts(self) -> list[RenderableType | Widget]:
        cov = self.coverage
        if cov.ratio is None:
            return [Text(f"No alert fired in the last {format_duration(self.window_s)}.")]
        summary = Text(
            f"{percent(cov.ratio)} = {len(cov.covered)} of {len(cov.seen)} alert names seen "
            "in the window have a runbook linked (a [[runbooks]] entry lists the alert, or "
            "its runbook label / annotation names one)."
        )
        parts: list[RenderableType | Widget] = [summary]
        parts.append(self.heading(f"Without a runbook ({len(cov.uncovered)})"))
        parts.append(Text("\n".join(clean(n, one_line=True) for n in cov.uncovered) or "none"))
        parts.append(self.heading(f"With a runbook ({len(cov.covered)})"))
        parts.append(Text("\n".join(clean(n, one_line=True) for n in cov.covered) or "none"))
        return parts
