"""Incident log panel: newest first, severity coloured, TTA / TTR; MTTA / MTTR in the title."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from rich.text import Text

from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import Incident, Snapshot
from oncall_tui.ui.widgets.format import Palette, coarse_age, dur, txt
from oncall_tui.ui.widgets.panel import TablePanel, TableRows
from oncall_tui.ui.widgets.table import CellCache, natural_widths

COLUMNS = ("Started", "Sev", "Alert", "Status", "TTA", "TTR", "Acked by")

OVERVIEW_ROWS = 200
"""The overview's panel lists the newest this many (an alert storm makes thousands of
incidents: a table of them all costs seconds a poll, and nobody scrolls them in a
ten-line panel); the last row says how many more `I` shows."""
MORE_KEY = "more"


def started_text(at: float, now: float) -> str:
    """Local clock time for today's incidents, the date for older ones."""
    if now - at < 86400:
        return time.strftime("%H:%M", time.localtime(at))
    return time.strftime("%m-%d %H:%M", time.localtime(at))


def incident_key(inc: Incident) -> str:
    """A row key that stays with its incident while newer ones push it down (and
    while a firing one's start is refined from the history: at most one run of a
    label set fires at a time)."""
    labels = ",".join(f"{k}={v}" for k, v in sorted(inc.labels.items()))
    when = "firing" if inc.status == "firing" else f"{inc.started_at:.3f}"
    return f"{when}|{inc.alertname}|{labels}"


IncidentCells = tuple[Incident, str, str]
"""What an overview row shows: the incident, its start as shown, its status words."""


def incident_rows(
    items: Sequence[Incident],
    palette: Palette,
    now: float,
    cache: CellCache[IncidentCells] | None = None,
) -> list[tuple[str, list[Text]]]:
    """The rows; `cache` keeps the cells of a row whose incident and clock-made words
    ("21:50", "firing 3m") are as at the last poll: the same Text objects, which the
    table's diff skips at once (most rows, most polls)."""
    cache = cache if cache is not None else CellCache()
    cache.begin(palette.key, len(items))

    def make(item: IncidentCells) -> tuple[Text, ...]:
        inc, started, status_words = item
        firing = inc.status == "firing"
        return (
            Text(started),
            txt(inc.severity, style=palette.severity(inc.severity)),
            txt(inc.alertname),
            Text(status_words, style=palette.severity(inc.severity) if firing else "dim"),
            Text(dur(inc.tta_s), justify="right"),
            Text(dur(inc.ttr_s), justify="right"),
            txt(inc.acked_by or ""),
        )

    rows = []
    seen: set[str] = set()
    for inc in items:
        key = incident_key(inc)
        while key in seen:  # the same run listed twice: still one row each
            key += "+"
        seen.add(key)
        firing = inc.status == "firing"
        status = f"firing {coarse_age(now, inc.started_at)}" if firing else "resolved"
        item = (inc, started_text(inc.started_at, now), status)
        rows.append((key, list(cache.cells(key, item, make))))
    return rows


class IncidentsPanel(TablePanel):
    TITLE = "Incidents"
    SECTION = "incidents"
    COLUMNS = COLUMNS
    TABLE_ID = "incidents-table"

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(clock, id=id)
        self._cells: CellCache[IncidentCells] = CellCache()

    def title_text(self) -> str:
        if self.snapshot is None or self.waiting:  # counts unknown, not 0
            return f"{self.TITLE} (I)"
        inc = self.snapshot.incidents
        firing = sum(1 for i in inc.items if i.status == "firing")
        # "I" opens them all (the key is not in the footer: no room at 80 columns).
        title = (
            f"{self.TITLE} (I) · {format_duration(inc.lookback_s)} · {len(inc.items)}"
            f" ({firing} firing) · MTTA {dur(inc.mtta_s)} · MTTR {dur(inc.mttr_s)}"
        )
        if inc.note:
            # No ALERTS history at all: said in words, not an empty, healthy-looking log.
            title += " · no ALERTS history"
        return title

    def item_count(self, snapshot: Snapshot) -> int:
        return min(OVERVIEW_ROWS, len(snapshot.incidents.items))

    def table_rows(self, snapshot: Snapshot, palette: Palette, now: float) -> TableRows:
        items = snapshot.incidents.items
        rows = incident_rows(items[:OVERVIEW_ROWS], palette, now, self._cells)
        if len(items) > OVERVIEW_ROWS:
            more = f"… {len(items) - OVERVIEW_ROWS:,} more: I"
            rows.append((MORE_KEY, [Text(""), Text(""), Text(more, style="dim italic")]))
            rows[-1][1].extend(Text("") for _ in COLUMNS[3:])
        status = COLUMNS.index("Status")
        return TableRows(
            rows,
            natural_widths(COLUMNS, rows),
            # On a narrow screen the alert name gives way first (to 14 cells).
            flexible={2: 14},
            min_widths=((status, len("firing 59m")),),
        )
