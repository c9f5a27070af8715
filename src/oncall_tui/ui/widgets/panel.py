"""The frame every overview panel shares: title, data age / staleness, focus target.

A panel renders the part of a Snapshot named by `SECTION` and never fetches. The app
calls `update_snapshot` after each poll and `refresh_age` every second.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


USEFUL_WIDTH = 8
"""A free-text column given less than this shows nothing readable: it keeps its full
width instead, off to the right (the table scrolls sideways to it)."""


def column_widths(
    natural: Sequence[int], room: int, pad: int, flexible: Mapping[int, int]
) -> list[int]:
    """Each column's width, pure. Every column but the `flexible` ones gets what its
    widest cell needs (names, states, times, who acked: never cut); the flexible ones
    (label sets, summaries) start at the width they need at least (`flexible[i]`) and
    share what is left, the narrowest need filled first, each up to its widest cell.
    `pad` is the padding around each cell."""
    widths = [min(flexible[i], n) if i in flexible else n for i, n in enumerate(natural)]
    left = room - sum(w + pad for w in widths)
    pending = sorted(flexible, key=lambda i: natural[i] - widths[i])
    for k, i in enumerate(pending):
        share = max(0, left) // (len(pending) - k)
        give = min(natural[i] - widths[i], share)
        widths[i] += give
        left -= give
    for i in flexible:
        if widths[i] < min(USEFUL_WIDTH, natural[i]):
            widths[i] = natural[i]
    return widths


def fit_columns(
    table: DataTable[Any],
    rows: Sequence[tuple[str, Sequence[Text]]],
    flexible: Mapping[int, int],
) -> None:
    """Size the columns to the table's width before `refill` (see `column_widths`);
    a cell wider than its column is cut with "…"."""
    columns = table.ordered_columns
    height = table.size.height
    if not columns or table.size.width <= 0:
        return  # not laid out yet (a hidden compact-layout panel): fitted when shown
    scrollbar = table.styles.scrollbar_size_vertical if len(rows) + 1 > height else 0
    room = table.size.width - scrollbar
    natural = [
        max([col.label.cell_len] + [cells[i].cell_len for _, cells in rows if i < len(cells)])
        for i, col in enumerate(columns)
    ]
    widths = column_widths(natural, room, 2 * table.cell_padding, flexible)
    for col, width in zip(columns, widths, strict=True):
        col.width = width
        col.auto_width = False
    for _, cells in rows:
        for cell in cells:
            cell.no_wrap = True
            cell.overflow = "ellipsis"
