"""`oncall-tui incidents export`: the incident record as CSV, JSON or Markdown.

JSON: `{"from", "to", "count", "mtta_s", "mttr_s", "incidents": [...]}` with each
incident exactly as `snapshot` prints it (`render.json_out.incident_to_json`: its keys
plus `runbooks[]`). CSV: one row per incident, times RFC 3339 UTC, durations in
seconds, labels as JSON; text a spreadsheet could read as a formula is defused.
Markdown: a table for a postmortem or a ticket, every outside string escaped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from oncall_tui.durations import format_duration
from oncall_tui.model.incident_record import mean_times
from oncall_tui.model.snapshot import Incident, IncidentRun
from oncall_tui.render.json_out import JSON, incident_to_json, num, rfc3339
from oncall_tui.text import csv_text, markdown_text

CSV_COLUMNS = (
    "id",
    "started_at",
    "resolved_at",
    "alertname",
    "severity",
    "status",
    "acked_at",
    "acked_by",
    "tta_s",
    "ttr_s",
    "seen",
    "runbooks",
    "labels",
)
FORMATS = ("csv", "json", "markdown")
NA = "—"


def run_words(r: IncidentRun) -> str:
    """ "restart-api ok (exit 0)" / "… failed (exit 2)" / "… running"."""
    if r.ended_at is None:
        outcome = "running"
    else:
        outcome = "ok" if r.ok else "failed"
        if r.exit_code is not None:
            outcome += f" (exit {r.exit_code})"
    return f"{r.runbook} {outcome}"


def _seconds(x: float | None) -> str:
    v = num(x)
    return "" if v is None else f"{v:.3f}".rstrip("0").rstrip(".")


def to_csv(items: Sequence[Incident]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for i in items:
        writer.writerow(
            (
                "" if i.id is None else str(i.id),
                rfc3339(i.started_at) or "",
                rfc3339(i.resolved_at) or "",
                csv_text(i.alertname),
                csv_text(i.severity),
                i.status,
                rfc3339(i.acked_at) or "",
                csv_text(i.acked_by or ""),
                _seconds(i.tta_s),
                _seconds(i.ttr_s),
                i.seen,
                csv_text("; ".join(run_words(r) for r in i.runbooks)),
                csv_text(json.dumps(i.labels, sort_keys=True, ensure_ascii=False)),
            )
        )
    return out.getvalue()


def to_json(items: Sequence[Incident], start: float, end: float) -> JSON:
    mtta, mttr = mean_times(items)
    return {
        "from": rfc3339(start),
        "to": rfc3339(end),
        "count": len(items),
        "mtta_s": num(mtta),
        "mttr_s": num(mttr),
        "incidents": [incident_to_json(i) for i in items],
    }


def utc(ts: float | None) -> str:
    """ "2026-12-01 09:15 UTC" (the report's and Markdown export's clock)."""
    text = rfc3339(ts)
    return NA if text is None else text[:16].replace("T", " ") + " UTC"


def dur(seconds: float | None) -> str:
    v = num(seconds)
    return NA if v is None else format_duration(v)


def md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: int = 0) -> list[str]:
    """A Markdown table; the last `right` columns right-aligned (numbers). Cells are
    already escaped."""
    align = ["---"] * (len(header) - right) + ["---:"] * right
    return [md_row(header), md_row(align), *(md_row(r) for r in rows)]


def incident_cells(i: Incident) -> list[str]:
    """One incident's cells under INCIDENT_HEADER, plain (unescaped) text."""
    return [
        utc(i.started_at),
        i.severity,
        i.alertname,
        i.status,
        dur(i.tta_s),
        dur(i.ttr_s),
        i.acked_by or NA,
        "; ".join(run_words(r) for r in i.runbooks) or NA,
        i.seen,
    ]


INCIDENT_HEADER: tuple[str, ...] = (
    "Started",
    "Severity",
    "Alert",
    "Status",
    "TTA",
    "TTR",
    "Acked by",
    "Runbooks",
    "Seen",
)


def to_markdown(items: Sequence[Incident], start: float, end: float) -> str:
    mtta, mttr = mean_times(items)
    lines = [
        f"# Incidents {utc(start)} to {utc(end)}",
        "",
        f"{len(items)} incidents · MTTA {dur(mtta)} · MTTR {dur(mttr)}",
        "",
        *md_table(INCIDENT_HEADER, [[markdown_text(c) for c in incident_cells(i)] for i in items]),
    ]
    return "\n".join(lines) + "\n"


def export(items: Sequence[Incident], fmt: str, start: float, end: float) -> str:
    """The export as text, in `fmt` (one of FORMATS)."""
    if fmt == "csv":
        return to_csv(items)
    if fmt == "json":
        return json.dumps(to_json(items, start, end), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return to_markdown(items, start, end)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
