"""A table whose widths `fix_widths` gave renders exactly as the measured one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text

from oncall_tui.ui.widgets.sized_table import as_text, fix_widths

cell = st.text(alphabet="ab ▁█≤é漢…-", max_size=14)


def make(rows: list[list[str]], max_name: int) -> Table:
    table = Table(box=None, padding=(0, 1, 0, 0), expand=False, show_edge=False)
    table.add_column("service", no_wrap=True, max_width=max_name, overflow="ellipsis")
    table.add_column("p50", justify="right", no_wrap=True, min_width=5)
    table.add_column("  p95 trend", no_wrap=True)
    for row in rows:
        table.add_row(*(Text(c, style="bold" if i == 1 else "") for i, c in enumerate(row)))
    return table


def lines(table: Table | Text, width: int) -> list[list[object]]:
    console = Console(width=width, color_system="truecolor")
    return console.render_lines(table, console.options.update_width(width), pad=False)  # type: ignore[return-value]


@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), max_size=5),
    max_name=st.integers(1, 12),
    width=st.integers(10, 60),
)
def test_fixed_widths_render_as_measured(rows: list[list[str]], max_name: int, width: int) -> None:
    measured = make(rows, max_name)
    fixed = make(rows, max_name)
    if fix_widths(fixed, width):
        assert [c.width for c in fixed.columns] != [None] * 3
    assert lines(fixed, width) == lines(measured, width)


def test_what_it_cannot_size_it_leaves_to_rich() -> None:
    wrapped = make([["a\nb", "1", "x"]], 8)
    assert not fix_widths(wrapped, 80)
    too_wide = make([["a" * 30, "1", "x" * 40]], 30)
    assert not fix_widths(too_wide, 40)
    assert [c.width for c in too_wide.columns] == [None] * 3
    fits = make([["api", "12", "▁▂"]], 8)
    assert fix_widths(fits, 80)
    assert [c.width for c in fits.columns] == [7, 5, 11]  # "service", min 5, the header


def styled(plain: str, base: str, span: str) -> Text:
    """A base style and a span over the first half, as the panels make their cells."""
    out = Text(plain, style=base)
    out.stylize(span, 0, len(plain) // 2)
    return out


def cells(renderable: Table | Text, width: int) -> list[list[tuple[str, Style]]]:
    """Each line's characters with their style: what the terminal shows (Rich splits
    a line into segments differently for a Table and a Text)."""
    return [
        [(ch, seg.style or Style.null()) for seg in line for ch in seg.text]
        for line in lines(renderable, width)
    ]


styles = st.sampled_from(["", "bold", "red", "dim italic", "on blue"])


@given(
    rows=st.lists(st.lists(st.tuples(cell, styles, styles), min_size=3, max_size=3), max_size=5),
    max_name=st.integers(1, 12),
    width=st.integers(10, 60),
)
def test_as_text_shows_what_the_table_shows(
    rows: list[list[tuple[str, str, str]]], max_name: int, width: int
) -> None:
    def table() -> Table:
        made = make([], max_name)
        for row in rows:
            made.add_row(*(styled(*c) for c in row))
        return made

    text = as_text(table(), width)
    if isinstance(text, Table):
        assert not fix_widths(table(), width)  # only what Rich must shrink is left to it
        return
    assert cells(text, width) == cells(table(), width)


def test_as_text_leaves_what_it_does_not_lay_out_to_rich() -> None:
    centred = make([["api", "12", "▁▂"]], 8)
    centred.columns[1].justify = "center"
    assert isinstance(as_text(centred, 80), Table)
    striped = make([["api", "12", "▁▂"]], 8)
    striped.row_styles = ["dim", ""]
    assert isinstance(as_text(striped, 80), Table)
    assert isinstance(as_text(make([["api", "12", "▁▂"]], 8), 80), Text)
