"""Circuit-breaker panel: a table with the state coloured, failures, rate, since."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from oncall_tui.model.snapshot import BreakerState, CircuitBreaker, Snapshot
from oncall_tui.render.text_out import BELOW_MIN_CALLS, breaker_since
from oncall_tui.ui.widgets.format import NA, Palette, finite, num, txt
from oncall_tui.ui.widgets.panel import TablePanel, refill, selected_key

COLUMNS = ("Breaker", "State", "Failures", "Fail %", "Since")
_ORDER = {
    BreakerState.OPEN: 0,
    BreakerState.FORCED_OPEN: 1,
    BreakerState.HALF_OPEN: 2,
    BreakerState.UNKNOWN: 3,
    BreakerState.CLOSED: 4,
    BreakerState.METRICS_ONLY: 5,
    BreakerState.DISABLED: 6,
}


def state_style(state: BreakerState, palette: Palette) -> Style | str:
    if state in (BreakerState.OPEN, BreakerState.FORCED_OPEN):
        return palette.style("breaker-open", bold=True)
    if state is BreakerState.HALF_OPEN:
        return palette.style("breaker-half-open", bold=True)
    if state is BreakerState.CLOSED:
        return palette.style("breaker-closed")
    return "dim"


def since_text(breaker: CircuitBreaker, now: float, window_s: float) -> str:
    """Time in the current state (OPEN with its HALF_OPEN retries as one outage): the
    same words as `snapshot --format text` (render.text_out.breaker_since)."""
    return breaker_since(breaker, now, window_s)


def rate_text(breaker: CircuitBreaker, wide: bool) -> Text:
    """Fail %: the rate now, or its last real value and why it is not current
    (resilience4j reports -1 below its minimum number of calls)."""
    rate = finite(breaker.failure_rate)
    if rate is None:
        return Text(NA, justify="right")
    out = Text(f"{rate:.1f}", justify="right")
    if breaker.rate_below_min_calls:
        out.append(f" {BELOW_MIN_CALLS}" if wide else " <min", style="dim")
    return out


def breaker_rows(
    breakers: Sequence[CircuitBreaker],
    palette: Palette,
    now: float,
    window_s: float = 3600.0,
    wide: bool = True,
) -> list[tuple[str, list[Text]]]:
    """Open ones first: they are what the reader is looking for."""
    rows = []
    for b in sorted(breakers, key=lambda b: (_ORDER.get(b.state, 9), b.name)):
        rows.append(
            (
                b.name,
                [
                    txt(b.name),
                    Text(b.state.value, style=state_style(b.state, palette)),
                    Text(num(b.failures), justify="right"),
                    rate_text(b, wide),
                    Text(since_text(b, now, window_s), justify="right"),
                ],
            )
        )
    return rows


class BreakersPanel(TablePanel):
    TITLE = "Circuit breakers"
    SECTION = "circuit_breakers"
    COLUMNS = COLUMNS
    TABLE_ID = "breakers-table"

    def title_text(self) -> str:
        if self.snapshot is None:
            return self.TITLE
        opened = sum(
            1
            for b in self.snapshot.circuit_breakers.breakers
            if b.state in (BreakerState.OPEN, BreakerState.FORCED_OPEN)
        )
        return f"{self.TITLE} · {opened} open" if opened else self.TITLE

    def render_snapshot(self, snapshot: Snapshot) -> None:
        # "below min calls" in words where the panel has room (not at 80 columns).
        wide = self.size.width >= 60
        rows = breaker_rows(
            snapshot.circuit_breakers.breakers,
            self.palette,
            self.clock(),
            snapshot.window_s,
            wide=wide,
        )
        refill(self.table, rows)

    def detail_subject(self) -> CircuitBreaker | None:
        return self.selected()

    def selected(self) -> CircuitBreaker | None:
        key = selected_key(self.table)
        if self.snapshot is None or key is None:
            return None
        return next((b for b in self.snapshot.circuit_breakers.breakers if b.name == key), None)
