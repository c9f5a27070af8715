"""Circuit-breaker panel: a table with the state coloured, failures, rate, since."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import BreakerState, CircuitBreaker, Snapshot
from oncall_tui.ui.widgets.format import NA, Palette, age, finite, num, txt
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


FIRST_SEEN_SLACK_S = 60.0
"""A first sample later than this after the window's start: the series began inside
the window (a new breaker, a fresh Prometheus), so its state is known only since then."""


def first_seen(breaker: CircuitBreaker, window_start: float) -> float | None:
    """When the breaker was first seen, if that was inside the window and it has not
    changed state since (else None)."""
    if breaker.last_change_at is None and breaker.history:
        at = breaker.history[0].at
        if at > window_start + FIRST_SEEN_SLACK_S:
            return at
    return None


def since_text(breaker: CircuitBreaker, now: float, window_s: float) -> str:
    """Time in the current state: "12m"; "≥3m" when first seen 3 minutes ago; "> 1h"
    when it did not change in the whole window."""
    if breaker.last_change_at is not None:
        return age(now, breaker.last_change_at)
    seen = first_seen(breaker, now - window_s)
    if seen is not None:
        # Seen only in the last sample or two (a coarse 7d step on a new series):
        # that says nothing about how long it has been so.
        return "≥" + age(now, seen) if now - seen >= FIRST_SEEN_SLACK_S else NA
    return f"> {format_duration(window_s)}" if breaker.history else NA


def breaker_rows(
    breakers: Sequence[CircuitBreaker], palette: Palette, now: float, window_s: float = 3600.0
) -> list[tuple[str, list[Text]]]:
    """Open ones first: they are what the reader is looking for."""
    rows = []
    for b in sorted(breakers, key=lambda b: (_ORDER.get(b.state, 9), b.name)):
        rate = finite(b.failure_rate)
        rows.append(
            (
                b.name,
                [
                    txt(b.name),
                    Text(b.state.value, style=state_style(b.state, palette)),
                    Text(num(b.failures), justify="right"),
                    Text(NA if rate is None else f"{rate:.1f}", justify="right"),
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
        rows = breaker_rows(
            snapshot.circuit_breakers.breakers, self.palette, self.clock(), snapshot.window_s
        )
        refill(self.table, rows)

    def detail_subject(self) -> CircuitBreaker | None:
        return self.selected()

    def selected(self) -> CircuitBreaker | None:
        key = selected_key(self.table)
        if self.snapshot is None or key is None:
            return None
        return next((b for b in self.snapshot.circuit_breakers.breakers if b.name == key), None)
