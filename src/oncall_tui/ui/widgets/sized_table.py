"""Rich tables whose column widths are given, not measured.

Rich sizes a table by measuring every cell (a Padding around each, then the Text): on
the latency panel that is a third of the table's render, every poll. For a table of
one-line Text cells the widths it would find are known at once: each column's widest
cell (its header included), within the column's min / max width. `fix_widths` sets
them as the columns' widths when they fit, so Rich measures nothing and lays the table
out as it would have (a table wider than the room is left to Rich's own shrinking).
"""

from __future__ import annotations

from rich.table import Table
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
