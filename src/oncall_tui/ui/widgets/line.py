"""Text widgets that repaint only what changed: one-line bars, panel bodies."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget, _RenderCache
from textual.widgets import Static


class TextLine(Static):
    """`show(text)` updates only when the text changed, and without a layout pass (the
    height is fixed): the bars are refreshed every second, and a layout repaints the
    screen."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(Text(""), id=id, classes=classes)
        self._text: Text | None = None

    def show(self, text: Text) -> None:
        if text == self._text:
            return
        self._text = text
        # Not laid out yet (first text before the first frame): a layout pass sizes it.
        # A hidden line (the compact layout's summary in the wide one) has no size
        # either, but needs none: a layout there re-lays the whole screen, and every
        # scrollbar is repainted with it (bytes each second for nothing). Showing it
        # again lays it out.
        self.update(text, layout=not self.size and self.display)


def changed_span(old: list[Segment], new: list[Segment]) -> tuple[int, int]:
    """The cells [x0, x1) of a line that differ between two renderings: only they
    are repainted (the segments alike at both ends are left as they are)."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    x0 = Segment.get_line_length(new[:head])
    end_old = Segment.get_line_length(old[: len(old) - tail])
    end_new = Segment.get_line_length(new[: len(new) - tail])
    # Inside the first and last segments that differ, the one-cell characters alike at
    # their ends are left too: a run of one style (a chart's blocks, a row of plain
    # text) where one number changed.
    first = _alike(old, new, head, head, from_end=False)
    x0 += first
    if len(old) - tail > head and len(new) - tail > head:
        last_old, last_new = len(old) - 1 - tail, len(new) - 1 - tail
        same = last_old == head and last_new == head  # one segment: its prefix is taken
        room = min(old[last_old].cell_length, new[last_new].cell_length) - (first if same else 0)
        alike = min(room, _alike(old, new, last_old, last_new, from_end=True))
        end_old, end_new = end_old - alike, end_new - alike
    return x0, max(end_old, end_new, x0 + 1)


def _alike(old: list[Segment], new: list[Segment], i: int, j: int, *, from_end: bool) -> int:
    """How many one-cell characters `old[i]` and `new[j]` share at their start (or end),
    in the same style; 0 where either holds a wide character or a control."""
    if i >= len(old) or j >= len(new):
        return 0
    a, b = old[i], new[j]
    if a.style != b.style or a.control or b.control:
        return 0
    if len(a.text) != a.cell_length or len(b.text) != b.cell_length:
        return 0
    x, y = (a.text[::-1], b.text[::-1]) if from_end else (a.text, b.text)
    n = 0
    for p, q in zip(x, y, strict=False):
        if p != q:
            break
        n += 1
    return n


Sized = Callable[[int, int], RenderableType]
"""What a body shows, made for a size: (its width, the height of the panel around it)."""


class Body(Widget):
    """A panel's body (a Rich renderable). The panel draws it only when its data
    changed; then only the lines that differ are repainted (Textual sends a refreshed
    region whole: over SSH a panel where one number moved would be the whole panel),
    and a layout pass only when the number of lines changed.

    A chart fitted to the width is shown with `show_sized`: the body makes it for its
    own size, at the layout that gives it one. So data that comes before the first
    layout (the head start's) is in the first frame, and a resize makes it again
    without the panel drawing twice.

    The lines are made once per change, the way Textual makes them (`Visual.to_strips`
    with the widget's style), compared with the last ones, and handed to Textual's
    render cache: a partial repaint does not render the whole body a second time. Any
    other reason to repaint (a style or theme change, a resize, a selection) goes
    through `_set_dirty`, and Textual renders afresh as usual."""

    DEFAULT_CSS = "Body { height: auto; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._renderable: RenderableType = Text("")
        self._lines: list[Strip] = []
        self._made: list[Strip] | None = None
        """The lines `show` gave Textual's render cache, until something else dirties it."""
        self._sized: Sized | None = None
        self._sized_for: tuple[int, int] | None = None
        """The (width, room) `_renderable` was made for by `_sized`."""
        self._room = 0
        """The height of the container, as the last layout gave it."""

    def render(self) -> RenderableType:
        return self._renderable

    def _render_lines(self, renderable: RenderableType) -> list[Strip]:
        width = self.size.width
        if width <= 0:
            return []
        visual = visualize(self, renderable, markup=self._render_markup)
        return Visual.to_strips(self, visual, width, None, self.visual_style)

    def show(self, renderable: RenderableType) -> None:
        self._sized = None
        self._show(renderable)

    def show_sized(self, make: Sized) -> None:
        """Show what `make(width, room)` makes for this body's width and the height of
        its container (`room`): now when laid out, else at the first layout."""
        self._sized = make
        width = self.size.width
        if not width:
            self._sized_for = None
            self.refresh(layout=True)  # made in get_content_height, for the size it gets
            return
        self._sized_for = (width, self._room)
        self._show(make(width, self._room))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Every layout that sizes this body asks (a resize too): made again for a new size.
        self._room = container.height
        make = self._sized
        if make is not None and width and self._sized_for != (width, container.height):
            self._sized_for = (width, container.height)
            self._renderable = make(width, container.height)
            self._layout_cache.pop("_render.visual", None)  # Textual's visual of the old one
            self.clear_cached_dimensions()
        return super().get_content_height(container, viewport, width)

    def _show(self, renderable: RenderableType) -> None:
        self._renderable = renderable
        old, new = self._lines, self._render_lines(renderable)
        self._lines = new
        if not new or len(old) != len(new):
            self.refresh(layout=True)
            return
        changed = [
            Region(x0, y, x1 - x0, 1)
            for y, (a, b) in enumerate(zip(old, new, strict=True))
            if a != b
            for x0, x1 in [changed_span(list(a), list(b))]
        ]
        if changed:
            self.refresh(*changed)
            if len(new) == self.size.height:  # else cut to its height: Textual renders it
                self._render_cache = _RenderCache(self.size, new)
                self._made = new

    def _set_dirty(self, *regions: Region) -> None:
        self._made = None  # repainted for another reason: Textual renders it again
        super()._set_dirty(*regions)

    def render_line(self, y: int) -> Strip:
        if self._made is not None and self._made is self._render_cache.lines:
            if self._render_cache.size == self.size:
                self._dirty_regions.clear()  # the cache holds what show() made
            self._made = None
        return super().render_line(y)

    def on_resize(self) -> None:
        self._lines = self._render_lines(self._renderable)
