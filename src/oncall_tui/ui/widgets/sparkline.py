"""A one-line sparkline as Rich `Text`, each cell coloured against a threshold.

Textual's Sparkline widget colours by a min-max gradient; an on-call view needs
"above the SLO" to stand out, so this one colours each cell by its value vs the target.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from oncall_tui.model.snapshot import Point, Snapshot

BLOCKS = "▁▂▃▄▅▆▇█"


def resample(values: Sequence[float], width: int) -> list[float]:
    """`values` squeezed (max of each bucket, so spikes survive) or kept to `width`."""
    finite = [v for v in values if math.isfinite(v)]
    if width <= 0 or not finite:
        return []
    if len(finite) <= width:
        return finite
    out: list[float] = []
    for i in range(width):
        lo = i * len(finite) // width
        hi = max(lo + 1, (i + 1) * len(finite) // width)
        out.append(max(finite[lo:hi]))
    return out


def resample_in_time(
    points: Sequence[Point], width: int, span: tuple[float, float]
) -> list[float | None]:
    """`width` cells over the time `span` (start, end): each cell the max of the points
    that fall in its slice of time, None where there are none. A history that only began
    a few minutes ago sits at the right end, and a gap (source down) stays a gap."""
    start, end = span
    if width <= 0 or end <= start:
        return []
    cells: list[float | None] = [None] * width
    times = sorted(at for at, _ in points)
    gaps = sorted(b - a for a, b in itertools.pairwise(times) if b > a)
    # A sample stands for the step before it: coarse samples on a fine axis fill their
    # cells instead of leaving every other one blank. A missing sample stays a gap.
    step = gaps[len(gaps) // 2] if gaps else 0.0
    scale = width / (end - start)
    for at, v in points:
        if not math.isfinite(v) or not start <= at <= end:
            continue
        last = min(width - 1, int((at - start) * scale))
        first = max(0, min(last, int((at - step - start) * scale) + 1))
        for i in range(first, last + 1):
            prev = cells[i]
            cells[i] = v if prev is None else max(prev, v)
    return cells if any(c is not None for c in cells) else []


def window_span(snapshot: Snapshot) -> tuple[float, float]:
    """The time axis of the overview's charts: the selected window, ending at the poll."""
    return (snapshot.taken_at - snapshot.window_s, snapshot.taken_at)


def _cells(
    points: Sequence[Point], width: int, span: tuple[float, float] | None
) -> list[float | None]:
    if span is None:
        return list(resample([p[1] for p in points], width))
    return resample_in_time(points, width, span)


class Runs:
    """Cells added one by one, written as runs of one style: a chart's few hundred cells
    become a few spans, not one each. Each span is a segment that is converted, drawn
    and compared again at every poll that moves the chart; the cells are the same."""

    def __init__(self) -> None:
        self._out = Text()
        self._run: list[str] = []
        self._style: Style | str = ""

    def add(self, chars: str, style: Style | str = "") -> None:
        if style != self._style:
            self._flush()
            self._style = style
        self._run.append(chars)

    def _flush(self) -> None:
        if self._run:
            self._out.append("".join(self._run), style=self._style or None)
            self._run = []

    def text(self) -> Text:
        self._flush()
        return self._out


def sparkline(
    points: Sequence[Point],
    width: int,
    threshold: float | None = None,
    ok: Style | str = "",
    warn: Style | str = "",
    bad: Style | str = "",
    warn_at: float = 0.8,
    span: tuple[float, float] | None = None,
) -> Text:
    """Cells from the lowest block (0) to the full block (the largest of the values and
    the threshold, so a flat line under the SLO stays low). Without data: empty Text.
    With `span` the cells are placed on that time axis (see `resample_in_time`)."""
    values = _cells(points, width, span)
    if not values:
        return Text("")
    top = max(max(v for v in values if v is not None), threshold or 0.0)
    out = Runs()
    for v in values:
        if v is None:
            out.add(" ")
            continue
        idx = 0 if top <= 0 else min(len(BLOCKS) - 1, int(v / top * (len(BLOCKS) - 1) + 0.5))
        if threshold is not None and v > threshold:
            style = bad
        elif threshold is not None and v > threshold * warn_at:
            style = warn
        else:
            style = ok
        out.add(BLOCKS[max(0, idx)], style)
    return out.text()


def bar_chart(
    points: Sequence[Point],
    width: int,
    height: int,
    threshold: float | None = None,
    ok: Style | str = "",
    warn: Style | str = "",
    bad: Style | str = "",
    warn_at: float = 0.8,
    span: tuple[float, float] | None = None,
) -> Text:
    """A sparkline `height` rows tall (eighth-block resolution), same colouring."""
    values = _cells(points, width, span)
    if not values or height < 1:
        return Text("")
    top = max(max(v for v in values if v is not None), threshold or 0.0)
    eighths = [
        0 if v is None or top <= 0 else round(max(0.0, v) / top * height * 8) for v in values
    ]
    styles = [
        ok
        if v is None
        else bad
        if threshold is not None and v > threshold
        else warn
        if threshold is not None and v > threshold * warn_at
        else ok
        for v in values
    ]
    out = Runs()
    for row in range(height - 1, -1, -1):
        for e, style in zip(eighths, styles, strict=True):
            fill = e - row * 8
            if fill >= 8:
                out.add("█", style)
            elif fill > 0:
                out.add(BLOCKS[fill - 1], style)
            else:
                out.add(" ")
        if row:
            out.add("\n")
    return out.text()
