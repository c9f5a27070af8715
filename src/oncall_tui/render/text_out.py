"""`oncall-tui snapshot --format text`: a Snapshot as compact aligned columns.

Readable in a terminal and pasteable into a chat: one heading line per section with
the totals, then aligned rows. A cell is never wrapped or cut: names, states and times
stay whole, and free text (labels, summaries, errors) goes on its own indented lines
under its row, wrapped at spaces only, so no word and no URL is ever broken (one that
is longer than the terminal stays one line; the terminal folds it, a copy gets it
whole). Print it with `print_text` (or `Console.print(..., crop=False)`).

Every string from outside (labels, names, errors, URLs) goes through `text.clean` into
a `Text`, so nothing in it is read as markup or reaches the terminal as an escape
sequence. Colours are plain Rich colour names; the Console from `make_console` drops
them for NO_COLOR and when not writing to a tty.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import IO

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from oncall_tui.durations import format_age, format_duration
from oncall_tui.model.levels import availability_level, score_level
from oncall_tui.model.severity import Level, severity_level
from oncall_tui.model.snapshot import (
    QUANTILES,
    Alert,
    BreakerState,
    CircuitBreaker,
    Section,
    Snapshot,
)
from oncall_tui.text import clean, label_pairs

NA = "—"
OK, WARN, BAD, DIM = "green", "yellow", "red", "dim"
_BREAKER_STYLE = {
    BreakerState.CLOSED: OK,
    BreakerState.HALF_OPEN: WARN,
    BreakerState.OPEN: BAD,
    BreakerState.FORCED_OPEN: BAD,
}
_HIDDEN_LABELS = ("alertname", "severity")  # shown in their own columns
GAP = "   "
INDENT = 4


def make_console(file: IO[str] | None = None, width: int | None = None) -> Console:
    """A Console for printing snapshots: no markup, emoji codes or auto-highlighting
    (they would reinterpret our data); colour only on a tty and never with NO_COLOR."""
    return Console(file=file, width=width, highlight=False, markup=False, emoji=False)


def print_text(console: Console, snap: Snapshot, max_rows: int = 20) -> None:
    """Print the snapshot without cropping: a line longer than the terminal (a URL)
    goes out whole."""
    console.print(snapshot_to_text(snap, max_rows=max_rows), crop=False)


class Lines:
    """Lines printed as they are: Rich neither wraps nor cuts them."""

    def __init__(self, lines: Sequence[Text]) -> None:
        self.lines = list(lines)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines:
            yield from line.render(console)
            yield Segment.line()


class Words:
    """Free text under a row: indented, wrapped at spaces to the console's width, a
    word longer than the room left whole on its own line (never broken)."""

    def __init__(self, text: Text, indent: int = INDENT) -> None:
        self.text = text
        self.indent = indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = max(20, options.max_width - self.indent)
        for line in wrap_words(self.text, room):
            yield Segment(" " * self.indent)
            yield from line.render(console)
            yield Segment.line()


def wrap_words(text: Text, width: int) -> Iterator[Text]:
    """Greedy wrap at single spaces; a word is never split."""
    plain = text.plain
    line_start = 0
    line_end = 0  # end of the last word that fits
    pos = 0
    while pos <= len(plain):
        space = plain.find(" ", pos)
        word_end = len(plain) if space < 0 else space
        if word_end - line_start > width and line_end > line_start:
            yield text[line_start:line_end]
            line_start = pos
        line_end = word_end
        if space < 0:
            break
        pos = space + 1
    if line_end > line_start or not plain:
        yield text[line_start:line_end]


def grid(
    header: Sequence[str], rows: Sequence[Sequence[Text]], right: tuple[int, ...] = ()
) -> list[Text]:
    """Header, rule and rows in columns as wide as their widest cell, nothing cut."""
    widths = [
        max([len(h)] + [row[i].cell_len for row in rows if i < len(row)])
        for i, h in enumerate(header)
    ]

    def line(cells: Sequence[Text], style: str = "") -> Text:
        out = Text(style=style)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=False)):
            pad = " " * (width - cell.cell_len)
            if i:
                out.append(GAP)
            if i in right:
                out.append(pad)
                out.append_text(cell)
            else:
                out.append_text(cell)
                if i < len(widths) - 1:
                    out.append(pad)
        out.rstrip()
        return out

    head = line([Text(h) for h in header], "bold")
    rule = Text("─" * (sum(widths) + len(GAP) * (len(widths) - 1)), DIM)
    return [head, rule, *(line(r) for r in rows)]


def t(s: str | None, style: str = "") -> Text:
    """Outside text as a Text: cleaned to one line, never parsed as markup."""
    return Text(clean(s or "", one_line=True), style=style)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def pct(ratio: float | None, digits: int = 1) -> str:
    v = _finite(ratio)
    return NA if v is None else f"{v * 100:.{digits}f} %"


def ms(seconds: float | None) -> str:
    v = _finite(seconds)
    if v is None:
        return NA
    return f"{v * 1000:.1f}" if v < 0.01 else f"{v * 1000:.0f}"


def dur(seconds: float | None) -> str:
    v = _finite(seconds)
    return NA if v is None else format_duration(v)


def count(x: float | None) -> str:
    v = _finite(x)
    if v is None:
        return NA
    return f"{v:.0f}" if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def clock(ts: float | None) -> str:
    v = _finite(ts)
    if v is None:
        return NA
    try:
        return datetime.fromtimestamp(v, UTC).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return NA


def _heading(title: str, detail: str | Text, section: Section, now: float) -> Words:
    """ "Title  detail", then "(stale, fetched 2m ago: why)" when the section is not fresh."""
    line = Text.assemble((title, "bold"), "  ", detail if isinstance(detail, Text) else t(detail))
    if not section.ok:
        if section.fetched_at is None:
            note = "no data"
        else:
            note = f"stale, fetched {format_age(now - section.fetched_at)}"
        line.append("  (")
        line.append(t(f"{note}: {section.error}" if section.error else note, WARN))
        line.append(")")
    return Words(line, indent=0)


_LEVEL_STYLE = {"ok": OK, "warn": WARN, "bad": BAD, "unknown": DIM}


def _health(snap: Snapshot) -> list[RenderableType]:
    h = snap.health
    score = _finite(h.score)
    level = score_level(score, partial=bool(h.unknown))
    shown = Text(NA if score is None else f"{score:.0f} %", style=f"bold {_LEVEL_STYLE[level]}")
    if h.unknown and score is not None:
        shown.append(f" (partial: {', '.join(h.unknown)} unknown)", WARN)
    out: list[RenderableType] = [_heading("Health", shown, h.section, snap.taken_at)]
    rows: list[list[Text]] = []
    notes: list[Text] = []
    for c in h.components:
        style = _LEVEL_STYLE[availability_level(c.availability)]
        rows.append([t(c.name), Text(pct(c.availability), style), Text(""), Text("")])
        if c.error:
            notes.append(Text.assemble(t(c.name), ": ", t(c.error, WARN)))
        elif c.breakdown:
            notes.append(Text.assemble(t(c.name), ": ", t(c.breakdown, DIM)))
    for s in h.slo_checks:
        value = dur(s.value) if s.unit == "s" else pct(s.value, 2)
        target = dur(s.target) if s.unit == "s" else pct(s.target, 2)
        style = DIM if s.ok is None else OK if s.ok else BAD
        rows.append([t(s.name), Text(value, style), Text(f"≤ {target}"), _points(-s.penalty)])
    # Which alerts count (silenced ones do, inhibited ones may not) is the model's rule;
    # the points are what it decided, so only they are shown.
    rows.append([Text("alert penalty"), Text(""), Text(""), _points(-h.alert_penalty)])
    out.append(Lines(grid(("Term", "Value", "Target", "Points"), rows, right=(1, 2, 3))))
    out.extend(Words(n) for n in notes)
    return out


def _points(points: float) -> Text:
    v = _finite(points)
    if v is None:
        return Text(NA, DIM)
    return Text(f"{v:+.1f}" if v else "0", BAD if v < 0 else "")


def max_bound(value: float | None, unbounded: bool, unit: str = "") -> str:
    """`max` for what it is: the upper bound of the highest non-empty bucket ("≤2500"),
    or, with requests above the last finite bound, that bound as a floor (">5000")."""
    shown = ms(value)
    return shown if shown == NA else (">" if unbounded else "≤") + shown + unit


def _latency(snap: Snapshot) -> list[RenderableType]:
    lat = snap.latency
    slo = _finite(lat.slo_p95)
    detail = f"(ms), p95 target {ms(slo)} ms" if slo is not None else "(ms)"
    out: list[RenderableType] = [_heading("Latency", detail, lat.section, snap.taken_at)]
    if not lat.services:
        return [*out, Text("  no latency series", DIM)]
    rows: list[list[Text]] = []
    for s in lat.services:
        cells = [t(s.service)]
        for name, _ in QUANTILES:
            value = _finite(s.quantiles.get(name))
            if name == "max":
                cells.append(Text(max_bound(value, s.max_unbounded)))
                continue
            style = ""
            if name == "p95" and slo is not None and value is not None:
                style = OK if value <= slo else BAD
            cells.append(Text(ms(value), style))
        rps = _finite(s.requests_per_s)
        cells.append(Text(NA if rps is None else f"{rps:.1f}"))
        rows.append(cells)
    header = ("Service", *(n for n, _ in QUANTILES), "req/s")
    out.append(Lines(grid(header, rows, right=(1, 2, 3, 4, 5, 6))))
    out.append(Text("  max: upper bound of the highest non-empty histogram bucket", DIM))
    return out


def _errors(snap: Snapshot) -> list[RenderableType]:
    e = snap.errors
    value, slo = _finite(e.value), _finite(e.slo)
    style = DIM if value is None else "" if slo is None else OK if value <= slo else BAD
    shown = Text(pct(value, 2), style)
    if slo is not None:
        shown.append(f"  (target ≤ {pct(slo, 2)})")
    return [_heading("Error rate", shown, e.section, snap.taken_at)]


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


def breaker_since(breaker: CircuitBreaker, now: float, window_s: float) -> str:
    """Time in the current state (OPEN with its HALF_OPEN retries as one): "12m 5s";
    "> 1h" when it was in it for the whole span searched; without the fine last-seen
    times, from the window's history ("≥3m": first seen 3 minutes ago)."""
    if breaker.since is not None:
        return format_duration(max(0, round(now - breaker.since)))
    if breaker.since_over_s is not None:
        return f"> {format_duration(breaker.since_over_s)}"
    if breaker.last_change_at is not None:
        return format_duration(max(0, round(now - breaker.last_change_at)))
    seen = first_seen(breaker, now - window_s)
    if seen is not None:
        # Seen only in the last sample or two (a coarse 7d step on a new series):
        # that says nothing about how long it has been so.
        if now - seen < FIRST_SEEN_SLACK_S:
            return NA
        return "≥" + format_duration(max(0, round(now - seen)))
    return f"> {format_duration(window_s)}" if breaker.history else NA


BELOW_MIN_CALLS = "below min calls"


def failure_rate_text(breaker: CircuitBreaker) -> str:
    """ "63.5 %"; "80.0 % below min calls" when the breaker reports none now (too few
    calls since it last decided) and this is its last real rate; "—" unknown."""
    rate = _finite(breaker.failure_rate)
    if rate is None:
        return NA
    return f"{rate:.1f} %" + (f" {BELOW_MIN_CALLS}" if breaker.rate_below_min_calls else "")


def _breakers(snap: Snapshot) -> list[RenderableType]:
    cb = snap.circuit_breakers
    states = [b.state for b in cb.breakers]
    detail = f"{len(states)}, {sum(s == BreakerState.OPEN for s in states)} open"
    out: list[RenderableType] = [_heading("Circuit breakers", detail, cb.section, snap.taken_at)]
    if not cb.breakers:
        return out
    rows = [
        [
            t(b.name),
            Text(str(b.state), _BREAKER_STYLE.get(b.state, DIM)),
            Text(count(b.failures)),
            Text(failure_rate_text(b)),
            Text(breaker_since(b, snap.taken_at, snap.window_s)),
        ]
        for b in cb.breakers
    ]
    header = ("Breaker", "State", "Failures", "Failure rate", "Since")
    return [*out, Lines(grid(header, rows, right=(2, 3, 4)))]


def _runbooks(snap: Snapshot) -> list[RenderableType]:
    rb = snap.runbooks
    detail = (
        f"{count(rb.total)} runs, {pct(rb.success_rate)} ok, avg {dur(rb.avg_duration_s)}, "
        f"{count(rb.escalations)} escalations"
    )
    out: list[RenderableType] = [_heading("Runbooks", detail, rb.section, snap.taken_at)]
    if not rb.top:
        return out
    rows = [
        [
            t(r.name),
            Text(count(r.runs)),
            Text(pct(r.success_rate)),
            Text(dur(r.avg_duration_s)),
            Text(count(r.escalations)),
        ]
        for r in rb.top
    ]
    header = ("Runbook", "Runs", "Success", "Avg", "Escalations")
    return [*out, Lines(grid(header, rows, right=(1, 2, 3, 4)))]


def _incidents(snap: Snapshot, max_rows: int) -> list[RenderableType]:
    inc = snap.incidents
    firing = sum(1 for i in inc.items if i.status == "firing")
    detail = (
        f"last {format_duration(inc.lookback_s)}: {len(inc.items)}, {firing} firing; "
        f"MTTA {dur(inc.mtta_s)}, MTTR {dur(inc.mttr_s)}"
    )
    out: list[RenderableType] = [_heading("Incidents", detail, inc.section, snap.taken_at)]
    if inc.note:
        out.append(Words(t(inc.note, WARN)))
    if not inc.items:
        return out
    rows = [
        [
            Text(clock(i.started_at)),
            t(i.severity, _severity_style(i.severity)),
            t(i.alertname),
            Text(i.status, BAD if i.status == "firing" else OK),
            Text(dur(i.tta_s)),
            Text(dur(i.ttr_s)),
            t(i.acked_by or NA),
        ]
        for i in inc.items[:max_rows]
    ]
    header = ("Started (UTC)", "Severity", "Alert", "Status", "TTA", "TTR", "Acked by")
    return [*out, Lines(grid(header, rows)), *_more(len(inc.items) - max_rows)]


_SEVERITY_STYLE = {Level.CRITICAL: "bold red", Level.WARNING: WARN}


def _severity_style(severity: str) -> str:
    return _SEVERITY_STYLE.get(severity_level(severity), "")


def _labels(a: Alert) -> str:
    return label_pairs(a.labels, hide=_HIDDEN_LABELS)


def _alerts(snap: Snapshot, max_rows: int) -> list[RenderableType]:
    items = snap.alerts.items
    by_state = {s: sum(1 for a in items if a.display_state == s) for s in ("active", "silenced")}
    inhibited = len(items) - by_state["active"] - by_state["silenced"]
    detail = (
        f"{len(items)}: {by_state['active']} active, {by_state['silenced']} silenced, "
        f"{inhibited} inhibited"
    )
    out: list[RenderableType] = [_heading("Alerts", detail, snap.alerts.section, snap.taken_at)]
    if not items:
        return out
    shown = items[:max_rows]
    rows = []
    for a in shown:
        acked = t(a.acked_by or ("pending" if a.ack_pending else ""))
        if a.acked_by and a.acked_until is not None:
            acked.append(f" ({format_duration(max(0, round(a.acked_until - snap.taken_at)))} left)")
        rows.append(
            [
                Text(a.display_state, BAD if a.display_state == "active" else DIM),
                t(a.severity, _severity_style(a.severity)),
                t(a.alertname),
                Text(format_age(snap.taken_at - a.starts_at)),
                acked,
            ]
        )
    lines = grid(("State", "Severity", "Alert", "Since", "Acked by"), rows)
    out.append(Lines(lines[:2]))
    for a, line in zip(shown, lines[2:], strict=True):
        # Labels and summary under their alert, whole: they are what tells alerts apart.
        out.append(Lines([line]))
        if labels := _labels(a):
            out.append(Words(t(labels, DIM)))
        if summary := a.annotations.get("summary"):
            out.append(Words(t(summary)))
        if silenced := _silenced_line(a, snap.taken_at):
            out.append(Words(t(silenced, DIM)))
    return [*out, *_more(len(items) - max_rows)]


def _silenced_line(a: Alert, now: float) -> str:
    """Who silenced it, why and until when, for silences that are not acks (a
    colleague's maintenance silence mutes the alert; nobody acknowledged it)."""
    parts = []
    for s in a.other_silences:
        left = format_duration(max(0, round(s.ends_at - now)))
        parts.append(
            f"silenced by {s.created_by} until {clock(s.ends_at)} ({left} left): {s.comment}"
        )
    return "; ".join(parts)


def _more(hidden: int) -> list[RenderableType]:
    return [Text(f"  … {hidden} more (see --format json)", DIM)] if hidden > 0 else []


def _sources(snap: Snapshot) -> list[RenderableType]:
    rows = []
    notes = []
    for name, src in snap.sources.items():
        rows.append(
            [
                t(name),
                Text("ok" if src.ok else "DOWN", OK if src.ok else "bold red"),
                Text(NA if _finite(src.latency_s) is None else f"{ms(src.latency_s)} ms"),
                t(src.url or NA),
            ]
        )
        if problem := src.error or src.detail:
            notes.append(Words(Text.assemble(t(name), ": ", t(problem, "" if src.ok else BAD))))
    header = ("Source", "Status", "Latency", "URL")
    return [Text("Sources", "bold"), Lines(grid(header, rows, right=(2,))), *notes]


def _dashboards(snap: Snapshot) -> list[list[RenderableType]]:
    from oncall_tui.render.text_dash import coverage_text, panels_text, slos_text

    blocks = [coverage_text(snap)]
    if snap.slos.items or not snap.slos.section.ok:
        blocks.insert(0, slos_text(snap))
    if snap.panels.items:
        blocks.append(panels_text(snap))
    return blocks


def snapshot_to_text(snap: Snapshot, max_rows: int = 20) -> Group:
    """The whole snapshot, section by section; long lists stop after `max_rows`."""
    header = Text.assemble(
        ("oncall-tui snapshot", "bold"),
        f"  {clock(snap.taken_at)} UTC  window {format_duration(snap.window_s)}"
        f"  poll {dur(snap.poll_duration_s)}",
    )
    parts: list[RenderableType] = [Words(header, indent=0), Text("")]
    for block in (
        _health(snap),
        _latency(snap),
        _errors(snap),
        _breakers(snap),
        _runbooks(snap),
        _incidents(snap, max_rows),
        _alerts(snap, max_rows),
        *_dashboards(snap),
        _sources(snap),
    ):
        parts.extend(block)
        parts.append(Text(""))
    return Group(*parts[:-1])
