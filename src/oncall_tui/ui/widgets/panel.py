"""The frame every overview panel shares: title, data age / staleness, focus target.

A panel renders the part of a Snapshot named by `SECTION` and never fetches. The app
calls `update_snapshot` after each poll and `refresh_age` every second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from oncall_tui.model.snapshot import Section, Snapshot
from oncall_tui.ui.state import freshness
from oncall_tui.ui.widgets.format import Palette


class Panel(Vertical):
    """Base of the six panels; subclasses implement `render_snapshot`."""

    TITLE = ""
    SECTION = ""
    can_focus = True  # panels without a table take the focus themselves (Tab stops)
    """The Snapshot field this panel shows (its `.section` says how fresh it is)."""

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="panel")
        self.clock = clock
        self.snapshot: Snapshot | None = None
        self.border_title = self.TITLE
        self.border_subtitle = Text("waiting for data")

    @property
    def palette(self) -> Palette:
        return Palette(self.app.theme_variables)

    @property
    def section(self) -> Section | None:
        if self.snapshot is None:
            return None
        return getattr(self.snapshot, self.SECTION).section  # type: ignore[no-any-return]

    @property
    def focus_target(self) -> Widget:
        """What Tab / the panel keys focus inside this panel."""
        return self

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        if not self.is_mounted:
            return  # a fast first poll: shown once mounted (see _show_early_snapshot)
        self.render_snapshot(snapshot)
        self.refresh_age()

    def on_mount(self) -> None:
        # Subclasses' on_mount run too (Textual calls the handler of every class).
        self.call_after_refresh(self._show_early_snapshot)

    def _show_early_snapshot(self) -> None:
        if self.snapshot is not None:
            self.update_snapshot(self.snapshot)

    def rerender(self) -> None:
        """Render again with the current data (theme changed, resized)."""
        if self.snapshot is not None and self.is_mounted:
            self.render_snapshot(self.snapshot)

    def refresh_age(self) -> None:
        section = self.section
        if section is None or not self.is_mounted:
            return
        width = max(20, self.size.width - 6) if self.size.width else 80
        self.border_subtitle = Text(freshness(section, self.clock(), limit=width))
        self.set_class(not section.ok, "-stale")
        self.border_title = self.title_text()

    def title_text(self) -> str:
        return self.TITLE

    def render_snapshot(self, snapshot: Snapshot) -> None:
        raise NotImplementedError


def selected_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor, or None for an empty table."""
    if table.row_count == 0:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except CellDoesNotExist:
        return None


def refill(table: DataTable[Any], rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
    """Replace the rows, keeping the cursor on the same row key when it survives
    (a poll must not yank the selection away from the alert being looked at)."""
    key = selected_key(table)
    index = table.cursor_row
    table.clear()
    for row_key, cells in rows:
        table.add_row(*cells, key=row_key)
    if not rows:
        return
    keys = [k for k, _ in rows]
    target = keys.index(key) if key in keys else min(index, len(rows) - 1)
    table.move_cursor(row=max(0, target), animate=False, scroll=True)
