"""`oncall-tui snapshot --format text`: a Snapshot as compact Rich tables.

Readable in a terminal and pasteable into a chat: one heading line per section with
the totals, then a small table. Every string from outside (labels, names, errors,
URLs) goes through `text.clean` into a `Text`, so nothing in it is read as markup or
reaches the terminal as an escape sequence. Colours are plain Rich colour names; the
Console from `make_console` drops them for NO_COLOR and when not writing to a tty.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import IO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from oncall_tui.durations import format_age, format_duration
from oncall_tui.model.levels import availability_level, score_level
from oncall_tui.model.severity import Level, severity_level
from oncall_tui.model.snapshot import (
    QUANTILES,
    Alert,
    BreakerState,
    Section,
    Snapshot,
)
from oncall_tui.text import clean, clean_excerpt, label_pairs

NA = "—"
OK, WARN, BAD, DIM = "green", "yellow", "red", "dim"
_BREAKER_STYLE = {
    BreakerState.CLOSED: OK,
    BreakerState.HALF_OPEN: WARN,
    BreakerState.OPEN: BAD,
    BreakerState.FORCED_OPEN: BAD,
}
_HIDDEN_LABELS = ("alertname", "severity")  # shown in their own columns


def make_console(file: IO[str] | None = None, width: int | None = None) -> Console:
    """A Console for printing snapshots: no markup, emoji codes or auto-highlighting
    (they would reinterpret our data); colour only on a tty and never with NO_COLOR."""
    return Console(file=file, width=width, highlight=False, markup=False, emoji=False)


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


def _table(*columns: str, right: tuple[int, ...] = (), wrap: tuple[int, ...] = (0,)) -> Table:
    """A compact table; only the `wrap` columns (outside text) may fold onto more lines,
    numbers and times stay whole."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
    for i, name in enumerate(columns):
        table.add_column(
            Text(name),
            justify="right" if i in right else "left",
            overflow="fold",
            no_wrap=i not in wrap,
        )
    return table


def _heading(title: str, detail: str | Text, section: Section, now: float) -> Text:
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
    return line


_LEVEL_STYLE = {"ok": OK, "warn": WARN, "bad": BAD, "unknown": DIM}


def _health(snap: Snapshot) -> list[RenderableType]:
    h = snap.health
    score = _finite(h.score)
    shown = Text(
        NA if score is None else f"{score:.0f} %", style=f"bold {_LEVEL_STYLE[score_level(score)]}"
    )
    head = _heading("Health", shown, h.section, snap.taken_at)
    table = _table("Term", "Value", "Target", "Points", right=(1, 2, 3), wrap=(0, 2))
    for c in h.components:
        style = _LEVEL_STYLE[availability_level(c.availability)]
        table.add_row(t(c.name), Text(pct(c.availability), style), t(c.error, WARN), Text(""))
    for s in h.slo_checks:
        value = dur(s.value) if s.unit == "s" else pct(s.value, 2)
        target = dur(s.target) if s.unit == "s" else pct(s.target, 2)
        style = DIM if s.ok is None else OK if s.ok else BAD
        table.add_row(t(s.name), Text(value, style), Text(f"≤ {target}"), _points(-s.penalty))
    # Which alerts count (silenced ones do, inhibited ones may not) is the model's rule;
    # the points are what it decided, so only they are shown.
    table.add_row(Text("alert penalty"), Text(""), Text(""), _points(-h.alert_penalty))
    return [head, table]


def _points(points: float) -> Text:
    v = _finite(points)
    if v is None:
        return Text(NA, DIM)
    return Text(f"{v:+.1f}" if v else "0", BAD if v < 0 else "")


def _latency(snap: Snapshot) -> list[RenderableType]:
    lat = snap.latency
    slo = _finite(lat.slo_p95)
    detail = f"(ms), p95 target {ms(slo)} ms" if slo is not None else "(ms)"
    out: list[RenderableType] = [_heading("Latency", detail, lat.section, snap.taken_at)]
    if not lat.services:
        return [*out, Text("  no latency series", DIM)]
    table = _table("Service", *(n for n, _ in QUANTILES), "req/s", right=(1, 2, 3, 4, 5, 6))
    for s in lat.services:
        cells = []
        for name, _ in QUANTILES:
            value = _finite(s.quantiles.get(name))
            style = ""
            if name == "p95" and slo is not None and value is not None:
                style = OK if value <= slo else BAD
            cells.append(Text(ms(value), style))
        rps = _finite(s.requests_per_s)
        table.add_row(t(s.service), *cells, Text(NA if rps is None else f"{rps:.1f}"))
    return [*out, table]


def _errors(snap: Snapshot) -> list[RenderableType]:
    e = snap.errors
    value, slo = _finite(e.value), _finite(e.slo)
    style = DIM if value is None else "" if slo is None else OK if value <= slo else BAD
    shown = Text(pct(value, 2), style)
    if slo is not None:
        shown.append(f"  (target ≤ {pct(slo, 2)})")
    return [_heading("Error rate", shown, e.section, snap.taken_at)]


def _breakers(snap: Snapshot) -> list[RenderableType]:
    cb = snap.circuit_breakers
    states = [b.state for b in cb.breakers]
    detail = f"{len(states)}, {sum(s == BreakerState.OPEN for s in states)} open"
    out: list[RenderableType] = [_heading("Circuit breakers", detail, cb.section, snap.taken_at)]
    if not cb.breakers:
        return out
    table = _table("Breaker", "State", "Failures", "Failure rate", "Changed", right=(2, 3))
    for b in cb.breakers:
        rate = _finite(b.failure_rate)
        changed = NA if b.last_change_at is None else format_age(snap.taken_at - b.last_change_at)
        table.add_row(
            t(b.name),
            Text(str(b.state), _BREAKER_STYLE.get(b.state, DIM)),
            Text(count(b.failures)),
            Text(NA if rate is None else f"{rate:.1f} %"),
            Text(changed),
        )
    return [*out, table]


def _runbooks(snap: Snapshot) -> list[RenderableType]:
    rb = snap.runbooks
    detail = (
        f"{count(rb.total)} runs, {pct(rb.success_rate)} ok, avg {dur(rb.avg_duration_s)}, "
        f"{count(rb.escalations)} escalations"
    )
    out: list[RenderableType] = [_heading("Runbooks", detail, rb.section, snap.taken_at)]
    if not rb.top:
        return out
    table = _table("Runbook", "Runs", "Success", "Avg", "Escalations", right=(1, 2, 3, 4))
    for r in rb.top:
        table.add_row(
            t(r.name),
            Text(count(r.runs)),
            Text(pct(r.success_rate)),
            Text(dur(r.avg_duration_s)),
            Text(count(r.escalations)),
        )
    return [*out, table]


def _incidents(snap: Snapshot, max_rows: int) -> list[RenderableType]:
    inc = snap.incidents
    firing = sum(1 for i in inc.items if i.status == "firing")
    detail = (
        f"last {format_duration(inc.lookback_s)}: {len(inc.items)}, {firing} firing; "
        f"MTTA {dur(inc.mtta_s)}, MTTR {dur(inc.mttr_s)}"
    )
    out: list[RenderableType] = [_heading("Incidents", detail, inc.section, snap.taken_at)]
    if not inc.items:
        return out
    table = _table(
        "Started (UTC)", "Severity", "Alert", "Status", "TTA", "TTR", "Acked by", wrap=(1, 2, 6)
    )
    for i in inc.items[:max_rows]:
        table.add_row(
            Text(clock(i.started_at)),
            t(i.severity, _severity_style(i.severity)),
            t(i.alertname),
            Text(i.status, BAD if i.status == "firing" else OK),
            Text(dur(i.tta_s)),
            Text(dur(i.ttr_s)),
            t(i.acked_by or NA),
        )
    return [*out, table, *_more(len(inc.items) - max_rows)]


_SEVERITY_STYLE = {Level.CRITICAL: "bold red", Level.WARNING: WARN}


def _severity_style(severity: str) -> str:
    return _SEVERITY_STYLE.get(severity_level(severity), "")


def _labels(a: Alert) -> str:
    rest = label_pairs(a.labels, hide=_HIDDEN_LABELS)
    return clean_excerpt(rest, 60) if rest else ""


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
    table = _table("State", "Severity", "Alert", "Labels", "Since", "Acked by", wrap=(1, 2, 3, 5))
    for a in items[:max_rows]:
        acked = a.acked_by or ("pending" if a.ack_pending else "")
        table.add_row(
            Text(a.display_state, BAD if a.display_state == "active" else DIM),
            t(a.severity, _severity_style(a.severity)),
            t(a.alertname),
            Text(_labels(a)),
            Text(format_age(snap.taken_at - a.starts_at)),
            t(acked),
        )
    return [*out, table, *_more(len(items) - max_rows)]


def _more(hidden: int) -> list[RenderableType]:
    return [Text(f"  … {hidden} more (see --format json)", DIM)] if hidden > 0 else []


def _sources(snap: Snapshot) -> list[RenderableType]:
    table = _table("Source", "Status", "Latency", "URL", "Error", right=(2,), wrap=(3, 4))
    for name, s in snap.sources.items():
        problem = s.error or s.detail or ""
        table.add_row(
            t(name),
            Text("ok" if s.ok else "DOWN", OK if s.ok else "bold red"),
            Text(NA if _finite(s.latency_s) is None else f"{ms(s.latency_s)} ms"),
            t(s.url or NA),
            t(problem, "" if s.ok else BAD),
        )
    return [Text("Sources", "bold"), table]


def snapshot_to_text(snap: Snapshot, max_rows: int = 20) -> Group:
    """The whole snapshot, section by section; long lists stop after `max_rows`."""
    header = Text.assemble(
        ("oncall-tui snapshot", "bold"),
        f"  {clock(snap.taken_at)} UTC  window {format_duration(snap.window_s)}"
        f"  poll {dur(snap.poll_duration_s)}",
    )
    parts: list[RenderableType] = [header, Text("")]
    for block in (
        _health(snap),
        _latency(snap),
        _errors(snap),
        _breakers(snap),
        _runbooks(snap),
        _incidents(snap, max_rows),
        _alerts(snap, max_rows),
        _sources(snap),
    ):
        parts.extend(block)
        parts.append(Text(""))
    return Group(*parts[:-1])
