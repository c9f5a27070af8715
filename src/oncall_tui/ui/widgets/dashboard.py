"""The overview's second page: the SLO panel, runbook coverage and the `[[panels]]`.

Two columns of panels whose height follows their content; the SLO list, charts and
tables of more than four columns span both; a chart is 10 rows. What does not fit
scrolls. Layout rules live in app.tcss under `#dashboard`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll

from oncall_tui.config_dash import PanelConfig
from oncall_tui.model.snapshot import Snapshot
from oncall_tui.ui.widgets.coverage import CoveragePanel
from oncall_tui.ui.widgets.custom import CustomPanel
from oncall_tui.ui.widgets.panel import Panel
from oncall_tui.ui.widgets.slos import SloPanel

WIDE_TABLE_COLUMNS = 4
"""A table with more columns than this (labels included) takes the full width."""


def _wide(panel: PanelConfig) -> bool:
    if panel.kind == "chart":
        return True
    if panel.kind == "table":
        labels = len(panel.join_on) or 1
        return labels + len(panel.columns) > WIDE_TABLE_COLUMNS
    return False


class DashboardPage(VerticalScroll):
    """SLOs, coverage and the custom panels; renders only while it is shown."""

    can_focus = False

    def __init__(
        self,
        clock: Callable[[], float],
        panels: Sequence[PanelConfig],
        *,
        id: str = "dashboard",
    ) -> None:
        super().__init__(id=id)
        self.slos = SloPanel(clock, id="slos")
        self.coverage = CoveragePanel(clock, id="coverage")
        self.custom = [
            CustomPanel(clock, i, p.title, p.kind, id=f"custom-{i}", wide=_wide(p))
            for i, p in enumerate(panels)
        ]
        self.panels: list[Panel] = [self.slos, self.coverage, *self.custom]
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        # The grid fills rows left to right: the half-width panels first (in config
        # order), pairing up, then the ones that span both columns.
        yield self.slos
        halves = [self.coverage, *(p for p in self.custom if not p.has_class("-wide"))]
        wide = [p for p in self.custom if p.has_class("-wide")]
        if len(halves) % 2 and wide:
            halves[-1].add_class("-wide")  # else the next wide one would start mid-row
        yield from halves
        yield from wide

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        if not self.display:
            return  # hidden page: drawn when shown (see show_page)
        for panel in self.panels:
            panel.update_snapshot(snapshot)

    def shown(self) -> None:
        """The page became visible: draw the latest data at the real sizes."""
        if self.snapshot is not None:
            for panel in self.panels:
                panel.update_snapshot(self.snapshot)

    def rerender(self) -> None:
        if self.display:
            for panel in self.panels:
                panel.rerender()

    def refresh_age(self) -> None:
        if self.display:
            for panel in self.panels:
                panel.refresh_age()
