"""`oncall-tui report`: the on-call handover as Markdown or as one HTML page.

Both show the same `model.handover.Handover`, section by section: summary, incidents
by severity, the noisiest alerts, likely false alarms, acks by person, runbook runs,
then every incident. Outside text (alert names, labels, people, runbook names) goes
through `text.markdown_text` / `text.html_text`. The HTML page needs nothing but
itself (inline CSS, no scripts, no fonts or images to fetch) and prints well: black
on white, tables that do not split a row across pages, a header on each page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from oncall_tui.durations import format_duration
from oncall_tui.model.handover import FALSE_ALARM_S, Group, Handover
from oncall_tui.model.snapshot import Slos
from oncall_tui.render.incidents_out import (
    INCIDENT_HEADER,
    NA,
    dur,
    incident_cells,
    md_table,
    utc,
)
from oncall_tui.text import html_text, markdown_text

FORMATS = ("markdown", "html")


@dataclass(frozen=True, slots=True)
class Table:
    """One section's table: header, rows of plain (unescaped) text, and how many of
    the last columns hold numbers (right-aligned)."""

    title: str
    intro: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: int = 0


def pct(ratio: float | None) -> str:
    return NA if ratio is None else f"{ratio * 100:.0f} %"


def _group_rows(groups: Sequence[Group]) -> list[list[str]]:
    return [
        [
            g.name,
            str(g.count),
            str(g.firing),
            str(g.acked),
            dur(g.mtta_s),
            dur(g.mttr_s),
            dur(g.firing_s),
        ]
        for g in groups
    ]


def summary_lines(h: Handover) -> list[str]:
    """The summary in plain (unescaped) words; they hold no outside text."""
    return [
        f"Incidents: {len(h.incidents)} ({h.firing} still firing)",
        f"MTTA: {dur(h.mtta_s)} over {h.acked} acked incidents",
        f"MTTR: {dur(h.mttr_s)} over {h.resolved} resolved incidents",
        f"Likely false alarms: {len(h.false_alarms)} "
        f"(resolved within {dur(FALSE_ALARM_S)} with no ack)",
        f"Runbook runs: {h.runs_total}, {h.runs_succeeded} succeeded, {h.runs_failed} failed "
        f"(success {pct(h.runs_success_rate)} of finished runs)",
    ]


def tables(h: Handover) -> list[Table]:
    group_header = ("Incidents", "Firing", "Acked", "MTTA", "MTTR", "Time firing")
    return [
        Table(
            "Incidents by severity",
            "",
            ("Severity", *group_header),
            _group_rows(h.by_severity),
            numeric=6,
        ),
        Table(
            "Noisiest alerts",
            "The alerts with the most incidents.",
            ("Alert", *group_header),
            _group_rows(h.noisiest),
            numeric=6,
        ),
        Table(
            "Likely false alarms",
            f"Resolved within {dur(FALSE_ALARM_S)} and nobody acked them: candidates for a "
            "longer `for:`, a higher threshold or a lower severity.",
            ("Started", "Severity", "Alert", "Lasted", "Labels"),
            [
                [
                    utc(i.started_at),
                    i.severity,
                    i.alertname,
                    dur(i.ttr_s),
                    ", ".join(f"{k}={v}" for k, v in sorted(i.labels.items())),
                ]
                for i in h.false_alarms
            ],
        ),
        Table(
            "Acks by person",
            "First acks only; MTTA over the incidents each person acked first.",
            ("Who", "Acks", "MTTA"),
            [[p.name, str(p.acks), dur(p.mtta_s)] for p in h.acks_by_person],
            numeric=2,
        ),
        Table(
            "Runbook runs",
            "Runs made with oncall-tui in the period (its journal); success is over finished runs.",
            ("Runbook", "Runs", "Succeeded", "Failed", "Unfinished", "Success"),
            [
                [
                    r.name,
                    str(r.runs),
                    str(r.succeeded),
                    str(r.failed),
                    str(r.unfinished),
                    pct(r.success_rate),
                ]
                for r in h.runbooks
            ],
            numeric=5,
        ),
        Table(
            "All incidents",
            "Newest first. Seen: live (watched by oncall-tui), history (from Prometheus' "
            "ALERTS while no copy ran), pre-journal (before the journal began).",
            INCIDENT_HEADER,
            [incident_cells(i) for i in h.incidents],
        ),
    ]


def _percent(ratio: float | None, digits: int = 3) -> str:
    """99.95 % with up to `digits` decimals (an objective's nines must not round away)."""
    if ratio is None:
        return NA
    text = f"{ratio * 100:.{digits}f}".rstrip("0").rstrip(".")
    return f"{text} %"


def slo_table(slos: Slos | None, offline: bool) -> Table | None:
    """SLO compliance now, over each SLO's own period; None when no SLO is configured
    (or discovered) and the report did poll."""
    title = "SLO compliance"
    if offline:
        return Table(
            title,
            "Not measured: --offline reads the journal only, and SLOs come from Prometheus.",
            (),
            (),
        )
    if slos is None or not slos.items:
        return None
    met, known = slos.met_count
    intro = (
        f"{met} of {known} met. Measured now, each over its own period (not the report's "
        "period), from one poll of Prometheus."
    )
    if not slos.section.ok and slos.section.error:
        intro += f" Prometheus: {slos.section.error}."
    rows = [
        [
            s.name,
            _percent(s.objective),
            format_duration(s.period_s),
            _percent(None if s.error_ratio is None else 1 - s.error_ratio),
            _percent(s.budget_remaining, 1),
            "unknown" if s.met is None else ("met" if s.met else "missed"),
            s.error or "",
        ]
        for s in slos.items
    ]
    header = ("SLO", "Objective", "Period", "Actual", "Budget left", "Met", "Why unknown")
    return Table(title, intro, header, rows)


def _title(h: Handover) -> str:
    return f"On-call handover: {utc(h.start)} to {utc(h.end)}"


def _sections(h: Handover, slos: Table | None) -> list[Table]:
    out = tables(h)
    if slos is not None:
        out.insert(len(out) - 1, slos)  # before the list of every incident
    return out


def to_markdown(h: Handover, footer: str, slos: Table | None = None) -> str:
    lines = [f"# {_title(h)}", ""]
    lines += [f"- {line}" for line in summary_lines(h)]
    for t in _sections(h, slos):
        lines += ["", f"## {t.title}", ""]
        if t.intro:
            lines += [markdown_text(t.intro).replace("\\`", "`"), ""]
        if not t.rows:
            if t.header:
                lines.append("None.")
            continue
        lines += md_table(t.header, [[markdown_text(c) for c in r] for r in t.rows], t.numeric)
    lines += ["", f"_{markdown_text(footer)}_"]
    return "\n".join(lines) + "\n"


_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; color: #111; background: #fff;
       max-width: 75rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .5rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .4rem; border-bottom: 1px solid #999; }
p.intro { color: #444; margin: .2rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .2rem .45rem; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
ul.summary { padding-left: 1.2rem; }
footer { margin-top: 2rem; color: #555; font-size: .85rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  th { background: none; }
}
@page { margin: 1.5cm; }
"""


def _html_table(t: Table, cell: Callable[[str], str]) -> list[str]:
    first_numeric = len(t.header) - t.numeric

    def cls(i: int) -> str:
        return ' class="n"' if i >= first_numeric else ""

    out = ["<table>", "<thead><tr>"]
    out += [f"<th{cls(i)}>{cell(h)}</th>" for i, h in enumerate(t.header)]
    out += ["</tr></thead>", "<tbody>"]
    for row in t.rows:
        out.append("<tr>" + "".join(f"<td{cls(i)}>{cell(c)}</td>" for i, c in enumerate(row)))
    out += ["</tbody>", "</table>"]
    return out


def to_html(h: Handover, footer: str, slos: Table | None = None) -> str:
    title = html_text(_title(h))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No network: the page may be opened offline or mailed as an attachment.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
        '<ul class="summary">',
        *(f"<li>{html_text(line)}</li>" for line in summary_lines(h)),
        "</ul>",
    ]
    for t in _sections(h, slos):
        out.append(f"<h2>{html_text(t.title)}</h2>")
        if t.intro:
            out.append(f'<p class="intro">{html_text(t.intro)}</p>')
        if not t.rows:
            if t.header:
                out.append("<p>None.</p>")
            continue
        out += _html_table(t, html_text)
    out += [f"<footer>{html_text(footer)}</footer>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def report(h: Handover, fmt: str, footer: str, slos: Table | None = None) -> str:
    """The report; `slos` is `slo_table(...)` (None: no SLO section)."""
    if fmt == "markdown":
        return to_markdown(h, footer, slos)
    if fmt == "html":
        return to_html(h, footer, slos)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
