"""The health score in big figures drawn with full and half blocks (█ ▀ ▄).

Textual's `Digits` draws thin box-drawing strokes, which many fonts (and SVG
screenshots) render as hollow outlines and which a 256-colour terminal shows as faint
lines; solid blocks read as a number at a glance in any of them.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

GLYPHS: dict[str, tuple[str, str, str]] = {
    "0": ("█▀█", "█ █", "▀▀▀"),
    "1": ("▀█ ", " █ ", "▀▀▀"),
    "2": ("▀▀█", "█▀▀", "▀▀▀"),
    "3": ("▀▀█", " ▀█", "▀▀▀"),
    "4": ("█ █", "▀▀█", "  ▀"),
    "5": ("█▀▀", "▀▀█", "▀▀▀"),
    "6": ("█▀▀", "█▀█", "▀▀▀"),
    "7": ("▀▀█", "  █", "  ▀"),
    "8": ("█▀█", "█▀█", "▀▀▀"),
    "9": ("█▀█", "▀▀█", "▀▀▀"),
    ".": (" ", " ", "▀"),
    "%": (" ", " ", "%"),
    "—": ("   ", "▀▀▀", "   "),
    "-": ("   ", "▀▀▀", "   "),
    " ": (" ", " ", " "),
}


def big_lines(value: str) -> tuple[str, str, str]:
    """`value` as three rows of blocks; a character without a glyph is left out."""
    glyphs = [GLYPHS[c] for c in value if c in GLYPHS]
    rows = tuple(" ".join(g[row] for g in glyphs) for row in range(3))
    return rows[0], rows[1], rows[2]


class BigNumber(Static):
    """Three lines of block figures; the colour comes from CSS (`color`)."""

    def __init__(self, value: str = "—", *, id: str | None = None, classes: str = "") -> None:
        super().__init__(Text("\n".join(big_lines(value))), id=id, classes=classes)
        self.value = value

    def show(self, value: str) -> None:
        if value != self.value:
            # Always three lines; only a change of width ("97.2%" -> "100.0%", CSS
            # width: auto) needs a layout, which re-lays the whole screen.
            before = big_lines(self.value)[0]
            self.value = value
            lines = big_lines(value)
            wider = len(lines[0]) != len(before) or not self.size
            self.update(Text("\n".join(lines)), layout=wider)
