"""A DataTable updated by keyed diffs, and the one function that sizes its columns.

`KeyedTable.apply(rows)` does what dolphie's process list does instead of clear() +
add_row() per poll: rows that are gone are removed, cells whose text changed are
written in place, new rows are added, all inside one `batch_update`; only the cells
that changed are repainted when the order stayed, and the cursor stays on its row key
without firing a highlight event (nothing was selected by the user). Columns have
fixed widths from `column_widths` (pure), so no cell is ever measured: they are set
again only when the widths come out different (a resize, a longer name).

This reaches into DataTable's row store (`_data`, `rows`, `_row_locations`): one
pass over the rows instead of one `add_row` / `remove_row` each (both O(rows), with
a cursor event each). Textual is pinned to 8.2 (pyproject) for it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from rich.console import JustifyMethod
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, Row, RowKey

Rows = Sequence[tuple[str, Sequence[Text]]]
"""(row key, cells) per row, in display order."""

Item = TypeVar("Item")


class SharedCells:
    """Equal cells made once. In a long list most cells of a column read alike (a
    severity, a state, an alert name, "—"), and each Text is ~250 bytes with its
    lists: 20,000 incidents' rows were 180,000 of them, ~60 MB. A cell is never
    changed once made (the table only renders it), so rows can share one. Bounded:
    past `limit` distinct cells it starts afresh. Safe for the row builds in
    threads: two builds making the same cell at once make equal ones."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._made: dict[tuple[str, str | Style, JustifyMethod | None], Text] = {}

    def text(
        self, plain: str, style: str | Style = "", justify: JustifyMethod | None = None
    ) -> Text:
        key = (plain, style, justify)
        made = self._made.get(key)
        if made is None:
            if len(self._made) >= self.limit:
                self._made = {}
            made = self._made[key] = Text(plain, style=style, justify=justify)
        return made

    def __len__(self) -> int:
        return len(self._made)


class CellCache(Generic[Item]):
    """The cells of a row that depend only on its item (an alert, an incident) and
    the theme, kept between polls. In an alert storm most items are unchanged from one
    poll to the next: their cells are the very same Text objects as last time, so the
    build makes nothing and the table's diff sees them unchanged at once (`is`).

    Safe for the row builds that run in threads: each entry is written whole, and
    two builds of the same item make equal cells."""

    def __init__(self) -> None:
        self._theme: Hashable = None
        self._cells: dict[str, tuple[Item, tuple[Text, ...]]] = {}
        self.shared = SharedCells()
        """Cells equal across items, for the builds that make them (`SharedCells`)."""

    def cells(
        self, key: str, item: Item, make: Callable[[Item], tuple[Text, ...]]
    ) -> tuple[Text, ...]:
        kept = self._cells.get(key)
        if kept is not None and (kept[0] is item or kept[0] == item):
            return kept[1]
        made = make(item)
        self._cells[key] = (item, made)
        return made

    def begin(self, theme: Hashable, keep: int) -> None:
        """Before a build: drop everything when the theme changed (other colours), and
        the entries of items long gone once they outnumber the `keep` shown ones."""
        if theme != self._theme:
            self._theme = theme
            self._cells = {}
            self.shared = SharedCells()
        elif len(self._cells) > 2 * keep + 100:
            self._cells = {}


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


def natural_widths(labels: Sequence[str], rows: Rows) -> list[int]:
    """The widest cell of each column, its header included."""
    out = [len(label) for label in labels]
    for _, cells in rows:
        for i, cell in enumerate(cells):
            n = cell_width(cell)
            if n > out[i]:
                out[i] = n
    return out


def cell_width(cell: Text) -> int:
    """`cell.cell_len`, at C speed for printable ASCII (one cell a character), which most
    cells are: Rich keeps the widths of 4,096 texts, and a storm's label sets are more,
    so it measured each again on every build (half the CPU of a storm's rows)."""
    plain = cell.plain
    if plain.isascii() and plain.isprintable():
        return len(plain)
    return cell.cell_len


def selected_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor, or None for an empty table."""
    if table.row_count == 0:
        return None
    try:
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    except CellDoesNotExist:
        return None


class KeyedTable(DataTable[Text]):
    _fitted_room = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._parked = {}

    def fit(self, widths: Sequence[int], room: int) -> None:
        """Fixed column widths; a repaint only when one differs. For the same room
        (no resize) columns only grow: a cell going from "9s" to "10s" and back must
        not shift every column, a full repaint of the table each time."""
        current = [c.width for c in self.ordered_columns]
        if (
            room == self._fitted_room
            and not any(c.auto_width for c in self.ordered_columns)
            and all(w <= cur for w, cur in zip(widths, current, strict=True))
        ):
            return
        self._fitted_room = room
        changed = False
        for column, width in zip(self.ordered_columns, widths, strict=True):
            if column.auto_width or column.width != width:
                column.width = width
                column.auto_width = False
                changed = True
        if changed:
            self._require_update_dimensions = True
            self._drop_rendered()
            self.refresh()
            self.check_idle()

    def room(self, rows: int) -> int:
        """The width the cells can use (0 before the first layout), given `rows` rows
        (a vertical scrollbar takes its width when they do not fit)."""
        if self.size.width <= 0:
            return 0
        scrollbar = self.styles.scrollbar_size_vertical if rows + 1 > self.size.height else 0
        return self.size.width - scrollbar

    def apply(self, rows: Rows, keep_gone: bool = False) -> bool:
        """Make the table show `rows` (in that order); True when anything changed.

        In an alert storm this runs on the loop for thousands of rows a poll, nearly
        all unchanged: it looks rows up by their key's text and compares cells in
        column order, so an unchanged row costs no Python-level key hashing
        (Textual's row and column keys hash in Python).

        `keep_gone`: the rows taken away are kept aside (a filter hides them) and come
        back stored as they were, only their changed cells written: a new row costs
        ~5 us of key hashing and objects, thousands at an Esc. An apply without it
        takes back what returns and lets the rest go (bounded by one filter's use)."""
        keys = [key for key, _ in rows]
        wanted = set(keys)
        if len(wanted) != len(keys):
            raise ValueError("duplicate row keys")
        columns = [c.key for c in self.ordered_columns]
        cursor_key = selected_key(self)
        cursor_row = self.cursor_row
        data = self._data
        structural = False
        dirty: dict[str, list[int]] = {}
        added: list[RowKey] = []
        parked = self._parked
        if keep_gone and not parked:
            self._park_limit = len(data)  # the table's size before the filter
        for row_key in [k for k in data if k.value not in wanted]:
            gone = (row_key, self.rows.pop(row_key), data.pop(row_key))
            if keep_gone:
                parked[str(row_key.value)] = gone
            structural = True
        while len(parked) > self._park_limit:
            # A filter left on through a storm's churn: the oldest go first.
            del parked[next(iter(parked))]
        shown = {k.value: (k, cells) for k, cells in data.items()}
        order: list[RowKey] = []  # the row keys in display order, the stored objects
        for key, cells in rows:
            got = shown.get(key)
            if got is None:
                back = parked.pop(key, None) if parked else None
                structural = True
                if back is None:
                    row_key = RowKey(key)
                    self.rows[row_key] = Row(row_key, height=1)
                    data[row_key] = dict(zip(columns, _fixed_all(cells), strict=True))
                    added.append(row_key)
                    order.append(row_key)
                    continue
                row_key, row, current = back
                self.rows[row_key] = row
                data[row_key] = current
                added.append(row_key)
            else:
                row_key, current = got
            order.append(row_key)
            # A row's cells are stored in column order (made here, written in place).
            for i, (old, cell) in enumerate(zip(tuple(current.values()), cells, strict=True)):
                if old is not cell and not _same(old, cell):
                    current[columns[i]] = _fixed(cell)
                    dirty.setdefault(key, []).append(i)
        if not keep_gone:
            parked.clear()
        if not structural and keys != self._order():
            structural = True  # same rows, new order
        if not structural and not dirty:
            return False
        with self.app.batch_update():
            if structural:
                self._drop_rendered()
                locations = self._row_locations
                # The stored key objects: looking a row up by its location then finds
                # it by identity, not by Textual's key equality (Python-level).
                self._row_locations = type(locations)({k: i for i, k in enumerate(order)})
                self._require_update_dimensions = True
                if any(c.auto_width for c in self.ordered_columns):
                    self._new_rows.update(added)  # not fitted yet: Textual measures them
                self._keep_cursor(keys, cursor_key, cursor_row)
                self.refresh()
                self.check_idle()
            else:
                self._drop_cells(dirty, columns)
                self._refresh_cells(dirty)
        self._applied = (keys, self._update_count)
        return True

    _parked: dict[str, tuple[RowKey, Row, dict[Any, Text]]]
    """Rows taken away by an apply with `keep_gone`, by key text: (key, row, cells)."""
    _park_limit = 0
    """At most this many rows are kept aside: as many as the table showed before."""

    _applied: tuple[list[str], int] = ([], -1)
    """The row keys of the last `apply`, and the update count it left."""

    def _order(self) -> list[str]:
        """The row keys in display order: the last `apply`'s when nothing else changed
        the table since (Textual counts every change), else read from the table."""
        keys, count = self._applied
        if count == self._update_count and len(keys) == len(self._row_locations):
            return keys
        return [str(row.key.value) for row in self.ordered_rows]

    def _refresh_cells(self, dirty: Mapping[str, list[int]]) -> None:
        """Repaint the changed cells that are on screen. Those scrolled out of view are
        drawn from the new data when they come into view (the line caches were dropped),
        and skipping them matters: `refresh_coordinate` costs O(rows) each (it sums the
        heights above), thousands of times a poll in an alert storm. So the rows on
        screen are looked at, not the changed ones."""
        top = self.scroll_offset.y
        bottom = top + max(0, self.size.height - (self.header_height if self.show_header else 0))
        locations = self._row_locations
        for index in range(top, min(bottom, len(locations))):
            row_key = locations.get_key(index)
            changed = dirty.get(str(row_key.value)) if row_key is not None else None
            for column_index in changed or ():
                # Just that cell: Textual sends a refreshed region whole.
                self.refresh_coordinate(Coordinate(index, column_index))

    def _drop_rendered(self) -> None:
        """Render every line afresh. The update count is in every render cache's key; the
        entries of the old count can never be hit again, so they go now (left to the
        LRU caches, 10,000 cells' renderings piled up per table: RSS grew for the first
        half hour of a soak)."""
        self._update_count += 1
        self._cell_render_cache.clear()
        self._drop_rows()

    def _drop_cells(self, dirty: Mapping[str, list[int]], columns: Sequence[Any]) -> None:
        """Forget the renderings of the changed cells only (same rows, same order): a
        repainted row renders its changed cells again and takes the others from the
        cell cache (each a Rich render; a poll changes one or two cells of a row, e.g.
        "Since"). The row and line caches are built from the cell cache, and cheap."""
        gone = {(key, columns[i]) for key, indices in dirty.items() for i in indices}
        cells = self._cell_render_cache
        stale = [k for k in cells.keys() if (k[0].value, k[1]) in gone]  # noqa: SIM118 (no __iter__)
        for cache_key in stale:
            cells.discard(cache_key)
        self._drop_rows()

    def _drop_rows(self) -> None:
        """Forget the rows' and lines' renderings (made from the cells' renderings)."""
        self._row_render_cache.clear()
        self._row_renderable_cache.clear()
        self._line_cache.clear()

    def _keep_cursor(self, keys: list[str], key: str | None, row: int) -> None:
        if not keys:
            return
        if key in keys:
            target = keys.index(key)
            if target != row:
                # The same row, moved: not a new selection, no event.
                with self.prevent(DataTable.RowHighlighted, DataTable.CellHighlighted):
                    self.move_cursor(row=target, animate=False, scroll=True)
            return
        # The row under the cursor is gone: the one now in its place is selected.
        self.move_cursor(row=min(row, len(keys) - 1), animate=False, scroll=True)
        if row == min(row, len(keys) - 1):
            self._highlight_cursor()  # same index, another row: say so


def _same(a: Text, b: Text) -> bool:
    """Drawn the same (Text's own == ignores the base style: a row that turns dim when
    its alert is silenced would keep its colours)."""
    return a is b or (
        a.plain == b.plain and a.style == b.style and a.spans == b.spans and a.justify == b.justify
    )


def _fixed_all(cells: Sequence[Text]) -> Sequence[Text]:
    """`_fixed` for a new row's cells (one call a row: thousands come back at an Esc)."""
    for cell in cells:
        cell.no_wrap = True
        cell.overflow = "ellipsis"
    return cells


def _fixed(cell: Text) -> Text:
    """Cells never wrap: a fixed-width column cuts them with "…"."""
    cell.no_wrap = True
    cell.overflow = "ellipsis"
    return cell
