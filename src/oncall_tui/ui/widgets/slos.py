"""The SLO panel: target, actual, error budget bar, alert state, burn rates per SLO,
and "N of M met" in its title. Enter on a row explains every number of that SLO.

Burn-rate columns follow the width: all seven windows when there is room, else the
long windows of the alert rules (1h, 6h, 1d, 3d), then fewer; the alert state always
shows.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from oncall_tui.model.slo import PAGE_RULES, TICKET_RULES
from oncall_tui.model.snapshot import BURN_WINDOWS, Slo, Slos, Snapshot
from oncall_tui.ui.widgets.format import NA, Palette, bar, txt
from oncall_tui.ui.widgets.panel import TablePanel, fit_columns, refill, selected_key
from oncall_tui.units import percent

HEAD = ("SLO", "Target", "Actual", "Budget", "Alert")
NARROW_WINDOWS = ("1h", "6h", "1d", "3d")
ALL_WINDOWS = tuple(k for k, _ in BURN_WINDOWS)
WINDOW_CHOICES = (ALL_WINDOWS, NARROW_WINDOWS, ("1h", "6h", "3d"), ("1h", "3d"), ())
"""Burn-rate columns by the room there is: the long window of each rule first."""
BUDGET_BAR = 6
_FIXED = 14 + 6 + 7 + (BUDGET_BAR + 8) + 7 + 5 * 2  # name (squeezed), cells, padding
_PER_WINDOW = 5 + 2


def windows_for(width: int) -> tuple[str, ...]:
    for windows in WINDOW_CHOICES:
        if _FIXED + len(windows) * _PER_WINDOW <= width:
            return windows
    return ()


def _threshold(window: str) -> float:
    """The lowest alert threshold this window takes part in (for colouring)."""
    return min(t for rule in PAGE_RULES + TICKET_RULES for t in rule[2:] if window in rule[:2])


def alert_style(alert: str | None, palette: Palette) -> Style:
    if alert == "page":
        return palette.style("severity-critical", bold=True)
    if alert == "ticket":
        return palette.style("severity-warning", bold=True)
    if alert == "none":
        return palette.level("ok")
    return palette.level("unknown")


def budget_cell(slo: Slo, palette: Palette) -> Text:
    b = slo.budget_remaining
    if b is None:
        return Text(f"{'░' * BUDGET_BAR} {NA}", palette.level("unknown"))
    level = "ok" if b > 0.25 else "warn" if b > 0 else "bad"
    return Text(f"{bar(max(0.0, b), BUDGET_BAR)} {percent(b)}", palette.level(level))


def burn_cell(slo: Slo, window: str, palette: Palette) -> Text:
    burn = slo.burn_rates.get(window)
    if burn is None:
        why = slo.notes.get(window, "")
        return Text("idle" if why == "no traffic" else NA, palette.level("unknown"))
    level = "bad" if burn >= _threshold(window) else "warn" if burn >= 1 else ""
    text = f"{burn:.2f}" if burn < 100 else f"{burn:.0f}"
    return Text(text, palette.level(level) if level else "", justify="right")


def slo_rows(
    slos: Slos, palette: Palette, windows: tuple[str, ...]
) -> list[tuple[str, list[Text]]]:
    # Worst first: a page, then a ticket, then unknown, then quiet ones.
    order = {"page": 0, "ticket": 1, None: 2, "none": 3}
    rows = []
    for s in sorted(slos.items, key=lambda s: (order.get(s.alert, 2), s.name)):
        actual = NA if s.error_ratio is None else percent(1.0 - s.error_ratio)
        met_level = {True: "ok", False: "bad", None: "unknown"}[s.met]
        rows.append(
            (
                s.name,
                [
                    txt(s.name),
                    Text(percent(s.objective), justify="right"),
                    Text(actual, palette.level(met_level), justify="right"),
                    budget_cell(s, palette),
                    Text(s.alert or "unknown", alert_style(s.alert, palette)),
                    *(burn_cell(s, w, palette) for w in windows),
                ],
            )
        )
    return rows


def met_line(slos: Slos) -> str:
    met, known = slos.met_count
    if not slos.items:
        return "no SLOs"
    if not known:
        return f"{len(slos.items)} unknown"
    text = f"{met} of {known} met"
    if len(slos.items) > known:
        text += f", {len(slos.items) - known} unknown"
    return text


class SloPanel(TablePanel):
    TITLE = "SLOs"
    SECTION = "slos"
    COLUMNS = (*HEAD, *NARROW_WINDOWS)
    TABLE_ID = "slos-table"

    def __init__(self, clock, *, id: str | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(clock, id=id)
        self._windows: tuple[str, ...] = NARROW_WINDOWS
        self._drawn: object = None

    def title_text(self) -> str:
        if self.snapshot is None:
            return self.TITLE
        return f"{self.TITLE} · {met_line(self.snapshot.slos)}"

    def render_snapshot(self, snapshot: Snapshot) -> None:
        width = self.content_size.width or 0
        key = (snapshot.slos.items, width, self.app.theme)
        if key == self._drawn:
            return  # unchanged: no repaint (SLO numbers move slowly)
        self._drawn = key
        windows = windows_for(width)
        if windows != self._windows:
            self._windows = windows
            self.table.clear(columns=True)
            self.table.add_columns(*HEAD, *windows)
        rows = slo_rows(snapshot.slos, self.palette, windows)
        if not rows:
            self.table.clear()
            return
        fit_columns(self.table, rows, flexible={0: 14})  # long SLO names are cut, not the state
        refill(self.table, rows)

    def detail_subject(self) -> Slo | None:
        return self.selected()

    def selected(self) -> Slo | None:
        key = selected_key(self.table)
        if self.snapshot is None or key is None:
            return None
        return next((s for s in self.snapshot.slos.items if s.name == key), None)
