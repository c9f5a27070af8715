"""Health score panel: the big number, availability bars per component, SLO checks."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType

from oncall_tui.model.snapshot import Health, SloCheck, Snapshot
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.widgets.bignumber import BigNumber
from oncall_tui.ui.widgets.format import (
    NA,
    Palette,
    availability_level,
    bar,
    ms,
    pct,
    score_level,
    txt,
)
from oncall_tui.ui.widgets.line import Body
from oncall_tui.ui.widgets.panel import Panel

LEVELS = ("ok", "warn", "bad", "unknown")


def _slo_value(check: SloCheck, value: float | None) -> str:
    return ms(value) + "ms" if check.unit == "s" else pct(value, 2)


def health_lines(health: Health, palette: Palette, width: int) -> Text:
    """Everything under the big number, one line per component / check."""
    out = Text()
    out.append(bar((health.score or 0) / 100 if health.score is not None else None, width))
    out.append("\n")
    if health.unknown and health.score is not None:
        out.append("? ", style=palette.level("unknown"))
        out.append_text(txt(f"partial: {', '.join(health.unknown)} unknown", "italic"))
        out.append("\n")
    name_w = max((len(c.name) for c in health.components), default=0)
    name_w = min(name_w, max(8, width // 3))
    for c in health.components:
        level = availability_level(c.availability)
        mark = {"ok": "✔", "warn": "▲", "bad": "✖"}.get(level, "?")
        out.append(f"{mark} ", style=palette.level(level))
        out.append_text(txt(c.name[:name_w].ljust(name_w)))
        out.append(f" {pct(c.availability):>7} ", style=palette.level(level))
        bar_w = width - name_w - 11
        if bar_w >= 5:
            out.append(bar(c.availability, bar_w, "█", "░"), style=palette.level(level))
        out.append("\n")
    for check in health.slo_checks:
        verdict = {True: "ok", False: "bad", None: "unknown"}[check.ok]
        mark = {"ok": "✔", "bad": "✖"}.get(verdict, "?")
        out.append(f"{mark} ", style=palette.level(verdict))
        out.append(f"{check.name} {_slo_value(check, check.value)}")
        out.append(f" / {_slo_value(check, check.target)}", style="dim")
        if check.penalty:
            out.append(f"  −{check.penalty:.1f}", style=palette.level("bad"))
        out.append("\n")
    if health.alert_penalty:
        # Same shape as an SLO line: mark, what, points off.
        out.append("✖ ", style=palette.level("bad"))
        out.append("firing alerts")
        out.append(f"  −{health.alert_penalty:.1f}", style=palette.level("bad"))
        out.append("\n")
    out.rstrip()
    return out


class HealthPanel(Panel):
    TITLE = "Health"
    SECTION = "health"
    can_focus = True
    SIZED_BY_BODIES = True
    BINDINGS: ClassVar[list[BindingType]] = bindings("health")

    def title_text(self) -> str:
        return f"{self.TITLE} · ⏎ explain"

    def compose(self) -> ComposeResult:
        yield BigNumber(NA, id="health-score", classes="-unknown")
        yield Body(id="health-lines")

    def detail_subject(self) -> Health | None:
        return self.snapshot.health if self.snapshot is not None else None

    def render_snapshot(self, snapshot: Snapshot) -> None:
        health = snapshot.health
        digits = self.query_one("#health-score", BigNumber)
        digits.show(NA if health.score is None else f"{health.score:.1f}%")
        # A partial score (a term unknown: no series) is never shown as ok.
        level = score_level(health.score, partial=bool(health.unknown))
        for name in LEVELS:
            digits.set_class(name == level, f"-{name}")
        palette = self.palette
        self.query_one("#health-lines", Body).show_sized(
            lambda width, _room: health_lines(health, palette, max(10, width))
        )
