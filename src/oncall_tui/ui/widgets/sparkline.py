"""A one-line sparkline as Rich `Text`, each cell coloured against a threshold.

Textual's Sparkline widget colours by a min-max gradient; an on-call view needs
"above the SLO" to stand out, so this one colours each cell by its value vs the target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from oncall_tui.model.snapshot import Point

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


def sparkline(
    points: Sequence[Point],
    width: int,
    threshold: float | None = None,
    ok: Style | str = "",
    warn: Style | str = "",
    bad: Style | str = "",
    warn_at: float = 0.8,
) -> Text:
    """Cells from the lowest block (0) to the full block (the largest of the values and
    the threshold, so a flat line under the SLO stays low). Without data: empty Text."""
    values = resample([p[1] for p in points], width)
    if not values:
        return Text("")
    top = max(max(values), threshold or 0.0)
    out = Text()
    for v in values:
        idx = 0 if top <= 0 else min(len(BLOCKS) - 1, int(v / top * (len(BLOCKS) - 1) + 0.5))
        if threshold is not None and v > threshold:
            style = bad
        elif threshold is not None and v > threshold * warn_at:
            style = warn
        else:
            style = ok
        out.append(BLOCKS[max(0, idx)], style=style)
    return out


def bar_chart(
    points: Sequence[Point],
    width: int,
    height: int,
    threshold: float | None = None,
    ok: Style | str = "",
    warn: Style | str = "",
    bad: Style | str = "",
    warn_at: float = 0.8,
) -> Text:
    """A sparkline `height` rows tall (eighth-block resolution), same colouring."""
    values = resample([p[1] for p in points], width)
    if not values or height < 1:
        return Text("")
    top = max(max(values), threshold or 0.0)
    eighths = [0 if top <= 0 else round(max(0.0, v) / top * height * 8) for v in values]
    styles = [
        bad
        if threshold is not None and v > threshold
        else warn
        if threshold is not None and v > threshold * warn_at
        else ok
        for v in values
    ]
    out = Text()
    for row in range(height - 1, -1, -1):
        for e, style in zip(eighths, styles, strict=True):
            fill = e - row * 8
            if fill >= 8:
                out.append("█", style=style)
            elif fill > 0:
                out.append(BLOCKS[fill - 1], style=style)
            else:
                out.append(" ")
        if row:
            out.append("\n")
    return out
