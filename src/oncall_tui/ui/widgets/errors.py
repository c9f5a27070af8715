"""Error-rate panel: the current ratio vs the SLO and a sparkline over the window."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType

from oncall_tui.model.snapshot import ErrorRate, Snapshot
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.widgets.format import Palette, level_vs_target, pct
from oncall_tui.ui.widgets.line import Body
from oncall_tui.ui.widgets.panel import Panel
from oncall_tui.ui.widgets.sparkline import bar_chart, window_span


def errors_text(
    errors: ErrorRate,
    palette: Palette,
    width: int,
    height: int = 1,
    span: tuple[float, float] | None = None,
) -> Text:
    level = level_vs_target(errors.value, errors.slo)
    out = Text()
    out.append(pct(errors.value, 2), style=palette.level(level) + Style(bold=True))
    if errors.slo is not None:
        out.append(f"  SLO {pct(errors.slo, 2)}", style="dim")
    out.append("\n")
    line = bar_chart(
        errors.history,
        width,
        height,
        errors.slo,
        ok=palette.level("ok"),
        warn=palette.level("warn"),
        bad=palette.level("bad"),
        span=span,
    )
    out.append_text(line if line.plain else Text("no history in this window", style="dim"))
    values = [v for _, v in errors.history if v == v]
    if values:
        out.append(f"\nmin {pct(min(values), 2)}  max {pct(max(values), 2)}", style="dim")
    return out


class ErrorsPanel(Panel):
    TITLE = "Error rate"
    SECTION = "errors"
    SIZED_BY_BODIES = True
    BINDINGS: ClassVar[list[BindingType]] = bindings("charts")  # Enter: the chart

    def detail_subject(self) -> ErrorRate | None:
        return self.snapshot.errors if self.snapshot is not None else None

    def compose(self) -> ComposeResult:
        yield Body(id="errors-body")

    def render_snapshot(self, snapshot: Snapshot) -> None:
        errors, palette, span = snapshot.errors, self.palette, window_span(snapshot)

        def make(width: int, room: int) -> Text:
            # The chart takes the rows left under the value line and above min / max.
            height = max(1, min(8, room - 2))
            return errors_text(errors, palette, max(10, width), height, span)

        self.query_one("#errors-body", Body).show_sized(make)
