"""Numbers and outside strings -> short display strings and Rich `Text`.

Everything from outside goes through `txt` (clean + Text, never markup). Colours are
the theme's app variables, looked up by name at render time, so `t` re-colours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError

from oncall_tui.durations import format_duration

# Levels and thresholds live in the model so `snapshot --format text` shares them.
from oncall_tui.model.levels import availability_level as availability_level
from oncall_tui.model.levels import level_vs_target as level_vs_target
from oncall_tui.model.levels import score_level as score_level
from oncall_tui.model.severity import Level, severity_level
from oncall_tui.text import clean

NA = "—"

FALLBACK_COLORS: dict[str, str] = {
    "severity-critical": "#e5484d",
    "severity-warning": "#f5a524",
    "severity-info": "#3e9fe0",
    "health-ok": "#30a46c",
    "health-warn": "#f5a524",
    "health-bad": "#e5484d",
    "breaker-open": "#e5484d",
    "breaker-half-open": "#f5a524",
    "breaker-closed": "#30a46c",
    "stale": "#8b8d98",
}
"""Used when the active theme does not define one of our variables (e.g. a Textual
built-in theme); real values live in the theme files."""


def txt(s: str | None, style: str | Style = "", one_line: bool = True) -> Text:
    """Outside text, shown literally: escapes and controls removed, no markup parsed."""
    return Text(clean(s or "", one_line=one_line), style=style)


class Palette:
    """Theme variables -> Rich styles, built once per render from `app.theme_variables`."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        self._vars = variables

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """Equal for palettes that colour the same (cells made with one fit the other)."""
        return tuple(sorted(self._vars.items()))

    def color(self, name: str) -> str:
        return _hex(self._vars.get(name) or FALLBACK_COLORS.get(name, ""), name)

    def style(self, name: str, bold: bool = False) -> Style:
        return _style(self.color(name), bold)

    def severity(self, severity: str) -> Style:
        level = severity_level(severity)
        if level is Level.CRITICAL:
            return self.style("severity-critical", bold=True)
        if level is Level.WARNING:
            return self.style("severity-warning")
        return self.style("severity-info")

    def level(self, level: str) -> Style:
        """ "ok" / "warn" / "bad" / "unknown" -> the health colours."""
        if level == "unknown":
            return self.style("stale")
        return self.style(f"health-{level}")


@lru_cache(maxsize=256)
def _hex(raw: str, name: str) -> str:
    """A theme colour as "#rrggbb". Cached: every coloured cell asks, thousands a poll,
    and a theme has a few dozen colours (parsing one costs more than the cell)."""
    try:
        return Color.parse(raw).hex
    except ColorParseError:
        return Color.parse(FALLBACK_COLORS.get(name, "white")).hex


@lru_cache(maxsize=256)
def _style(color: str, bold: bool) -> Style:
    # Styles are immutable: one object per colour serves every cell (and compares by
    # identity first in the table's diff).
    return Style(color=color, bold=bold)


def finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def ms(seconds: float | None) -> str:
    """Seconds as whole milliseconds ("148"), or "—"."""
    v = finite(seconds)
    if v is None:
        return NA
    return f"{v * 1000:.0f}" if v * 1000 >= 10 else f"{v * 1000:.1f}"


def pct(ratio: float | None, digits: int = 1) -> str:
    """A ratio as percent ("98.5%"), or "—"."""
    v = finite(ratio)
    return NA if v is None else f"{v * 100:.{digits}f}%"


def num(x: float | None) -> str:
    """A count of events as a whole number ("142"). Prometheus' `increase()` extrapolates
    counters to fractions ("7.3 runs") that mean nothing to a reader; a positive count
    under one still says something happened ("<1")."""
    v = finite(x)
    if v is None:
        return NA
    if 0 < v < 0.5:
        return "<1"
    return f"{round(v):d}"


def dur(seconds: float | None) -> str:
    v = finite(seconds)
    return NA if v is None else format_duration(v)


def age(now: float, at: float | None) -> str:
    """ "12m" since `at`, or "—"."""
    v = finite(at)
    return NA if v is None else format_duration(max(0, round(now - v)))


def coarse_age(now: float, at: float | None) -> str:
    """ "3m" since `at`: the largest unit only (floored), for cells where width matters
    more than seconds ("firing 3m" leaves the alert name its room)."""
    v = finite(at)
    if v is None:
        return NA
    seconds = max(0.0, now - v)
    unit = next((u for u in (86400.0, 3600.0, 60.0) if seconds >= u), 1.0)
    return format_duration(seconds // unit * unit)


def bar(ratio: float | None, width: int, full: str = "▓", empty: str = "░") -> str:
    """A ratio in [0, 1] as a bar of `width` cells, like the static page's bars."""
    v = finite(ratio)
    if v is None or width <= 0:
        return empty * max(0, width)
    filled = round(max(0.0, min(1.0, v)) * width)
    return full * filled + empty * (width - filled)
