"""The frame every overview panel shares: title, data age / staleness, focus target.

A panel renders the part of a Snapshot named by `SECTION` and never fetches. The app
calls `update_snapshot` after each poll and `refresh_age` every second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
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

    def on_resize(self) -> None:
        # Charts and table columns are fitted to the width they had when drawn: a panel
        # that changed size (first layout, grid rearranged) draws them again.
        if self.snapshot is not None:
            self.call_after_refresh(self.rerender)

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

    def detail_subject(self) -> object | None:
        """What Enter opens the detail view of (None: this panel has none)."""
        return None


class TablePanel(Panel):
    """A panel around one row-cursor DataTable, which takes the focus."""

    COLUMNS: tuple[str, ...] = ()
    TABLE_ID = ""
    can_focus = False

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(clock, id=id)
        self.table: DataTable[Text] = DataTable(
            id=self.TABLE_ID, cursor_type="row", zebra_stripes=True
        )

    @property
    def focus_target(self) -> DataTable[Text]:
        return self.table

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        self.table.add_columns(*self.COLUMNS)


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


def fit_columns(
    table: DataTable[Any],
    rows: Sequence[tuple[str, Sequence[Text]]],
    squeeze: int,
    tail: int | None = None,
    squeeze_min: int = 14,
    tail_min: int = 10,
) -> None:
    """Size the columns to the table's width before `refill`. Outside text (label sets,
    summaries) can be any length: the `squeeze` column is cut with "…" so the columns
    after it stay on screen, and the `tail` column (a free-text last one) gets the room
    left once the squeezed column has its width, or stays off to the right (cut by the
    panel) when less than `tail_min` is left."""
    columns = table.ordered_columns
    height = table.size.height
    if not columns or table.size.width <= 0:
        return  # not laid out yet (a hidden compact-layout panel): fitted when shown
    scrollbar = table.styles.scrollbar_size_vertical if len(rows) + 1 > height else 0
    room = table.size.width - scrollbar
    pad = 2 * table.cell_padding
    natural = [
        max([col.label.cell_len] + [cells[i].cell_len for _, cells in rows if i < len(cells)])
        for i, col in enumerate(columns)
    ]
    widths = list(natural)
    flexible = {squeeze} if tail is None else {squeeze, tail}
    left = room - sum(w + pad for i, w in enumerate(widths) if i not in flexible) - pad
    if tail is not None:
        # The squeezed column (what identifies the row) before the free text after it.
        tail_need = min(tail_min, natural[tail])
        share = left - pad - min(natural[squeeze], max(squeeze_min, left - pad - tail_need))
        if share >= tail_need:
            widths[tail] = min(natural[tail], share)
            left -= widths[tail] + pad
    widths[squeeze] = max(min(squeeze_min, natural[squeeze]), min(natural[squeeze], left))
    for col, width in zip(columns, widths, strict=True):
        col.width = width
        col.auto_width = False
    for _, cells in rows:
        for cell in cells:
            cell.no_wrap = True
            cell.overflow = "ellipsis"
