"""A `[[panels]]` entry on the overview's second page: stat, sparkline, bars, table or
chart of any PromQL. A failed query shows Prometheus' own error in this panel only.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from oncall_tui.model.snapshot import PanelData, PanelValue, Snapshot
from oncall_tui.ui.widgets.charts import Line, TimeChart
from oncall_tui.ui.widgets.format import Palette, txt
from oncall_tui.ui.widgets.panel import Panel
from oncall_tui.ui.widgets.sparkline import sparkline, window_span
from oncall_tui.units import format_value

LEVELS = {"ok": "ok", "warn": "warn", "crit": "bad"}


def level_style(level: str | None, palette: Palette) -> Style | str:
    return palette.level(LEVELS[level]) if level in LEVELS else ""


def _name_width(data: PanelData, width: int) -> int:
    longest = max((len(v.name) for v in data.values), default=0)
    return max(4, min(longest, width // 3))


def stat_text(data: PanelData, palette: Palette, width: int) -> Text:
    out = Text()
    single = len(data.values) == 1
    name_w = _name_width(data, width)
    for i, v in enumerate(data.values):
        if i:
            out.append("\n")
        value = Text(format_value(v.value, data.unit), level_style(v.level, palette))
        value.stylize(Style(bold=True))
        if not single:
            out.append_text(txt(v.name[:name_w].ljust(name_w) + " ", "dim"))
        out.append_text(value)
    return out


def _value_rows(
    data: PanelData, palette: Palette, width: int, middle: Callable[[PanelValue, int], Text]
) -> Text:
    """One line per series: its name, `middle` (a bar, a sparkline) in the room left,
    then its value; the layout the bars and sparkline kinds share."""
    name_w = _name_width(data, width)
    shown = [format_value(v.value, data.unit) for v in data.values]
    value_w = max((len(s) for s in shown), default=1)
    middle_w = max(1, width - name_w - value_w - 2)
    out = Text()
    for i, (v, text) in enumerate(zip(data.values, shown, strict=True)):
        if i:
            out.append("\n")
        out.append_text(txt(v.name[:name_w].ljust(name_w) + " "))
        cell = middle(v, middle_w)
        out.append_text(cell)
        out.append(" " * max(0, middle_w - cell.cell_len))
        out.append(" " + text.rjust(value_w), level_style(v.level, palette))
    return out


def bars_text(data: PanelData, palette: Palette, width: int) -> Text:
    values = [v.value for v in data.values if v.value is not None]
    top = max((abs(x) for x in values), default=0.0)

    def bar(v: PanelValue, bar_w: int) -> Text:
        cells = 0
        if v.value and top > 0:  # a non-zero value keeps at least one cell
            cells = max(1, round(abs(v.value) / top * bar_w))
        style = level_style(v.level, palette) or palette.style("severity-info")
        return Text(("▇" * cells).ljust(bar_w), style)

    return _value_rows(data, palette, width, bar)


def sparklines_text(
    data: PanelData, palette: Palette, width: int, span: tuple[float, float]
) -> Text:
    def spark(v: PanelValue, spark_w: int) -> Text:
        return sparkline(v.points, spark_w, span=span, ok=palette.style("severity-info"))

    return _value_rows(data, palette, width, spark)


def table_view(data: PanelData, palette: Palette) -> Table:
    table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, expand=False)
    for name in data.label_columns:
        table.add_column(txt(name, "bold"), no_wrap=True, overflow="ellipsis", max_width=24)
    for name in data.columns:
        table.add_column(txt(name, "bold"), justify="right", no_wrap=True)
    for v in data.values:
        cells = [txt(v.labels.get(name, "")) for name in data.label_columns]
        for name, unit in zip(data.columns, data.column_units, strict=True):
            style = level_style(v.levels.get(name), palette)
            cells.append(Text(format_value(v.cells.get(name), unit), style))
        table.add_row(*cells)
    return table


class CustomPanel(Panel):
    """Panel number `index` of the config's `[[panels]]` (its data: snapshot.panels)."""

    SECTION = "panels"

    def __init__(
        self,
        clock: Callable[[], float],
        index: int,
        title: str,
        kind: str,
        *,
        id: str,
        wide: bool = False,
    ) -> None:
        super().__init__(clock, id=id)
        self.set_class(wide, "-wide")
        self.index = index
        self.kind = kind
        self.TITLE = title
        self.border_title = title
        self.add_class(f"-kind-{kind}")
        self.body = Static(Text(""), classes="custom-body")
        self.chart: TimeChart | None = TimeChart() if kind == "chart" else None
        self._drawn: object = None

    def compose(self) -> ComposeResult:
        yield self.body
        if self.chart is not None:
            yield self.chart

    def data(self, snapshot: Snapshot) -> PanelData | None:
        items = snapshot.panels.items
        return items[self.index] if self.index < len(items) else None

    def render_snapshot(self, snapshot: Snapshot) -> None:
        data = self.data(snapshot)
        width = max(10, self.content_size.width or 38)
        # Unchanged data at the same size (most polls of a slow metric): no repaint.
        key = (data, width, window_span(snapshot), self.app.theme)
        if key == self._drawn:
            return
        self._drawn = key
        palette = self.palette
        if data is None:
            self.body.update(Text("waiting for data", "dim"))
            return
        if not data.ok:
            self.body.display = True
            if self.chart is not None:
                self.chart.display = False
            # Prometheus' own words: the user fixes the query with them.
            self.body.update(txt(f"query failed: {data.error}", palette.level("bad"), False))
            return
        if self.chart is not None:
            self.chart.display = True
            self.body.display = not data.values
            if not data.values:
                self.body.update(Text("no series", "dim"))
            lines = [Line(v.name, v.points) for v in data.values[:6]]
            self.chart.show(lines, window_span(snapshot), data.unit)
            return
        if not data.values:
            self.body.update(Text("no series", "dim"))
            return
        if data.kind == "stat":
            content: Text | Table = stat_text(data, palette, width)
        elif data.kind == "bars":
            content = bars_text(data, palette, width)
        elif data.kind == "sparkline":
            content = sparklines_text(data, palette, width, window_span(snapshot))
        else:
            content = table_view(data, palette)
        self.body.update(content)
