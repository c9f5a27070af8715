"""Detail views with time charts: latency (p50…p99 per service, the p95 SLO drawn) and
the error rate (its SLO drawn), over the selected window on a local-time axis."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import BreakerState, ErrorRate, Latency, Point
from oncall_tui.text import clean
from oncall_tui.ui.widgets.charts import Line, TimeChart
from oncall_tui.units import format_value

from .detail import DetailScreen, kv_grid

CHART_QUANTILES = ("p50", "p75", "p95", "p99")
CHART_HEIGHT = 14
MAX_SERVICES = 6


def chart(
    lines: Sequence[Line],
    span: tuple[float, float],
    unit: str,
    target: float | None = None,
    levels: Sequence[str] = (),
    height: int = CHART_HEIGHT,
) -> TimeChart:
    widget = TimeChart(classes="detail-chart")
    widget.styles.height = height
    widget.show(lines, span, unit, target, levels=levels)
    return widget


class LatencyChartScreen(DetailScreen):
    def __init__(self, latency: Latency, span: tuple[float, float]) -> None:
        super().__init__()
        self.latency = latency
        self.span = span
        window = format_duration(span[1] - span[0])
        self._panel_title = Text(f" Latency · last {window} ")

    def parts(self) -> list[RenderableType | Widget]:
        lat = self.latency
        if not lat.services:
            return [Text("No latency series in this window.")]
        # Slowest first (by p95 now): the one the reader came for.
        services = sorted(lat.services, key=lambda s: -(s.quantiles.get("p95") or 0.0))
        parts: list[RenderableType | Widget] = []
        for svc in services[:MAX_SERVICES]:
            now = "  ".join(
                f"{q} {format_value(svc.quantiles.get(q), 's')}" for q in (*CHART_QUANTILES, "max")
            )
            parts.append(self.heading(clean(svc.service, one_line=True) or "(all)"))
            parts.append(Text(now))
            lines = [Line(q, svc.history.get(q, ())) for q in CHART_QUANTILES]
            parts.append(chart(lines, self.span, "s", lat.slo_p95))
        if len(services) > MAX_SERVICES:
            parts.append(Text(f"… {len(services) - MAX_SERVICES} more services", "dim"))
        return parts


class ErrorChartScreen(DetailScreen):
    def __init__(self, errors: ErrorRate, span: tuple[float, float]) -> None:
        super().__init__()
        self.errors = errors
        self.span = span
        window = format_duration(span[1] - span[0])
        self._panel_title = Text(f" Error rate · last {window} ")

    def parts(self) -> list[RenderableType | Widget]:
        e = self.errors
        grid = kv_grid()
        grid.add_row(Text("now", "bold"), Text(format_value(e.value, "ratio")))
        grid.add_row(Text("SLO", "bold"), Text(format_value(e.slo, "ratio")))
        values = [v for _, v in e.history]
        if values:
            grid.add_row(
                Text("range", "bold"),
                Text(
                    f"{format_value(min(values), 'ratio')} – {format_value(max(values), 'ratio')}"
                ),
            )
        return [grid, chart([Line("error rate", e.history)], self.span, "ratio", e.slo)]


BREAKER_LEVELS: tuple[BreakerState, ...] = (
    BreakerState.CLOSED,
    BreakerState.HALF_OPEN,
    BreakerState.OPEN,
    BreakerState.FORCED_OPEN,
)


def breaker_chart(
    segments: Sequence[tuple[float, float, BreakerState | None]], span: tuple[float, float]
) -> TimeChart:
    """A breaker's state over time as a step line (closed at the bottom, open at the top);
    time in a state outside these four, or not known, leaves a gap."""
    points: list[Point] = []
    lines: list[Line] = []
    for start, end, state in segments:
        if state not in BREAKER_LEVELS:
            if points:
                lines.append(Line("state", tuple(points)))
                points = []
            continue
        y = float(BREAKER_LEVELS.index(state))
        points += [(start, y), (end, y)]
    if points:
        lines.append(Line("state", tuple(points)))
    return chart(lines, span, "", levels=[s.value for s in BREAKER_LEVELS], height=8)
