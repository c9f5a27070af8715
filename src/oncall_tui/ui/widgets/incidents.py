"""Incident log panel: newest first, severity coloured, TTA / TTR; MTTA / MTTR in the title."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text

from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import Incident, Snapshot
from oncall_tui.ui.widgets.format import Palette, coarse_age, dur, txt
from oncall_tui.ui.widgets.panel import TablePanel, fit_columns, refill

COLUMNS = ("Started", "Sev", "Alert", "Status", "TTA", "TTR", "Acked by")


def started_text(at: float, now: float) -> str:
    """Local clock time for today's incidents, the date for older ones."""
    if now - at < 86400:
        return time.strftime("%H:%M", time.localtime(at))
    return time.strftime("%m-%d %H:%M", time.localtime(at))


def incident_rows(
    items: Sequence[Incident], palette: Palette, now: float
) -> list[tuple[str, list[Text]]]:
    rows = []
    for i, inc in enumerate(items):
        firing = inc.status == "firing"
        status = Text(
            f"firing {coarse_age(now, inc.started_at)}" if firing else "resolved",
            style=palette.severity(inc.severity) if firing else "dim",
        )
        rows.append(
            (
                f"{i}",
                [
                    Text(started_text(inc.started_at, now)),
                    txt(inc.severity, style=palette.severity(inc.severity)),
                    txt(inc.alertname),
                    status,
                    Text(dur(inc.tta_s), justify="right"),
                    Text(dur(inc.ttr_s), justify="right"),
                    txt(inc.acked_by or ""),
                ],
            )
        )
    return rows


class IncidentsPanel(TablePanel):
    TITLE = "Incidents"
    SECTION = "incidents"
    COLUMNS = COLUMNS
    TABLE_ID = "incidents-table"

    def title_text(self) -> str:
        if self.snapshot is None:
            return self.TITLE
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

    def render_snapshot(self, snapshot: Snapshot) -> None:
        rows = incident_rows(snapshot.incidents.items, self.palette, self.clock())
        # Everything whole when it fits; on a narrow screen the alert name gives way
        # first (to 14 cells), so who acked stays on screen.
        fit_columns(self.table, rows, flexible={2: 14})
        refill(self.table, rows)
