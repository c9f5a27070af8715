"""The frame every overview panel shares: title, one age line, focus target, and the
rule that a panel repaints only what changed.

A panel renders the part of a Snapshot named by `SECTION` and never fetches. The app
calls `update_snapshot` after each poll; the part (without its fetch time: that is the
age line's business) goes into the `shown_key` reactive, whose watcher renders, so an
unchanged part renders nothing. The age of the data is one small line at the panel's
foot, rewritten only when its words change ("updated just now", "updated 20s ago",
"updated 5m ago", "stale 2m — prometheus: …"); the border title is assigned only when it
changed (an assignment repaints the whole panel). A panel that is not on screen (a
hidden tab of the compact layout, or under a modal) renders nothing and catches up
when shown.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import DataTable

from oncall_tui.cpu_lane import in_lane_unless
from oncall_tui.model.snapshot import Section, Snapshot
from oncall_tui.ui.state import freshness
from oncall_tui.ui.widgets.format import Palette
from oncall_tui.ui.widgets.line import TextLine
from oncall_tui.ui.widgets.table import KeyedTable, Rows, column_widths, selected_key

__all__ = [
    "Panel",
    "Rows",
    "TablePanel",
    "TableRows",
    "column_widths",
    "fit_columns",
    "refill",
    "selected_key",
]


def content_of(part: Any) -> Any:
    """`part` without what changes on every poll although nothing shown changed: when
    it was fetched (the age line shows that) and whether this poll refreshed it (the
    panel's stale class shows that)."""
    section: Section | None = getattr(part, "section", None)
    if section is None:
        return part
    fetched = None if section.fetched_at is None else 0.0
    return replace(part, section=Section(section.source, fetched_at=fetched))


class Panel(Vertical):
    """Base of the overview panels; subclasses implement `render_snapshot`."""

    TITLE = ""
    SECTION = ""
    """The Snapshot field this panel shows (its `.section` says how fresh it is)."""
    can_focus = True  # panels without a table take the focus themselves (Tab stops)
    SIZED_BY_BODIES = False
    """True when nothing the panel draws depends on its size but what its bodies make
    for theirs (Body.show_sized): it draws as soon as it is mounted (data that came
    first is in the first frame) and not again on a resize. Otherwise it waits for its
    size (the first layout) and draws again when that changes."""

    shown_key: reactive[object] = reactive(None, layout=False, repaint=False, init=False)
    """What the panel shows (`render_key`); set on each poll, rendered only on change."""

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="panel")
        self.clock = clock
        self.snapshot: Snapshot | None = None
        self.age_line = TextLine(classes="age")
        self._behind = False  # data changed while the panel was not on screen
        self._title: str | None = None
        self.set_title(self.TITLE)

    @property
    def palette(self) -> Palette:
        return Palette(self.app.theme_variables)

    def part(self, snapshot: Snapshot) -> Any:
        """This panel's part of a Snapshot."""
        return getattr(snapshot, self.SECTION)

    @property
    def section(self) -> Section | None:
        if self.snapshot is None:
            return None
        section: Section = self.part(self.snapshot).section
        return section

    @property
    def waiting(self) -> bool:
        """No answer for this panel's part yet (an early view before the first full
        poll): its counts are unknown, never zero."""
        section = self.section
        return section is None or section.fetched_at is None

    @property
    def focus_target(self) -> Widget:
        """What Tab / the panel keys focus inside this panel."""
        return self

    def render_key(self, snapshot: Snapshot) -> Hashable:
        """Everything the panel's body depends on; equal keys draw the same. Panels that
        also show something else of the Snapshot extend it."""
        return (content_of(self.part(snapshot)), snapshot.window_s)

    # -- data in --------------------------------------------------------------------

    def update_snapshot(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        if not self.is_mounted:
            return  # a fast first poll: shown once mounted (on_mount)
        self.shown_key = self.render_key(snapshot)
        self.refresh_age()

    def watch_shown_key(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.snapshot is None or not self.is_mounted:
            return
        if not self.on_screen:
            self._behind = True  # caught up by catch_up() when shown
            return
        self._behind = False
        self.render_snapshot(self.snapshot)
        self.set_title(self.title_text())

    @property
    def on_screen(self) -> bool:
        """Displayed (not a hidden compact-layout tab) on the top screen (no modal over it)."""
        return self.display and self.screen.is_current

    def catch_up(self) -> None:
        """Shown again: draw what arrived meanwhile."""
        if self._behind:
            self._draw()
        self.refresh_age()

    def rerender(self) -> None:
        """Render again with the current data (theme changed, resized)."""
        self._behind = True
        self._draw()

    def on_mount(self) -> None:
        # Subclasses' on_mount run too (Textual calls the handler of every class).
        self.mount(self.age_line)
        if self.snapshot is None:
            return
        if self.SIZED_BY_BODIES:
            # Queued: it runs once mounted, before the first layout makes the bodies.
            self.call_later(self.update_snapshot, self.snapshot)
        else:
            self.call_after_refresh(self.update_snapshot, self.snapshot)

    def on_resize(self) -> None:
        # Charts and table columns are fitted to the width they had when drawn: a panel
        # that changed size (first layout, grid rearranged) draws them again.
        if self.snapshot is not None and not self.SIZED_BY_BODIES:
            self.call_after_refresh(self.rerender)

    # -- frame ----------------------------------------------------------------------

    def refresh_age(self) -> None:
        """The age line and the stale mark; each repainted only when it changed."""
        section = self.section
        if section is None or not self.is_mounted or not self.on_screen:
            return
        width = max(20, self.age_line.size.width) if self.age_line.size.width else 80
        self.age_line.show(Text(freshness(section, self.clock(), limit=width)))
        self.set_class(not section.ok, "-stale")

    def set_title(self, title: str) -> None:
        if title != self._title:
            self._title = title
            self.border_title = title

    def title_text(self) -> str:
        return self.TITLE

    def render_snapshot(self, snapshot: Snapshot) -> None:
        raise NotImplementedError

    def detail_subject(self) -> object | None:
        """What Enter opens the detail view of (None: this panel has none)."""
        return None


@dataclass(frozen=True, slots=True)
class TableRows:
    """A table panel's rows as built (maybe in a thread) and how its columns share
    the width (`column_widths`' arguments but the room, known only on screen)."""

    rows: Rows
    natural: list[int]
    flexible: Mapping[int, int] = field(default_factory=dict)
    """`column_widths`' flexible columns: index -> the width it needs at least."""
    min_widths: tuple[tuple[int, int], ...] = ()
    """(column, width) for columns whose text grows with the clock ("9s" -> "12s"):
    room kept for it, so the columns do not shift (a full repaint) as it grows."""
    keep_gone: bool = False
    """The rows these hide are kept by the table for their return (a filter's rows:
    `KeyedTable.apply`)."""


OFF_LOOP_ITEMS = 300
"""More items than this (an alert storm, a week of incidents): rows are built in a
thread, so keys keep answering while thousands of cells are made."""


class TablePanel(Panel):
    """A panel around one row-cursor table (keyed diffs, see table.py), which takes
    the focus. Its rows depend on the clock too ("firing 3m"), so it diffs on every
    poll: only cells whose text changed are repainted."""

    COLUMNS: tuple[str, ...] = ()
    TABLE_ID = ""
    can_focus = False

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(clock, id=id)
        self.table = KeyedTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        self._built = 0  # generation of the rows being built off the loop

    @property
    def focus_target(self) -> DataTable[Text]:
        return self.table

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        self.table.add_columns(*self.COLUMNS)

    def render_key(self, snapshot: Snapshot) -> Hashable:
        # The clock is part of what is shown: a key that differs on every poll; the
        # keyed diff then repaints only the cells whose text changed.
        return (content_of(self.part(snapshot)), snapshot.window_s, self.clock())

    # -- rows -------------------------------------------------------------------------

    def item_count(self, snapshot: Snapshot) -> int:
        """How many rows `snapshot` makes, roughly (decides on or off the loop)."""
        return 0

    def table_rows(self, snapshot: Snapshot, palette: Palette, now: float) -> TableRows:
        """The rows to show (pure: may run in a thread)."""
        raise NotImplementedError

    def kept_rows(self, snapshot: Snapshot, palette: Palette, now: float) -> TableRows | None:
        """Rows kept from an earlier build that serve `snapshot` as they are (shown
        without a build), or None."""
        return None

    def after_rows(self, snapshot: Snapshot, palette: Palette, now: float) -> None:
        """Once the rows of `snapshot` are shown: work a later key will need done, in the
        lane after the rows' build (in a thread) or on the loop for a short list."""

    def render_snapshot(self, snapshot: Snapshot) -> None:
        palette, now = self.palette, self.clock()
        self._built += 1
        kept = self.kept_rows(snapshot, palette, now)
        if kept is not None:
            self.show_rows(kept)
            return
        if self.item_count(snapshot) <= OFF_LOOP_ITEMS:
            self.show_rows(self.table_rows(snapshot, palette, now))
            self.after_rows(snapshot, palette, now)
            return
        generation = self._built

        def superseded() -> bool:
            return generation != self._built

        def build() -> None:
            built = in_lane_unless(superseded, self.table_rows, snapshot, palette, now)
            if built is not None:
                self.app.call_from_thread(self._show_built, generation, built)
                in_lane_unless(superseded, self.after_rows, snapshot, palette, now)

        self.run_worker(build, thread=True, group=f"rows-{self.id}", exit_on_error=False)

    def _show_built(self, generation: int, built: TableRows) -> None:
        if generation == self._built and self.is_mounted:  # else superseded meanwhile
            self.show_rows(built)

    def show_rows(self, built: TableRows) -> None:
        table = self.table
        room = table.room(len(built.rows))
        if room:
            pad = 2 * table.cell_padding
            natural = list(built.natural)
            for column, width in built.min_widths:
                natural[column] = max(natural[column], width)
            table.fit(column_widths(natural, room, pad, built.flexible), room)
        table.apply(built.rows, keep_gone=built.keep_gone)
        self.rows_shown(built)

    def rows_shown(self, built: TableRows) -> None:
        """After the table shows `built` (empty-list words, first selection)."""


# For a plain DataTable outside the overview panels (e.g. the incidents screen).


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
