"""Rich tables whose column widths are given, not measured.

Rich sizes a table by measuring every cell (a Padding around each, then the Text): on
the latency panel that is a third of the table's render, every poll. For a table of
one-line Text cells the widths it would find are known at once: each column's widest
cell (its header included), within the column's min / max width. `fix_widths` sets
them as the columns' widths when they fit, so Rich measures nothing and lays the table
out as it would have (a table wider than the room is left to Rich's own shrinking).

Such a table needs no layout engine at all: `as_text` writes it as one Text, each cell
fitted to its column by the steps Rich's own render takes (justify, truncate, pad), so
it shows the same cells in the same styles. The latency panel draws its table every
poll (the demo's numbers move); Rich's Table render was most of that panel's CPU.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.table import Column, Table
from rich.text import Text


def fix_widths(table: Table, room: int) -> bool:
    """Give `table`'s columns the widths Rich would measure; True when it did (one-line
    Text cells and plain string headers only, default padding rules, no box, and the
    table fits in `room`)."""
    if (
        table.box is not None
        or table.expand
        or table.show_footer
        or table.width is not None
        or table.collapse_padding
        or not table.pad_edge
    ):
        return False
    widths: list[int] = []
    for column in table.columns:
        header = column.header
        if (
            column.width is not None
            or not isinstance(header, str)
            or any(c in header for c in "[:\n\t")
        ):
            return False  # a fixed width already, or markup / emoji Rich would read
        widest = Text(header).cell_len if table.show_header else 0
        for cell in column.cells:
            if not isinstance(cell, Text) or "\n" in cell.plain or "\t" in cell.plain:
                return False
            widest = max(widest, cell.cell_len)
        if column.min_width is not None:
            widest = max(widest, column.min_width)
        if column.max_width is not None:
            widest = min(widest, column.max_width)
        widths.append(widest)
    _, right, _, left = table.padding
    if sum(w + left + right for w in widths) > room:
        return False  # Rich shrinks it its own way
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    return True


def as_text(table: Table, room: int) -> Table | Text:
    """`table` as one Text (a line per row, the header's first) where `fix_widths` sizes
    it and it uses nothing beyond padding, a header style and one-line cells; else the
    table itself, for Rich to lay out."""
    if not _plain(table) or not fix_widths(table, room):
        return table
    _, right, _, left = table.padding
    lines: list[Text] = []
    if table.show_header:
        # Rich applies the header style under the whole row, padding included.
        header = Text(style=table.header_style or "")
        for column in table.columns:
            _add_cell(header, Text(str(column.header)), column, left, right)
        lines.append(header)
    for index in range(table.row_count):
        row = Text()
        for column in table.columns:
            cell = column._cells[index]
            assert isinstance(cell, Text)  # fix_widths took only Text cells
            _add_cell(row, cell, column, left, right)
        lines.append(row)
    return Text("\n").join(lines)


def _plain(table: Table) -> bool:
    """Nothing but padding, a header style and no-wrap columns: what `as_text` lays out."""
    return (
        table.box is None
        and table.show_header
        and not (table.title or table.caption or table.row_styles)
        and table.style in ("", "none", None)
        and not (table.show_lines or table.leading or table.min_width)
        and not any(row.style or row.end_section for row in table.rows)
        and all(
            c.no_wrap and not (c.style or c.header_style) and c.justify in _JUSTIFIED
            for c in table.columns
        )
        and all(
            not isinstance(cell, Text) or cell.justify in (None, *_JUSTIFIED)
            for c in table.columns
            for cell in c.cells
        )
    )


_JUSTIFIED = ("left", "right")


def _add_cell(row: Text, cell: Text, column: Column, left: int, right: int) -> None:
    """`cell` fitted to `column.width` as Rich renders a one-line cell (Text.wrap with
    no_wrap, then Lines.justify), between its padding, appended to `row`."""
    width = column.width or 0
    justify = cell.justify or column.justify
    overflow = cell.overflow or column.overflow or "fold"
    line = cell.copy()
    if justify == "right":
        line.rstrip()
        line.truncate(width, overflow=overflow)
        line.pad_left(width - cell_len(line.plain))
    else:  # "left" (`_plain` let no other through)
        line.truncate(width, overflow=overflow, pad=True)
    line.truncate(width, overflow=overflow)
    row.append(" " * left)
    row.append_text(line)
    # Rich pads a short line to the cell's width in the padding's style (none).
    row.append(" " * (width - line.cell_len + right))
