"""The overview's second page (`]` from the overview, `[` back): SLOs, runbook
coverage and the `[[panels]]`, under the same status line, with the same global keys.

It is a Screen of its own so the first page stays as it is; it shows the store's
latest view and follows each new one through `app.view_signal`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Snapshot
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.messages import DetailsRequested
from oncall_tui.ui.partial_update import focus_without_repaint, use_trimmed_updates
from oncall_tui.ui.schedule import PollState
from oncall_tui.ui.store import ViewStore
from oncall_tui.ui.widgets.dashboard import DashboardPage
from oncall_tui.ui.widgets.footer import KeyFooter
from oncall_tui.ui.widgets.format import Palette
from oncall_tui.ui.widgets.line import TextLine
from oncall_tui.ui.widgets.status import status_line


class DashboardScreen(Screen[None]):
    OVERVIEW_PAGE = True
    """The app's global keys (windows, pause, refresh, theme, help, quit) act here too."""
    BINDINGS: ClassVar[list[BindingType]] = bindings("dashboard")
    focused: Reactive[Widget | None] = focus_without_repaint()

    def __init__(
        self,
        store: ViewStore,
        config: Config,
        poll_state: Callable[[], PollState],
        clock: Callable[[], float],
    ) -> None:
        super().__init__()
        use_trimmed_updates(self)  # repainted for hours: the fewest bytes per repaint
        self.store = store
        self.poll_state = poll_state
        self.clock = clock
        self.page = DashboardPage(clock, config.panels)
        self.active = 0

    def compose(self) -> ComposeResult:
        yield TextLine(id="status")
        tabs = TextLine(id="pages")
        tabs.show(Text.assemble(("[ Overview", "dim"), "  ", ("SLOs & panels", "bold reverse")))
        yield tabs
        yield self.page
        yield KeyFooter(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.app.view_signal.subscribe(self, self.show)  # type: ignore[attr-defined]
        self.app.theme_changed_signal.subscribe(self, lambda _: self.page.rerender())
        if self.store.view is not None:
            self.show(self.store.view)
        # `is_mounted` is still false here, so the status line waits for the first frame
        # (it used to stay blank until the first age tick, a second later).
        self.call_after_refresh(self.refresh_status)
        self.set_interval(1.0, self.refresh_ages)
        self.call_after_refresh(self._focus_active)

    def show(self, snapshot: Snapshot) -> None:
        self.page.update_snapshot(snapshot)
        self.refresh_status()

    def refresh_ages(self) -> None:
        self.page.refresh_age()
        self.refresh_status()

    def refresh_status(self) -> None:
        if not self.is_mounted:
            return
        palette = Palette(self.app.theme_variables)
        line = status_line(self.store.view, self.poll_state(), palette, self.clock())
        self.query_one("#status", TextLine).show(line)

    # -- keys ----------------------------------------------------------------------------

    def action_overview_page(self) -> None:
        self.dismiss(None)

    def action_next_panel(self, step: int) -> None:
        self.active = (self.active + step) % len(self.page.panels)
        self._focus_active()

    def _focus_active(self) -> None:
        panel = self.page.panels[self.active]
        panel.focus_target.focus()
        panel.scroll_visible()

    def on_descendant_focus(self) -> None:
        focused = self.focused
        for i, panel in enumerate(self.page.panels):
            if focused is not None and (focused is panel or panel in focused.ancestors):
                self.active = i

    def action_open_details(self) -> None:
        subject = self.page.panels[self.active].detail_subject()
        if subject is not None:
            self.post_message(DetailsRequested(subject))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.page.slos.focus_target:
            self.action_open_details()
