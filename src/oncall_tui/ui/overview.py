"""The overview screen: the six panels, Tab between them, Enter opens details.

Wide and tall terminals get a grid of every panel; below 120 columns or 36 rows the
screen switches (breakpoint classes `-narrow` / `-short`) to a compact layout: a one-line
summary of every panel's numbers, a tab strip, and one panel at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable

from oncall_tui.model.snapshot import Snapshot
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.messages import DetailsRequested, SelectionChanged
from oncall_tui.ui.partial_update import focus_without_repaint, use_trimmed_updates
from oncall_tui.ui.schedule import PollState
from oncall_tui.ui.widgets.alerts import AlertsPanel
from oncall_tui.ui.widgets.breakers import BreakersPanel
from oncall_tui.ui.widgets.errors import ErrorsPanel
from oncall_tui.ui.widgets.footer import KeyFooter
from oncall_tui.ui.widgets.format import Palette
from oncall_tui.ui.widgets.health import HealthPanel
from oncall_tui.ui.widgets.incidents import IncidentsPanel
from oncall_tui.ui.widgets.latency import LatencyPanel
from oncall_tui.ui.widgets.line import TextLine
from oncall_tui.ui.widgets.panel import Panel
from oncall_tui.ui.widgets.runbooks import RunbooksPanel
from oncall_tui.ui.widgets.status import status_line, summary_line, tabs_line

TAB_NAMES = ("Health", "Latency", "Errors", "Breakers", "Runbooks", "Incidents", "Alerts")


def breakpoint_classes(size: int, breakpoints: list[tuple[int, str]]) -> dict[str, bool]:
    """Each class of `breakpoints` -> whether a screen `size` cells wide (or high) has it:
    the last breakpoint it reaches, as Textual picks it."""
    reached = [name for at, name in sorted(breakpoints) if size >= at]
    return {name: bool(reached) and name == reached[-1] for _, name in breakpoints}


class OverviewScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual's)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]  # noqa: RUF012
    AUTO_FOCUS = "#alerts-table"  # what the on-call engineer acts on
    BINDINGS: ClassVar[list[BindingType]] = bindings("overview")
    focused: Reactive[Widget | None] = focus_without_repaint()

    def __init__(self, clock: Callable[[], float], poll_state: Callable[[], PollState]) -> None:
        super().__init__()
        use_trimmed_updates(self)  # repainted for hours: the fewest bytes per repaint
        self.clock = clock
        self.poll_state = poll_state
        self._summary: tuple[Snapshot | None, str, Text] | None = None
        self.health = HealthPanel(clock, id="health")
        self.latency = LatencyPanel(clock, id="latency")
        self.errors = ErrorsPanel(clock, id="errors")
        self.breakers = BreakersPanel(clock, id="breakers")
        self.runbooks = RunbooksPanel(clock, id="runbooks")
        self.incidents = IncidentsPanel(clock, id="incidents")
        self.alerts = AlertsPanel(clock, id="alerts")
        self.panels: list[Panel] = [
            self.health,
            self.latency,
            self.errors,
            self.breakers,
            self.runbooks,
            self.incidents,
            self.alerts,
        ]
        self.active = len(self.panels) - 1  # alerts: what the on-call engineer acts on
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        # The breakpoint classes Textual sets at the first Resize, set already: else it
        # lays out and renders the whole screen without them, then again with them.
        width, height = self.app.size
        self.update_classes(
            {
                **breakpoint_classes(width, self.HORIZONTAL_BREAKPOINTS),
                **breakpoint_classes(height, self.VERTICAL_BREAKPOINTS),
            },
            update=False,
        )
        yield TextLine(id="status")
        yield TextLine(id="summary")
        yield TextLine(id="tabs")
        with Container(id="panels"):
            # Grid order (wide layout): health, latency, errors / breakers, runbooks /
            # alerts, incidents. Tab order stays the product's panel order.
            yield from (self.health, self.latency, self.errors, self.breakers)
            yield from (self.runbooks, self.alerts, self.incidents)
        # Compact and without the palette hint (ctrl+p still opens it): every key fits at 80.
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._show_active()
        self.call_after_refresh(self.panels[self.active].focus_target.focus)
        self.set_interval(1.0, self.refresh_ages)

    # -- data ------------------------------------------------------------------------

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        for panel in self.panels:
            panel.update_snapshot(snapshot)
        self.refresh_status()

    def rerender(self) -> None:
        for panel in self.panels:
            panel.rerender()
        self.refresh_status()

    def refresh_ages(self) -> None:
        for panel in self.panels:
            panel.refresh_age()
        self.refresh_status()

    def refresh_status(self) -> None:
        if not self.is_mounted:
            return
        palette = Palette(self.app.theme_variables)
        poll = self.poll_state()
        status = status_line(
            self.snapshot, poll, palette, self.clock(), width=self.size.width or None
        )
        if self.size.width >= 120:  # wide layout: no tab strip to name the second page
            status.append("  ] SLOs/panels", "dim")
        self.query_one("#status", TextLine).show(status)
        summary = self.query_one("#summary", TextLine)
        if not summary.display:
            return  # the compact layout's: made when shown (on_resize draws it then)
        # Once per snapshot and theme, not every second: it counts every alert.
        kept = self._summary
        if kept is None or kept[0] is not self.snapshot or kept[1] != self.app.theme:
            line = summary_line(self.snapshot, palette)
            kept = self._summary = (self.snapshot, self.app.theme, line)
        summary.show(kept[2])

    def on_resize(self) -> None:
        self.call_after_refresh(self._after_resize)

    def _after_resize(self) -> None:
        # Sparklines, bars and columns are sized to the panel: a displayed panel whose
        # size changed draws again on its own resize (Panel.on_resize), here it would
        # draw twice (at start-up: three times before the first frame). A hidden one
        # (compact layout) draws when shown, at its width then.
        for panel in self.panels:
            if not panel.display:
                panel.rerender()
        self.refresh_status()

    # -- panels and focus ------------------------------------------------------------

    def _show_active(self) -> None:
        for i, panel in enumerate(self.panels):
            panel.set_class(i == self.active, "-active")
        tabs = tabs_line(TAB_NAMES, self.active)
        tabs.append("  ] SLOs", "dim")  # the second page (its key is not in the footer)
        self.query_one("#tabs", TextLine).show(tabs)
        # A panel hidden by the compact layout drew nothing meanwhile: it catches up.
        self.call_after_refresh(self.panels[self.active].catch_up)

    def on_screen_resume(self) -> None:
        # A modal closed: the panels drew nothing under it. They catch up once the
        # screen without the modal is out: in a storm the alert rows' build (off the
        # loop, but sharing the interpreter) would hold that frame back.
        self.call_after_refresh(self._catch_up)

    def _catch_up(self) -> None:
        for panel in self.panels:
            panel.catch_up()
        self.refresh_status()

    def bring_forward(self, panel: Panel) -> None:
        """Make `panel` the active one: the one shown in the compact layout."""
        self.active = self.panels.index(panel)
        self._show_active()

    def action_next_panel(self, step: int) -> None:
        self.active = (self.active + step) % len(self.panels)
        self._show_active()
        # In the compact layout the panel was hidden: focus once it is displayed.
        self.call_after_refresh(self.panels[self.active].focus_target.focus)

    def on_descendant_focus(self) -> None:
        focused = self.focused
        for i, panel in enumerate(self.panels):
            if focused is not None and (focused is panel or panel in focused.ancestors):
                if i != self.active:
                    if not panel.display:
                        # Compact layout: Textual moved the focus to a hidden panel
                        # (e.g. on start); the shown panel keeps it.
                        self.call_after_refresh(self.panels[self.active].focus_target.focus)
                        break
                    self.active = i
                    self._show_active()
                break
        self.app.refresh_bindings()

    @on(DataTable.RowHighlighted)
    def _row_moved(self) -> None:
        # a / A / u / r depend on what is selected.
        self.post_message(SelectionChanged())

    # -- details ---------------------------------------------------------------------

    def action_open_details(self) -> None:
        self._details_of(self.panels[self.active])

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        for panel in self.panels:
            if panel.focus_target is event.data_table:
                self._details_of(panel)

    def _details_of(self, panel: Panel) -> None:
        subject = panel.detail_subject()
        if subject is not None:
            self.post_message(DetailsRequested(subject))
