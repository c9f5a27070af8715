"""Latency panel: p50..max per service in ms, coloured against the p95 SLO, with a
sparkline of p95 over the window. `max` is what a histogram can tell: the upper bound
of the highest non-empty bucket ("≤2500"), or ">5000" past the last finite bound."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType

from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import QUANTILES, Latency, Snapshot
from oncall_tui.render.text_out import max_bound
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.widgets.format import Palette, level_vs_target, ms, txt
from oncall_tui.ui.widgets.line import Body
from oncall_tui.ui.widgets.panel import Panel
from oncall_tui.ui.widgets.sized_table import as_text
from oncall_tui.ui.widgets.sparkline import sparkline, window_span

QUANTILE_NAMES = [name for name, _ in QUANTILES]
SPARK_GAP = "  "


def latency_table(
    latency: Latency, palette: Palette, width: int, span: tuple[float, float] | None = None
) -> Table | Text:
    if not latency.services:
        return Text("no latency series", style="dim")
    slo = latency.slo_p95
    name_w = min(max(len(s.service) for s in latency.services), max(8, width // 4))
    fixed = name_w + 6 * len(QUANTILE_NAMES) + 2 + len(SPARK_GAP)
    spark_w = width - fixed - 1
    table = Table(box=None, padding=(0, 1, 0, 0), expand=False, show_edge=False)
    table.add_column("service", no_wrap=True, max_width=name_w, overflow="ellipsis")
    for name in QUANTILE_NAMES:
        table.add_column(name, justify="right", no_wrap=True, min_width=5)
    if spark_w >= 6:
        # Set apart from "max" so the two headers do not read as one ("max p95 trend").
        table.add_column(SPARK_GAP + "p95 trend", no_wrap=True)
    for svc in latency.services:
        cells: list[Text] = [txt(svc.service)]
        for name in QUANTILE_NAMES:
            value = svc.quantiles.get(name)
            # The SLO is on p95; lower quantiles over it are just as alarming.
            if name == "max":
                cells.append(Text(max_bound(value, svc.max_unbounded)))
                continue
            level = level_vs_target(value, slo)
            style = palette.level(level) if level != "ok" or name == "p95" else ""
            cells.append(Text(ms(value), style=style))
        if spark_w >= 6:
            cells.append(
                Text(SPARK_GAP)
                + sparkline(
                    svc.history.get("p95", ()),
                    spark_w,
                    slo,
                    ok=palette.level("ok"),
                    warn=palette.level("warn"),
                    bad=palette.level("bad"),
                    span=span,
                )
            )
        table.add_row(*cells)
    # Drawn every poll: as one Text where it fits (the same cells, without Rich's
    # table layout, which was most of this panel's CPU).
    return as_text(table, width)


def latency_bars(latency: Latency, palette: Palette, width: int) -> Text:
    """The slowest service's quantiles as bars, like the static page's "Response Times"."""
    known = [s for s in latency.services if s.quantiles.get("p95") is not None]
    if not known:
        return Text("")
    svc = max(known, key=lambda s: s.quantiles.get("p95") or 0.0)
    values = [svc.quantiles.get(name) for name in QUANTILE_NAMES]
    top = max((v for v in values if v is not None), default=0.0)
    out = Text("slowest: ", style="dim").append_text(txt(svc.service, "bold"))
    bar_w = max(0, width - 14)  # after "├─ p99: 1236 "
    for i, (name, value) in enumerate(zip(QUANTILE_NAMES, values, strict=True)):
        branch = "└─" if i == len(values) - 1 else "├─"
        shown = max_bound(value, svc.max_unbounded) if name == "max" else ms(value)
        out.append(f"\n{branch} {name}:{shown:>5} ", style="dim")
        level = level_vs_target(value, latency.slo_p95) if name != "max" else "ok"
        cells = 0 if value is None or top <= 0 else max(1, round(value / top * bar_w))
        out.append("▓" * cells, style=palette.level(level))
    return out


class LatencyPanel(Panel):
    TITLE = "Latency (ms)"
    SECTION = "latency"
    SIZED_BY_BODIES = True
    BINDINGS: ClassVar[list[BindingType]] = bindings("charts")  # Enter: the chart

    def detail_subject(self) -> Latency | None:
        return self.snapshot.latency if self.snapshot is not None else None

    def compose(self) -> ComposeResult:
        yield Body(id="latency-table")
        yield Body(id="latency-bars")

    def title_text(self) -> str:
        slo = self.snapshot.latency.slo_p95 if self.snapshot else None
        return self.TITLE + (f" · SLO p95 {format_duration(slo)}" if slo else "")

    def render_snapshot(self, snapshot: Snapshot) -> None:
        latency, palette, span = snapshot.latency, self.palette, window_span(snapshot)
        self.query_one("#latency-table", Body).show_sized(
            lambda width, _room: latency_table(latency, palette, max(20, width), span)
        )
        self.query_one("#latency-bars", Body).show_sized(
            lambda width, _room: latency_bars(latency, palette, max(20, width))
        )
