"""Time charts with axes (plotext through textual-plotext), for wherever a reader needs
times and values: the custom `chart` panels and the latency, error-rate and breaker
detail views. The overview keeps its one-line sparklines.

`TimeChart.show(...)` takes plain data and draws only when it differs from what is
drawn. The time axis is the local wall clock; a target (an SLO) is drawn as a line of
its own with its value in the legend. Series names are outside text: cleaned before
plotext sees them (its output is read back from ANSI, so an escape in a label would
otherwise reach the screen).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from textual_plotext import PlotextPlot

from oncall_tui.model.snapshot import Point
from oncall_tui.text import clean
from oncall_tui.units import format_value

SERIES_COLORS: tuple[tuple[int, int, int], ...] = (
    (62, 159, 224),  # blue
    (48, 164, 108),  # green
    (245, 165, 36),  # amber
    (171, 107, 222),  # violet
    (0, 180, 180),  # teal
    (229, 72, 77),  # red
)
TARGET_COLOR = (229, 72, 77)


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    points: tuple[Point, ...]


def time_ticks(start: float, end: float, count: int) -> tuple[list[float], list[str]]:
    """`count` evenly spaced ticks over [start, end], labelled in local time: HH:MM
    within a day, "MM-DD HH:MM" over longer spans."""
    count = max(2, count)
    fmt = "%H:%M" if end - start <= 86400 else "%m-%d %H:%M"
    ticks = [start + (end - start) * i / (count - 1) for i in range(count)]
    return ticks, [time.strftime(fmt, time.localtime(t)) for t in ticks]


def value_ticks(low: float, high: float, unit: str, count: int) -> tuple[list[float], list[str]]:
    if not (math.isfinite(low) and math.isfinite(high)):
        return [], []
    if high <= low:
        high = low + (abs(low) or 1.0)
    count = max(2, count)
    ticks = [low + (high - low) * i / (count - 1) for i in range(count)]
    return ticks, [format_value(t, unit) for t in ticks]


class TimeChart(PlotextPlot):
    """A chart of lines over a time span, with a target line."""

    DEFAULT_CSS = """
    TimeChart {
        height: 1fr;
        min-height: 6;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._drawn: object = None
        self._args: tuple[
            tuple[Line, ...], tuple[float, float], str, float | None, str, tuple[str, ...]
        ] = ((), (0.0, 1.0), "", None, "", ())

    def show(
        self,
        lines: Sequence[Line],
        span: tuple[float, float],
        unit: str = "",
        target: float | None = None,
        target_label: str = "SLO",
        levels: Sequence[str] = (),
    ) -> None:
        """Draw `lines` over `span`; `levels` names the y values 0, 1, 2... (a state
        chart) instead of numbers."""
        args = (tuple(lines), span, unit, target, target_label, tuple(levels))
        if args == self._drawn:
            return
        self._drawn = self._args = args
        self.refresh()

    def render(self):  # type: ignore[no-untyped-def]
        self._draw()
        return super().render()

    def _draw(self) -> None:
        lines, span, unit, target, target_label, levels = self._args
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        start, end = span
        ys: list[float] = []
        names: list[str] = []  # pieces of one series (a gap between) share colour and label
        # One series and no target: nothing for a legend to tell apart.
        legend = len({line.name for line in lines}) > 1 or target is not None
        for line in lines:
            pts = [(t, v) for t, v in line.points if math.isfinite(v) and start <= t <= end]
            if not pts:
                continue
            ys += [v for _, v in pts]
            first = line.name not in names
            if first:
                names.append(line.name)
            plt.plot(
                [t for t, _ in pts],
                [v for _, v in pts],
                label=(clean(line.name, one_line=True)[:40] or " ") if first and legend else None,
                marker="braille",
                color=SERIES_COLORS[names.index(line.name) % len(SERIES_COLORS)],
            )
        if target is not None and math.isfinite(target):
            ys.append(target)
            plt.plot(
                [start, end],
                [target, target],
                label=f"{target_label} {format_value(target, unit)}",
                marker="braille",
                color=TARGET_COLOR,
            )
        width, height = self.size.width, self.size.height
        plt.xlim(start, end)
        xt, xl = time_ticks(start, end, max(2, min(6, width // 14)))
        plt.xticks(xt, xl)
        if levels:
            plt.ylim(-0.2, len(levels) - 0.8)
            plt.yticks(list(range(len(levels))), [clean(x, one_line=True) for x in levels])
        elif ys:
            low, high = min(0.0, min(ys)), max(ys)
            if high <= low:
                high = low + (abs(low) or 1.0)
            plt.ylim(low, high * 1.05 if high > 0 else high)
            count = max(2, min(5, height // 3))
            yt, yl = value_ticks(low, high, unit, count)
            if target is not None and math.isfinite(target):
                # The target gets a tick of its own, so its line reads against its value.
                near = (high - low) / (2 * count)
                kept = [(y, lbl) for y, lbl in zip(yt, yl, strict=True) if abs(y - target) > near]
                kept.append((target, format_value(target, unit)))
                kept.sort()
                yt, yl = [y for y, _ in kept], [lbl for _, lbl in kept]
            plt.yticks(yt, yl)
        if not ys:
            plt.title("no data in this window")
