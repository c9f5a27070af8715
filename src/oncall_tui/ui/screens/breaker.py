"""One circuit breaker's history over the time window: a coloured timeline strip, the
time spent in each state, and the table of its transitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich import box
from rich.columns import Columns
from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from oncall_tui.durations import format_age, format_duration
from oncall_tui.model.snapshot import BreakerState, CircuitBreaker
from oncall_tui.render.text_out import BELOW_MIN_CALLS, first_seen
from oncall_tui.text import clean
from oncall_tui.ui.widgets.format import num

from .detail import DetailScreen, app_now, kv_grid, local_time


@dataclass(frozen=True, slots=True)
class Segment:
    """The breaker was in `state` from `start` to `end`; None: not known (before the
    first change seen in the window)."""

    start: float
    end: float
    state: BreakerState | None


def segments(breaker: CircuitBreaker, start: float, end: float) -> list[Segment]:
    """The window [start, end] cut into the breaker's states, oldest first."""
    changes = sorted((c for c in breaker.history if c.at <= end), key=lambda c: c.at)
    if not changes:
        changed = breaker.last_change_at
        if changed is not None and start < changed <= end:
            return [Segment(start, changed, None), Segment(changed, end, breaker.state)]
        return [Segment(start, end, breaker.state)]
    out: list[Segment] = []
    if changes[0].at > start:
        out.append(Segment(start, changes[0].at, None))
    for i, change in enumerate(changes):
        seg_end = changes[i + 1].at if i + 1 < len(changes) else end
        if seg_end <= start:
            continue  # wholly before the window
        out.append(Segment(max(change.at, start), seg_end, change.state))
    return out


# Glyph heights grow with trouble, so the strip reads even without colour.
_GLYPHS: dict[BreakerState | None, str] = {
    BreakerState.CLOSED: "▂",
    BreakerState.HALF_OPEN: "▅",
    BreakerState.OPEN: "█",
    BreakerState.FORCED_OPEN: "█",
}
_OTHER_GLYPH = "░"


def state_class(state: BreakerState | None) -> str:
    """The component class (theme colour) of a state."""
    if state is BreakerState.CLOSED:
        return "breaker-history--closed"
    if state is BreakerState.HALF_OPEN:
        return "breaker-history--half-open"
    if state in (BreakerState.OPEN, BreakerState.FORCED_OPEN):
        return "breaker-history--open"
    return "breaker-history--other"


class BreakerTimeline(Widget):
    """The window as one row of cells, each coloured by the state it mostly covers."""

    DEFAULT_CSS = """
    BreakerTimeline {
        height: 2;
        margin-top: 1;
    }
    """

    def __init__(self, screen: BreakerHistoryScreen, parts: list[Segment]) -> None:
        super().__init__()
        self._owner = screen
        self._parts = parts

    def render(self) -> Text:
        width = max(1, self.size.width)
        start = self._parts[0].start
        end = self._parts[-1].end
        span = max(end - start, 1e-9)
        strip = Text()
        for col in range(width):
            t = start + (col + 0.5) * span / width
            seg = next((s for s in self._parts if s.start <= t < s.end), self._parts[-1])
            glyph = _GLYPHS.get(seg.state, _OTHER_GLYPH)
            strip.append(glyph, self._owner.style(state_class(seg.state)))
        left = f"-{format_duration(span)}"
        axis = left + "now".rjust(max(0, width - len(left)))
        return strip + Text("\n") + Text(axis[:width], self._owner.style("breaker-history--muted"))


class BreakerHistoryScreen(DetailScreen):
    """State history of one breaker over `window_s` seconds up to `now`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "breaker-history--closed",
        "breaker-history--half-open",
        "breaker-history--open",
        "breaker-history--other",
        "breaker-history--muted",
    }
    DEFAULT_CSS = """
    BreakerHistoryScreen .breaker-history--closed { color: $breaker-closed; }
    BreakerHistoryScreen .breaker-history--half-open { color: $breaker-half-open; }
    BreakerHistoryScreen .breaker-history--open { color: $breaker-open; }
    BreakerHistoryScreen .breaker-history--other { color: $stale; }
    BreakerHistoryScreen .breaker-history--muted { color: $text-muted; }
    """

    def __init__(self, breaker: CircuitBreaker, window_s: float, now: float | None = None) -> None:
        super().__init__()
        self.breaker = breaker
        self._window_s = window_s
        self._now = now
        title = Text(" breaker ")
        title.append(clean(breaker.name, one_line=True))
        title.append(f" · last {format_duration(window_s)} ")
        self._panel_title = title

    def _state_text(self, state: BreakerState | None) -> Text:
        return Text(state.value if state is not None else "unknown", self.style(state_class(state)))

    def _facts(self, now: float) -> Table:
        b = self.breaker
        grid = kv_grid()
        key = self.style("breaker-history--muted")
        state = self._state_text(b.state)
        state.stylize(Style(bold=True))
        grid.add_row(Text("state", key), state)
        seen = first_seen(b, now - self._window_s)
        outage = b.state in (BreakerState.OPEN, BreakerState.HALF_OPEN)
        if b.since is not None:
            since = f"{local_time(b.since)} ({format_age(now - b.since)})"
            if outage:
                since += ", not closed since (half-open retries included)"
        elif b.since_over_s is not None:
            since = f"more than {format_duration(b.since_over_s)} (the whole window)"
        elif b.last_change_at is not None:
            since = f"{local_time(b.last_change_at)} ({format_age(now - b.last_change_at)})"
        elif seen is not None:
            # The series began inside the window: known since then, not "no change".
            since = f"first seen {local_time(seen)} ({format_age(now - seen)}), no change since"
        else:
            since = f"no change within the last {format_duration(self._window_s)}"
        grid.add_row(Text("since", key), Text(since))
        failures = "n/a" if b.failures is None else num(b.failures)
        grid.add_row(Text("failures", key), Text(f"{failures} failed calls in the window"))
        if b.failure_rate is None:
            rate = "n/a (not enough calls to compute it)"
        elif b.rate_below_min_calls:
            rate = (
                f"{b.failure_rate:.1f} %, its last real rate: {BELOW_MIN_CALLS} "
                "since (the breaker reports -1 until it has its minimum number of calls)"
            )
        else:
            rate = f"{b.failure_rate:.1f} %"
        grid.add_row(Text("failure rate", key), Text(rate))
        return grid

    def _time_in_states(self, parts: list[Segment]) -> Columns:
        total = sum(s.end - s.start for s in parts) or 1.0
        spent: dict[BreakerState | None, float] = {}
        for s in parts:
            spent[s.state] = spent.get(s.state, 0.0) + (s.end - s.start)
        entries = []
        for state, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
            entry = Text(_GLYPHS.get(state, _OTHER_GLYPH) + " ", self.style(state_class(state)))
            entry.append_text(self._state_text(state))
            entry.append(f" {format_duration(seconds)} ({100 * seconds / total:.0f} %)")
            entries.append(entry)
        # Columns wraps whole entries, never in the middle of one.
        return Columns(entries, padding=(0, 3))

    def _transitions(self, now: float) -> RenderableType:
        changes = sorted(self.breaker.history, key=lambda c: c.at)
        if not changes:
            return Text("No state change within the window.", self.style("breaker-history--muted"))
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        table.add_column("at", no_wrap=True)
        table.add_column("state", no_wrap=True)
        table.add_column("stayed", no_wrap=True, justify="right")
        table.add_column("", no_wrap=True)
        for i in range(len(changes) - 1, -1, -1):  # newest first
            change = changes[i]
            last = i + 1 == len(changes)
            until = now if last else changes[i + 1].at
            table.add_row(
                Text(local_time(change.at)),
                self._state_text(change.state),
                Text(format_duration(max(0.0, until - change.at))),
                Text("ongoing" if last else "", self.style("breaker-history--muted")),
            )
        return table

    def parts(self) -> list[RenderableType | Widget]:
        now = app_now(self) if self._now is None else self._now
        window = segments(self.breaker, now - self._window_s, now)
        from oncall_tui.ui.screens.charts import breaker_chart

        return [
            self._facts(now),
            BreakerTimeline(self, window),
            breaker_chart([(p.start, p.end, p.state) for p in window], (now - self._window_s, now)),
            self._time_in_states(window),
            self.heading(f"Transitions ({len(self.breaker.history)})"),
            self._transitions(now),
        ]
