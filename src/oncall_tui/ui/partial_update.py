"""Fewer bytes per partial repaint: what a live screen writes to the terminal.

Textual 8.2 writes a changed region from the left edge of the widget it lies in
(`ChopsUpdate.render_segments` crops a widget's line at the end only): one "Since" cell
that ticked repaints its whole table row up to that cell, and over SSH that is every
byte of the row. It also writes every segment as its full SGR + text + reset, even
when the next segment has the same style.

`TrimmedCompositor` writes the same cells from the segment that holds the region's
first cell (never splitting a wide character) and emits a style only when it changes
(`ESC[0;...m` sets every attribute, so no reset is needed between segments). What the
terminal shows is the same; the tests compare screens cell by cell.

It also renders fewer widgets for a partial update. Textual renders every widget that
overlaps the box around all the changed regions, whole: a poll changes a cell in each
panel, so that box is the screen, and every table, line and border of it was rendered
(from its caches) to write none of it. Only the widgets that overlap a changed region
are rendered now; a line of another widget is never written (the spans are the changed
regions), so what is written is the same.

It is installed on the long-lived screens (`use_trimmed_updates`); Textual is pinned to
8.2 (pyproject), whose compositor it extends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.reactive import Reactive
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

__all__ = [
    "TrimmedChopsUpdate",
    "TrimmedCompositor",
    "focus_without_repaint",
    "render_run",
    "use_trimmed_updates",
]

RESET = "\x1b[0m"


def render_run(segments: list[Segment], color_system: ColorSystem) -> str:
    """`segments` (one stretch of a line) as terminal sequences: a style is written
    when it differs from the previous one, and reset at the end."""
    out: list[str] = []
    append = out.append
    current = ""  # SGR parameters in force ("" = default)
    ansi_of = Strip.render_ansi
    for text, style, control in segments:
        if control:
            continue
        if style is None:
            ansi = ""
        else:
            ansi = style._ansi if style._ansi is not None else ansi_of(style, color_system)
            if style._link:
                # Hyperlinks: Textual's own form (OSC 8 around a styled run).
                if current:
                    append(RESET)
                    current = ""
                append(Strip.render_style(style, text, color_system))
                continue
        if ansi != current:
            append(f"\x1b[0;{ansi}m" if ansi else RESET)
            current = ansi
        append(text)
    if current:
        append(RESET)
    return "".join(out)


def _start_at(strip: Strip, skip_to: int) -> int:
    """Where writing can start, at or before `skip_to`: `skip_to` itself inside a run of
    one-cell characters (a chart's run of blocks, a row of plain text), else the start
    of the segment holding it (never splitting a wide character)."""
    x = 0
    for segment in strip:
        width = segment.cell_length
        if x + width > skip_to:
            if not segment.control and len(segment.text) == width:
                return skip_to
            break
        x += width
    return x


class TrimmedChopsUpdate(ChopsUpdate):
    def render_segments(self, console: Console) -> str:
        color_system = console._color_system or ColorSystem.TRUECOLOR
        sequences: list[str] = []
        append = sequences.append
        chops = self.chops
        chop_ends = self.chop_ends
        last_y = self.spans[-1][0]
        for y, x1, x2 in self.spans:
            line = chops[y]
            ends = chop_ends[y]
            for end, (x, strip) in zip(ends, line.items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                start = _start_at(strip, x1 - x) if x < x1 else 0
                stop = min(end, x2) - x
                if start or stop < strip.cell_length:
                    strip = strip.crop(start, stop)
                append(f"\x1b[{y + 1};{x + start + 1}H")
                append(render_run(list(strip), color_system))
            if y != last_y:
                append("\n")
        return "".join(sequences)


class TrimmedCompositor(Compositor):
    _updated: list[Region] | None = None
    """The regions of the partial update being rendered (else None: render all)."""

    def render_partial_update(self) -> ChopsUpdate | None:
        self._updated = list(self._dirty_regions)  # Textual clears them as it starts
        try:
            update = super().render_partial_update()
        finally:
            self._updated = None
        if update is None:
            return None
        return TrimmedChopsUpdate(update.chops, update.spans, update.chop_ends)

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        """Textual 8.2's, but in a partial update only the widgets that overlap one of
        its regions are rendered."""
        updated = self._updated
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if not shown.area or (crop is not None and not crop.overlaps(clip)):
                continue
            if updated is not None and not any(shown.overlaps(r) for r in updated):
                continue  # none of its lines is written
            yield region, clip, widget.render_lines(shown.translate(-region.offset))


def focus_without_repaint() -> Reactive[Widget | None]:
    """`Screen.focused` for the long-lived screens, repainting nothing by itself.

    Textual's repaints the whole screen at every focus move; only the two widgets whose
    :focus styles change need it, and they repaint on their own. With 5,000 alerts the
    whole repaint made Tab take ~0.2 s, and over SSH it rewrote every cell."""
    return Reactive(None, repaint=False)


def use_trimmed_updates(screen: Screen[Any]) -> None:
    """Make `screen` write its partial repaints with `TrimmedCompositor` (before it is
    first shown: the compositor holds the screen's layout)."""
    screen._compositor = TrimmedCompositor()
