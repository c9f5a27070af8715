"""Runbook stats panel: totals over the window and the top runbooks."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal

from oncall_tui.model.snapshot import RunbookStats, Snapshot
from oncall_tui.ui.widgets.format import Palette, dur, num, pct, txt
from oncall_tui.ui.widgets.line import Body
from oncall_tui.ui.widgets.panel import Panel

UNKNOWN = "Runbook stats unknown: Prometheus has not answered yet."


def _rate_style(rate: float | None, palette: Palette) -> str:
    if rate is None:
        return "dim"
    level = "ok" if rate >= 0.9 else "warn" if rate >= 0.8 else "bad"
    return str(palette.level(level))


def runbook_summary(stats: RunbookStats, palette: Palette) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, justify="right")
    grid.add_row("Executions", num(stats.total))
    grid.add_row(
        "Success", Text(pct(stats.success_rate), style=_rate_style(stats.success_rate, palette))
    )
    grid.add_row("Avg duration", dur(stats.avg_duration_s))
    grid.add_row("Escalations", num(stats.escalations))
    return grid


def top_table(stats: RunbookStats, palette: Palette) -> Table | Text:
    # A catalogue runbook nobody ran in the window is not a "top" runbook.
    top = [r for r in stats.top if r.runs > 0 or r.local_runs]
    if not top:
        return Text("no runbook executions in this window", style="dim")
    table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False)
    table.add_column("top runbooks", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("runs", justify="right", no_wrap=True)
    table.add_column("ok", justify="right", no_wrap=True)
    for i, r in enumerate(top, 1):
        name = Text(f"{i}. ").append_text(txt(r.name))
        if r.local_runs:
            name.append(f" ({r.local_runs} here)", style="dim")
        table.add_row(
            name,
            num(r.runs),
            Text(pct(r.success_rate, 0), style=_rate_style(r.success_rate, palette)),
        )
    return table


class RunbooksPanel(Panel):
    TITLE = "Runbooks"
    SECTION = "runbooks"
    SIZED_BY_BODIES = True  # Rich lays its tables out at the width they are rendered at

    def compose(self) -> ComposeResult:
        # Side by side: the top list gets the panel's height, as on the static page.
        with Horizontal():
            yield Body(id="runbooks-summary")
            yield Body(id="runbooks-top")

    def render_snapshot(self, snapshot: Snapshot) -> None:
        stats = snapshot.runbooks
        if self.waiting:
            # Not asked yet (the first poll's early view): unknown, not "0 executions".
            self.query_one("#runbooks-summary", Body).show(Text(UNKNOWN, style="dim"))
            self.query_one("#runbooks-top", Body).show(Text(""))
            return
        self.query_one("#runbooks-summary", Body).show(runbook_summary(stats, self.palette))
        self.query_one("#runbooks-top", Body).show(top_table(stats, self.palette))
