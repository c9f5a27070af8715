"""The incidents screen (`I`): every incident of the record over the lookback, filtered
(`/`), sorted (`s`: start, severity, TTR), Enter for one incident's timeline, `e` to
write the rows shown as CSV. Reads the Snapshot's `incidents` (the record's rows), so
its TTA / TTR are the panel's and `snapshot`'s."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from rich.console import RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from oncall_tui.cpu_lane import in_lane_unless
from oncall_tui.model.incident_record import mean_times
from oncall_tui.model.severity import severity_rank
from oncall_tui.model.snapshot import Incident, Incidents, Snapshot
from oncall_tui.render.incidents_out import run_words, to_csv
from oncall_tui.text import clean
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.widgets.footer import KeyFooter
from oncall_tui.ui.widgets.format import Palette, dur, txt
from oncall_tui.ui.widgets.ordered_input import OrderedInput
from oncall_tui.ui.widgets.panel import OFF_LOOP_ITEMS, TableRows
from oncall_tui.ui.widgets.table import (
    CellCache,
    KeyedTable,
    SharedCells,
    column_widths,
    natural_widths,
)

from .detail import DetailScreen, kv_grid, literal_table, local_time

COLUMNS = ("Started", "Sev", "Alert", "Status", "TTA", "TTR", "Acked by", "Runbooks", "Seen")
SORTS = ("start", "severity", "TTR")
STOP_EVERY = 256
"""Rows built between two looks at whether the build is still wanted."""


def matches(i: Incident, needle: str) -> bool:
    """Case-insensitive: the alert, severity, status, who acked, how it was seen, a
    runbook's name, or any `label=value`."""
    if not needle:
        return True
    hay = [i.alertname, i.severity, i.status, i.acked_by or "", i.seen]
    hay += [r.runbook for r in i.runbooks]
    hay += [f"{k}={v}" for k, v in i.labels.items()]
    n = needle.lower()
    return any(n in h.lower() for h in hay)


def sort_incidents(items: Sequence[Incident], by: str, now: float) -> list[Incident]:
    """start: newest first; severity: most urgent first, then newest; TTR: longest
    first (a firing incident counts as lasting until now)."""
    if by == "severity":
        return sorted(items, key=lambda i: (severity_rank(i.severity), -i.started_at))
    if by == "TTR":
        return sorted(
            items,
            key=lambda i: (
                -(i.ttr_s if i.ttr_s is not None else now - i.started_at),
                -i.started_at,
            ),
        )
    return sorted(items, key=lambda i: (-i.started_at, i.alertname))


def started_text(at: float, now: float) -> str:
    if now - at < 86400:
        return time.strftime("%H:%M:%S", time.localtime(at))
    return time.strftime("%m-%d %H:%M", time.localtime(at))


def row_key(i: Incident, n: int) -> str:
    return f"id-{i.id}" if i.id is not None else f"n-{n}"


def incident_row(
    i: Incident, palette: Palette, now: float, shared: SharedCells | None = None
) -> list[Text]:
    """The row's cells; with `shared`, the cells that read like another row's are
    that row's (all but the start, most of them, in a storm's thousands)."""
    same = (shared if shared is not None else SharedCells()).text

    def literal(s: str, style: str | Style = "") -> Text:
        return same(clean(s, one_line=True), style=style)  # outside text, as `txt` shows it

    firing = i.status == "firing"
    sev = palette.severity(i.severity)
    runs = ", ".join(run_words(r) for r in i.runbooks)
    return [
        Text(started_text(i.started_at, now)),
        literal(i.severity, style=sev),
        literal(i.alertname),
        same(i.status, style=sev if firing else "dim"),
        same(dur(i.tta_s), justify="right"),
        same(dur(i.ttr_s), justify="right"),
        literal(i.acked_by or ""),
        literal(runs),
        same(i.seen, style="" if i.seen == "live" else "dim"),
    ]


def build_rows(
    items: Sequence[Incident],
    by: str,
    needle: str,
    palette: Palette,
    now: float,
    cache: CellCache[tuple[Incident, bool]] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> tuple[list[Incident], TableRows] | None:
    """(the incidents shown, their rows); may run in a thread. `cache` keeps the cells
    of unchanged incidents between renders (a re-sort, a filter, the next poll). None
    once `stop()` holds: the page closed or asked for other rows meanwhile, and the
    rest of a long build would only hold the interpreter lock from the keys."""
    cache = cache if cache is not None else CellCache()
    cache.begin(palette.key, len(items))
    shown = sort_incidents([i for i in items if matches(i, needle)], by, now)

    def make(item: tuple[Incident, bool]) -> tuple[Text, ...]:
        return tuple(incident_row(item[0], palette, now, cache.shared))

    rows: list[tuple[str, Sequence[Text]]] = []
    for n, i in enumerate(shown):
        if n % STOP_EVERY == 0 and stop():
            return None
        key = row_key(i, n)
        # The clock shows in a cell only as "today" (a time) or not (a date). The
        # cached cells themselves, no copy of them per row and build.
        rows.append((key, cache.cells(key, (i, now - i.started_at < 86400), make)))
    # The alert and the runbooks (free text) give way on a narrow screen.
    return shown, TableRows(rows, natural_widths(COLUMNS, rows), flexible={2: 14, 7: 0})


def export_path(now: float, directory: Path | None = None) -> Path:
    """Where `e` writes: the working directory, or the temp dir when that is not
    writable (the TUI may run from anywhere)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    name = f"oncall-incidents-{stamp}.csv"
    for d in ([directory] if directory else []) + [Path.cwd(), Path(tempfile.gettempdir())]:
        try:
            probe = d / name
            with probe.open("a", encoding="utf-8"):
                pass
            return probe
        except OSError:
            continue
    raise OSError("no writable directory for the export (working directory, temp dir)")


class IncidentsScreen(Screen[None]):
    """Full screen. `incidents` is the latest Snapshot's; `show()` takes newer ones.

    The app keeps one (installed) and `reopen()`s it at each `I`: in an alert storm
    the record holds thousands of incidents, and a new page would make every row and
    fill a new table again, half a second of the interpreter's time at 5,000. While
    it is not shown it only takes the newest incidents; it catches up when it is."""

    DEFAULT_CSS = """
    IncidentsScreen #incidents-head { height: 1; padding: 0 1; background: $panel; }
    IncidentsScreen #incidents-filter { display: none; }
    IncidentsScreen #incidents-filter.active { display: block; }
    IncidentsScreen #incidents-list { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("incidents")

    def __init__(
        self,
        view: Snapshot | None,
        updates: Signal[Snapshot] | None,
        clock: Callable[[], float],
        export_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.incidents = view.incidents if view is not None else Incidents()
        self.updates = updates
        self.clock = clock
        self.export_dir = export_dir
        self.sort_by = SORTS[0]
        self.needle = ""
        self.shown: list[Incident] = []
        self._rendered: tuple[object, ...] | None = None
        self._generation = 0  # of the rows being built off the loop
        self._taken = 0  # the generation whose rows were built and taken
        self._cells: CellCache[tuple[Incident, bool]] = CellCache()
        self._ready = False  # columns added: rows can be shown
        self._to_top = False  # reopened: the cursor goes to the first row once shown
        self._built: tuple[list[Incident], TableRows] | None = None  # the rows to show
        self._awaits_layout = False

    def compose(self) -> ComposeResult:
        yield Static(id="incidents-head")
        yield OrderedInput(
            placeholder="filter: alert, label=value, who acked…", id="incidents-filter"
        )
        yield KeyedTable(id="incidents-list", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#incidents-list", DataTable)
        table.add_columns(*COLUMNS)
        self._ready = True
        self.render_rows()
        table.focus()
        if self.updates is not None:
            self.updates.subscribe(self, self.on_view)

    def reopen(self, view: Snapshot | None) -> None:
        """Before `I` shows this page again: as a new one would be (newest first, no
        filter, the cursor on the first row), with the rows it already has."""
        if view is not None:
            self.incidents = view.incidents
        self.sort_by = SORTS[0]
        self.needle = ""
        box = self.query_one("#incidents-filter", Input)
        box.value = ""
        box.remove_class("active")
        self.query_one("#incidents-list", DataTable).focus()
        self._to_top = True

    def on_screen_suspend(self) -> None:
        # A build still running for the page just closed (or covered) is not wanted;
        # rows already built stay, and the next `I` rebuilds only if the record changed.
        if self._taken != self._generation:
            self._generation += 1
            self._rendered = None

    def on_screen_resume(self) -> None:
        self.render_rows()

    def on_view(self, view: Snapshot) -> None:
        self.show(view.incidents)

    def on_resize(self) -> None:
        # The rows do not depend on the width: only their fit does.
        self._present()

    # -- data ----------------------------------------------------------------------

    def show(self, incidents: Incidents) -> None:
        """A newer Snapshot's incidents; re-rendered only if they changed, and only on
        screen (not behind a dialog, nor after the page closed)."""
        self.incidents = incidents
        if self.is_current:
            self.render_rows()

    def render_rows(self) -> None:
        """Filter, sort and make the rows: in a thread for a long record (an alert storm
        makes thousands of incidents), so keys answer meanwhile. Only a change of the
        incidents, the sort, the filter or the theme makes them again."""
        state = (self.incidents.items, self.sort_by, self.needle, self.app.theme)
        if state == self._rendered or not self._ready:
            return
        self._rendered = state
        self._generation += 1
        generation, now = self._generation, self.clock()
        palette = Palette(self.app.theme_variables)
        items, by, needle = self.incidents.items, self.sort_by, self.needle
        cache = self._cells
        if len(items) <= OFF_LOOP_ITEMS:
            self._show_built(generation, build_rows(items, by, needle, palette, now, cache))
            return
        # Thousands of rows take a moment: say so, rather than an empty screen.
        words = f"Incidents · {dur(self.incidents.lookback_s)} · {len(items):,} · listing them…"
        self.query_one("#incidents-head", Static).update(Text(words, style="dim"))

        def superseded() -> bool:
            return generation != self._generation

        def build() -> None:
            built = in_lane_unless(
                superseded, build_rows, items, by, needle, palette, now, cache, superseded
            )
            if built is not None:
                self.app.call_from_thread(self._show_built, generation, built)

        self.run_worker(build, thread=True, group="incident-rows", exit_on_error=False)

    def _show_built(self, generation: int, built: tuple[list[Incident], TableRows] | None) -> None:
        if built is None or generation != self._generation or not self.is_attached:
            return  # superseded meanwhile
        self._taken = generation
        self._built = built
        self._present()

    def _present(self) -> None:
        """Fit and show the last rows built, once the table has its width."""
        if self._built is None:
            return
        shown, rows = self._built
        table = self.query_one("#incidents-list", KeyedTable)
        room = table.room(len(rows.rows))
        if not room:
            # Not laid out yet: drawn once it is; unfitted columns would have Textual
            # measure every cell of thousands of rows.
            if not self._awaits_layout:
                self._awaits_layout = True
                self.call_after_refresh(self._laid_out)
            return
        widths = column_widths(rows.natural, room, 2 * table.cell_padding, rows.flexible)
        table.fit(widths, room)
        self.shown = shown
        table.apply(rows.rows)
        if self._to_top:
            self._to_top = False
            table.move_cursor(row=0, animate=False, scroll=True)
        self.query_one("#incidents-head", Static).update(self.head_text())

    def _laid_out(self) -> None:
        self._awaits_layout = False
        self._present()

    def head_text(self) -> Text:
        if self.incidents.section.fetched_at is None and not self.incidents.items:
            # The first poll's early view: the record is not read yet (unknown, not 0).
            return Text(f"Incidents · {dur(self.incidents.lookback_s)} · waiting for data")
        mtta, mttr = mean_times(self.shown)
        total = len(self.incidents.items)
        firing = sum(1 for i in self.shown if i.status == "firing")
        parts = [
            f"Incidents · {dur(self.incidents.lookback_s)}",
            f"{len(self.shown)} of {total}" if self.needle else f"{total}",
            f"{firing} firing",
            f"MTTA {dur(mtta)}",
            f"MTTR {dur(mttr)}",
            f"sort: {self.sort_by}",
            "Enter: timeline",
        ]
        head = Text(" · ".join(parts))
        if self.needle:
            head.append(" · filter: ")
            head.append(clean(self.needle, one_line=True), style="bold")
        return head

    def selected(self) -> Incident | None:
        table = self.query_one("#incidents-list", DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    # -- keys ----------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#incidents-filter", Input)
        box.add_class("active")
        box.value = self.needle
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.needle = event.value.strip()
        self.render_rows()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_filter()

    def _close_filter(self) -> None:
        box = self.query_one("#incidents-filter", Input)
        box.remove_class("active")
        self.query_one("#incidents-list", DataTable).focus()

    def action_back(self) -> None:
        box = self.query_one("#incidents-filter", Input)
        if box.has_class("active") or self.needle:
            box.value = ""
            self.needle = ""
            self._close_filter()
            self.render_rows()
            return
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_sort(self) -> None:
        self.sort_by = SORTS[(SORTS.index(self.sort_by) + 1) % len(SORTS)]
        self.render_rows()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_timeline()

    def action_timeline(self) -> None:
        inc = self.selected()
        if inc is not None:
            self.app.push_screen(IncidentTimelineScreen(inc, self.clock()))

    def action_export(self) -> None:
        now = self.clock()
        try:
            path = export_path(now, self.export_dir)
            path.write_text(to_csv(self.shown), encoding="utf-8")
        except OSError as e:
            self.notify(f"export failed: {e}", title="Export", severity="error", markup=False)
            return
        self.notify(
            f"{len(self.shown)} incidents written to {path}",
            title="Export",
            markup=False,
            timeout=10,
        )


def timeline(inc: Incident, now: float) -> list[tuple[float, str]]:
    """(when, what happened) oldest first: fired, acked, each runbook and its result,
    resolved (or still firing)."""
    seen = {
        "live": "seen live in Alertmanager",
        "history": "from Prometheus' ALERTS history (no copy of oncall-tui was watching)",
        "pre-journal": "from Prometheus' ALERTS history, before the journal began",
    }.get(inc.seen, inc.seen)
    events = [(inc.started_at, f"fired ({seen})")]
    if inc.acked_at is not None:
        events.append(
            (inc.acked_at, f"acked by {inc.acked_by or 'someone'} (TTA {dur(inc.tta_s)})")
        )
    for r in inc.runbooks:
        events.append((r.started_at, f"runbook {r.runbook} started by {r.by}"))
        if r.ended_at is not None:
            took = dur(r.ended_at - r.started_at)
            events.append((r.ended_at, f"runbook {run_words(r)}, after {took}"))
    if inc.resolved_at is not None:
        # The record's end is the last time it was seen firing (the true end lies
        # before the next poll): said so, since a run started just after can list first.
        events.append((inc.resolved_at, f"resolved: last seen firing (TTR {dur(inc.ttr_s)})"))
    else:
        events.append((now, f"still firing ({dur(now - inc.started_at)} so far)"))
    events.sort(key=lambda e: e[0])
    return events


class IncidentTimelineScreen(DetailScreen):
    """One incident, from firing to resolution, with its labels."""

    def __init__(self, incident: Incident, now: float) -> None:
        super().__init__()
        self.incident = incident
        self.now = now
        self._panel_title = Text(
            f"Incident · {clean(incident.alertname, one_line=True)} · {incident.status}"
        )

    def parts(self) -> list[RenderableType | Widget]:
        inc = self.incident
        facts = kv_grid()
        facts.add_row("Severity", txt(inc.severity))
        facts.add_row("Started", Text(local_time(inc.started_at)))
        facts.add_row("Resolved", Text(local_time(inc.resolved_at) if inc.resolved_at else "—"))
        facts.add_row("TTA / TTR", Text(f"{dur(inc.tta_s)} / {dur(inc.ttr_s)}"))
        steps = Table.grid(padding=(0, 2))
        steps.add_column(no_wrap=True)
        steps.add_column(overflow="fold")
        for at, what in timeline(inc, self.now):
            steps.add_row(Text(local_time(at)), txt(what))
        return [
            facts,
            self.heading("Timeline"),
            steps,
            self.heading("Labels"),
            literal_table(inc.labels, "label"),
        ]
