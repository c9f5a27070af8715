"""How the health score was computed, term by term, with the inputs behind each term."""

from __future__ import annotations

import math
from typing import ClassVar

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from oncall_tui.durations import format_age, format_duration
from oncall_tui.model.levels import availability_level, score_level
from oncall_tui.model.snapshot import Health, SloCheck
from oncall_tui.text import clean

from .detail import DetailScreen, app_now, kv_grid, literal


def score_class(score: float | None, partial: bool = False) -> str:
    """The level (model/levels.py) as this screen's component class; a partial score
    (some term unknown) is never shown as ok."""
    level = score_level(score, partial)
    return "health-breakdown--muted" if level == "unknown" else f"health-breakdown--{level}"


def availability_class(ratio: float) -> str:
    return f"health-breakdown--{availability_level(ratio)}"


def _points(points: float) -> str:
    # Rounded first and + 0.0: a term worth nothing reads "+0.0", never "-0.0".
    return f"{round(points, 1) + 0.0:+.1f}"


def _measure(value: float | None, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "s":
        return format_duration(value)
    if unit == "ratio":
        return f"{100 * value:.2f} %"
    return f"{value:g} {clean(unit, one_line=True)}"


class HealthBreakdownScreen(DetailScreen):
    """The score as a sum of terms, then components, SLO checks and the alert penalty."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "health-breakdown--ok",
        "health-breakdown--warn",
        "health-breakdown--bad",
        "health-breakdown--muted",
    }
    DEFAULT_CSS = """
    HealthBreakdownScreen .health-breakdown--ok { color: $health-ok; }
    HealthBreakdownScreen .health-breakdown--warn { color: $health-warn; }
    HealthBreakdownScreen .health-breakdown--bad { color: $health-bad; }
    HealthBreakdownScreen .health-breakdown--muted { color: $text-muted; }
    """

    def __init__(self, health: Health, *, now: float | None = None) -> None:
        super().__init__()
        self.health = health
        self._now = now
        self._panel_title = Text(" health score: how it is computed ")

    def _muted(self, s: str) -> Text:
        return Text(s, self.style("health-breakdown--muted"))

    def _summary(self, now: float) -> Table:
        h = self.health
        grid = kv_grid()
        score = Text(
            "not measurable" if h.score is None else f"{h.score:.1f} %",
            self.style(score_class(h.score, bool(h.unknown))),
        )
        score.stylize("bold")
        if h.unknown and h.score is not None:
            # Missing data is never healthy: the number covers only what was measured.
            score.append(
                f"  partial: {', '.join(h.unknown)} unknown", self.style("health-breakdown--warn")
            )
        grid.add_row(self._muted("score"), score)
        section = h.section
        if section.fetched_at is None:
            data = self._muted("never fetched")
        else:
            data = Text(f"fetched {format_age(now - section.fetched_at)}")
        if not section.ok:
            data.append("  stale: ", self.style("health-breakdown--warn"))
            data.append_text(literal(section.error or "the last poll failed", one_line=True))
        grid.add_row(self._muted("data"), data)
        return grid

    def _terms(self) -> RenderableType:
        h = self.health
        if not h.terms:
            return self._muted("Nothing could be measured, so there is no score.")
        total = sum(t.points for t in h.terms)
        if h.score is None or math.isclose(total, h.score, abs_tol=0.05):
            note = self._muted("= the score")
        elif total < 0 or total > 100:
            note = self._muted(f"→ score {h.score:.1f}: the sum, clamped to 0 … 100")
        else:
            note = self._muted(f"≠ score {h.score:.1f}: differs from the sum of the terms")
        # box.SIMPLE draws a rule above the footer: the terms, a line, their sum.
        table = Table(
            box=box.SIMPLE, expand=True, show_edge=False, pad_edge=False, show_footer=True
        )
        table.add_column("term", overflow="fold", ratio=2, style="bold", footer=Text("sum"))
        table.add_column(
            "points", justify="right", no_wrap=True, footer=Text(f"{total:.1f}", "bold")
        )
        table.add_column("why", overflow="fold", ratio=5, footer=note)
        for term in h.terms:
            points = Text(_points(term.points))
            if term.points < 0:
                points.stylize(self.style("health-breakdown--bad"))
            table.add_row(literal(term.label, one_line=True), points, literal(term.explanation))
        return table

    def _components(self) -> RenderableType:
        if not self.health.components:
            return self._muted("No component is configured ([[health.components]]).")
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
        table.add_column("component", overflow="fold", ratio=2)
        table.add_column("availability", justify="right", no_wrap=True)
        table.add_column("note", overflow="fold", ratio=3)
        for c in self.health.components:
            if c.availability is None or not math.isfinite(c.availability):
                avail = self._muted("n/a")
            else:
                avail = Text(
                    f"{100 * c.availability:.2f} %",
                    self.style(availability_class(c.availability)),
                )
            note = literal(c.error or c.breakdown, one_line=True)
            table.add_row(literal(c.name, one_line=True), avail, note)
        return table

    def _slo_status(self, check: SloCheck) -> Text:
        if check.ok is None:
            unknown = check.name in self.health.unknown
            return self._muted("unknown" if unknown else "no traffic")
        if check.ok:
            return Text("met", self.style("health-breakdown--ok"))
        return Text("violated", self.style("health-breakdown--bad"))

    def _slo_checks(self) -> RenderableType:
        if not self.health.slo_checks:
            return self._muted("No SLO is configured (latency.slo_p95, errors.slo).")
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
        table.add_column("check", overflow="fold", ratio=2)
        table.add_column("measured", justify="right", no_wrap=True)
        table.add_column("target", justify="right", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("penalty", justify="right", no_wrap=True)
        for check in self.health.slo_checks:
            table.add_row(
                literal(check.name, one_line=True),
                Text(_measure(check.value, check.unit)),
                Text(f"≤ {_measure(check.target, check.unit)}"),
                self._slo_status(check),
                Text(_points(-check.penalty) if check.penalty else "0"),
            )
        return table

    def _alert_penalty(self) -> Text:
        penalty = self.health.alert_penalty
        if not penalty:
            return self._muted("No firing alert costs points right now.")
        text = Text(_points(-penalty), self.style("health-breakdown--bad"))
        # As model/health.py counts them: acknowledging does not heal, inhibiting does.
        text.append(
            " points for firing alerts, by severity and capped; acked and silenced"
            " alerts count too, inhibited ones do not."
        )
        return text

    def parts(self) -> list[RenderableType | Widget]:
        now = app_now(self) if self._now is None else self._now
        return [
            self._summary(now),
            self.heading("Score, term by term"),
            self._terms(),
            self.heading("Components (availability)"),
            self._components(),
            self.heading("SLO checks"),
            self._slo_checks(),
            self.heading("Alerts"),
            self._alert_penalty(),
        ]
