"""Alert list panel: Alertmanager's alerts grouped by alertname, with a `/` filter.

Row keys: an alert's fingerprint, or "group:<alertname>" for a group's header row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Input

from oncall_tui.model.snapshot import Alert, Snapshot
from oncall_tui.text import label_pairs
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.state import AlertGroup, ack_expiring, filter_alerts, group_alerts
from oncall_tui.ui.widgets.format import Palette, age, txt
from oncall_tui.ui.widgets.line import TextLine
from oncall_tui.ui.widgets.ordered_input import OrderedInput
from oncall_tui.ui.widgets.panel import TablePanel, TableRows, selected_key
from oncall_tui.ui.widgets.table import CellCache, natural_widths

COLUMNS = ("Alert", "Sev", "State", "Since", "Acked by", "Summary")
GROUP_PREFIX = "group:"
MORE_PREFIX = "more:"
GROUP_ROWS = 100
"""A group lists its most urgent this many alerts, then one row saying how many more
(Enter on it lists them all; `/` narrows). An alert storm of 20,000 alerts in 40 groups
is then 4,000 rows, not 20,000: what a person scrolls, at a fifth of the memory and
work a poll; the group's header still counts, and `a` on it acks, every one."""
HIDDEN_LABELS = ("alertname", "severity")


def label_summary(alert: Alert) -> str:
    return label_pairs(alert.labels, hide=HIDDEN_LABELS)


def _state_text(alert: Alert, palette: Palette) -> Text:
    state = alert.display_state
    if alert.ack_pending and state == "active":
        # Still active until the queued ack is delivered; the word "active" would only
        # push the columns after it off an 80-column screen.
        return Text("⧗ack pending", style=palette.style("severity-warning", bold=True))
    out = Text(state, style="" if state == "active" else "dim")
    if alert.ack_pending:
        out.append(" ⧗ack pending", style=palette.style("severity-warning", bold=True))
    return out


STATE_SHORT = {"active": "act", "silenced": "sil", "inhibited": "inh"}


def group_state(group: AlertGroup) -> str:
    """ "2 active" for a uniform group, "1 act · 1 sil" for a mixed one (kept short: the
    column must leave room for the alert names on an 80-column screen)."""
    counts = [(s, n) for s in ("active", "silenced", "inhibited") if (n := group.count(s))]
    if len(counts) == 1:
        return f"{counts[0][1]} {counts[0][0]}"
    return " · ".join(f"{n} {STATE_SHORT[s]}" for s, n in counts)


NOT_ACKED = Text("")
"""The Acked-by cell of most alerts in a storm: one object, so the diff skips it at once."""


def _acked_text(alert: Alert, palette: Palette, now: float) -> Text:
    if alert.acked_by is None and not alert.muted_by:
        return NOT_ACKED
    if alert.acked_by is None:
        # Muted by someone's silence (maintenance, amtool) is not acked: say whose, dim.
        others = alert.other_silences
        if not others:
            return Text("")
        s = others[0]
        return txt(f"(silence: {s.created_by}, {age(s.ends_at, now)} left)", "dim italic")
    out = txt(alert.acked_by)
    if alert.acked_until is not None:
        left = f" ({age(alert.acked_until, now)} left)"
        if ack_expiring(alert, now):
            # The silence is about to lapse: the alert will page again.
            out.append(left, style=palette.style("severity-warning", bold=True))
            out.stylize("reverse")
        else:
            out.append(left, style="dim")
    return out


def _group_row(group: AlertGroup, palette: Palette) -> list[Text]:
    # How many alerts, by state, is in the State cell: the name keeps its room.
    header = Text("▾ ", style="bold").append_text(txt(group.name or "(no alertname)", "bold"))
    return [
        header,
        txt(group.severity, style=palette.severity(group.severity)),
        Text(group_state(group), style="dim"),
        Text(""),
        Text(""),
        Text(""),
    ]


def _alert_cells(palette: Palette) -> Callable[[Alert], tuple[Text, ...]]:
    """The cells of an alert's row that do not change with the clock."""

    def make(a: Alert) -> tuple[Text, ...]:
        dim = "dim" if a.display_state != "active" else ""
        return (
            Text("  ").append_text(txt(label_summary(a), dim)),
            txt(a.severity, style=palette.severity(a.severity)),
            _state_text(a, palette),
            txt(a.annotations.get("summary", ""), dim),
        )

    return make


class SinceCells:
    """The Since cell of an age: one Text per distinct text, kept (an alert storm asks
    for thousands a poll, most of them the text of another alert or of the last poll;
    the same object lets the table's diff skip the cell at once). Only the ages of the
    last two builds are kept: the clock moves on, old ages never come back."""

    def __init__(self) -> None:
        self._texts: dict[int, Text] = {}
        self._last: dict[int, Text] = {}

    def begin(self) -> None:
        """Before a build: what the build before last used goes."""
        self._last, self._texts = self._texts, {}

    def cell(self, now: float, starts_at: float) -> Text:
        if not math.isfinite(starts_at):
            return Text(age(now, starts_at), justify="right")
        seconds = max(0, round(now - starts_at))
        got = self._texts.get(seconds)
        if got is None:
            got = self._last.get(seconds)
        if got is None:
            got = Text(age(now, starts_at), justify="right")
        self._texts[seconds] = got
        return got


@dataclass(frozen=True, slots=True)
class ListRows:
    """Rows as `list_rows` makes them, and which of them show an alert: their Since and
    Acked-by cells move with the clock, the others' cells do not."""

    rows: list[tuple[str, list[Text]]]
    clocked: list[tuple[int, Alert]]
    """(row index, the alert it shows)."""


def list_rows(
    alerts: Sequence[Alert],
    palette: Palette,
    now: float,
    cache: CellCache[Alert] | None = None,
    since: SinceCells | None = None,
    expanded: Collection[str] = (),
    of: int | None = None,
) -> ListRows:
    """Rows by group; a group not `expanded` lists at most GROUP_ROWS alerts. `of`:
    how many alerts there are before a filter (default: `alerts`), so the cells of those
    a filter hides are kept for when it is cleared."""
    cache = cache if cache is not None else CellCache()
    since = since if since is not None else SinceCells()
    since.begin()
    cache.begin(palette.key, max(len(alerts), of or 0))
    make = _alert_cells(palette)
    rows: list[tuple[str, list[Text]]] = []
    clocked: list[tuple[int, Alert]] = []
    for group in group_alerts(alerts):
        rows.append((GROUP_PREFIX + group.name, _group_row(group, palette)))
        listed = group.alerts if group.name in expanded else group.alerts[:GROUP_ROWS]
        for a in listed:
            name, severity, state, summary = cache.cells(a.fingerprint, a, make)
            started = since.cell(now, a.starts_at)
            acked = _acked_text(a, palette, now)
            clocked.append((len(rows), a))
            rows.append((a.fingerprint, [name, severity, state, started, acked, summary]))
        if len(listed) < len(group.alerts):
            rows.append((MORE_PREFIX + group.name, _more_row(len(group.alerts) - len(listed))))
    return ListRows(rows, clocked)


SINCE, ACKED = COLUMNS.index("Since"), COLUMNS.index("Acked by")


def table_of(rows: list[tuple[str, list[Text]]], filtered: bool = False) -> TableRows:
    """The table's rows, and how its columns share the width. The rows a filter hides
    are kept by the table for when it is cleared."""
    # Alert names stay whole (up to 32 cells); long label sets are cut with "…".
    names = [cells[0].cell_len for key, cells in rows if key.startswith(GROUP_PREFIX)]
    name_w = min(32, max(names, default=14))
    return TableRows(
        rows,
        natural_widths(COLUMNS, rows),
        flexible={0: name_w, len(COLUMNS) - 1: 0},
        min_widths=((SINCE, len("59m 59s")),),
        keep_gone=filtered,
    )


@dataclass(frozen=True, slots=True)
class WholeList:
    """The rows of the whole alert list (no filter), kept while a filter shows a few: Esc
    brings them back at once, with only the cells that move with the clock made anew,
    instead of thousands of rows built again while the key waits. Valid only for the
    very list they were built from (`items`), in the same colours, with the same
    groups listed whole: an older list's rows would show alerts that are gone."""

    items: Sequence[Alert]
    theme: Hashable
    expanded: frozenset[str]
    built: ListRows
    table: TableRows
    now: float
    """When `table` was made (its clock cells are of then)."""

    def serves(self, items: Sequence[Alert], theme: Hashable, expanded: frozenset[str]) -> bool:
        return items is self.items and theme == self.theme and expanded == self.expanded

    def at(self, now: float, palette: Palette, since: SinceCells) -> TableRows:
        """The rows as of `now`."""
        if now == self.now:
            return self.table
        rows = list(self.built.rows)
        ages: dict[int, Text] = {}  # distinct cells (most are shared): measured once
        acks: dict[int, Text] = {}
        cell = since.cell
        for i, a in self.built.clocked:
            key, cells = rows[i]
            started, acked = cell(now, a.starts_at), _acked_text(a, palette, now)
            ages[id(started)] = started
            acks[id(acked)] = acked
            rows[i] = (key, [cells[0], cells[1], cells[2], started, acked, cells[5]])
        natural = list(self.table.natural)
        for column, made in ((SINCE, ages), (ACKED, acks)):
            natural[column] = max([len(COLUMNS[column])] + [t.cell_len for t in made.values()])
        return replace(self.table, rows=rows, natural=natural)


def _more_row(hidden: int) -> list[Text]:
    words = Text(f"  … {hidden:,} more: Enter lists them", style="dim italic")
    return [words, *(Text("") for _ in COLUMNS[1:])]


class AlertsPanel(TablePanel):
    TITLE = "Alerts"
    SECTION = "alerts"
    COLUMNS = COLUMNS
    TABLE_ID = "alerts-table"
    BINDINGS: ClassVar[list[BindingType]] = bindings("alerts")

    def __init__(self, clock: Callable[[], float], *, id: str | None = None) -> None:
        super().__init__(clock, id=id)
        self.filter_text = ""
        self._had_rows = False
        self._visible: tuple[object, str, list[Alert]] | None = None
        self._whole: WholeList | None = None
        self._cells: CellCache[Alert] = CellCache()
        self._since = SinceCells()
        self.expanded: set[str] = set()
        """Groups listed whole (Enter on their "… more" row)."""
        self.filter_input = OrderedInput(placeholder="filter: text or key=value", id="alert-filter")

    def compose(self) -> ComposeResult:
        # The filter box is mounted at the first `/` (start_filter): styling an Input,
        # and again each time the panel's focus changes, was ~5 % of a cold start's CPU.
        yield self.table
        yield TextLine(id="alerts-empty")

    def visible_alerts(self) -> list[Alert]:
        """The alerts the filter lets through (kept until the list or the filter
        changes: the keys ask for it on every footer refresh)."""
        if self.snapshot is None:
            return []
        known = self._known_visible()
        if known is None:
            items = self.snapshot.alerts.items
            known = filter_alerts(items, self.filter_text)
            self._visible = (items, self.filter_text, known)
        return known

    def _known_visible(self) -> list[Alert] | None:
        """The filtered list of the current alerts and filter, if made already (by the
        rows' build, or an earlier `visible_alerts`)."""
        kept = self._visible
        if self.snapshot is None or kept is None:
            return None
        items, query, shown = kept
        return shown if items is self.snapshot.alerts.items and query == self.filter_text else None

    def title_text(self) -> str:
        if self.snapshot is None or self.waiting:  # counts unknown, not 0
            return self.TITLE
        if self._title and self._known_visible() is None:
            # The rows are being built off the loop (a storm's poll, a letter typed):
            # the title changes with them (rows_shown), not by filtering them here too.
            return self._title
        items = self.snapshot.alerts.items
        active = sum(1 for a in items if a.display_state == "active")
        shown = len(self.visible_alerts())
        title = f"{self.TITLE} · {active} active / {len(items)}"
        return title + (f" · filter: {shown} match" if self.filter_text else "")

    def item_count(self, snapshot: Snapshot) -> int:
        return len(snapshot.alerts.items)

    def table_rows(self, snapshot: Snapshot, palette: Palette, now: float) -> TableRows:
        items, query = snapshot.alerts.items, self.filter_text
        expanded = frozenset(self.expanded)
        if not query:
            # Kept rows may have come meanwhile (made for this list while it waited).
            whole = self._kept_whole(items, palette, expanded)
            if whole is None:
                whole = self._whole = self._whole_list(items, palette, now, expanded)
            self._visible = (items, query, list(items))
            return whole.at(now, palette, self._since)
        shown = filter_alerts(items, query)
        # Kept for visible_alerts (the title's count, the keys): in a storm the loop
        # would filter 20,000 alerts again after every poll.
        self._visible = (items, query, shown)
        built = list_rows(shown, palette, now, self._cells, self._since, expanded, len(items))
        return table_of(built.rows, filtered=True)

    def after_rows(self, snapshot: Snapshot, palette: Palette, now: float) -> None:
        # A new list while the filter is on: its whole rows are made now (off the loop
        # in a storm, once the few filtered ones are shown), so Esc need not wait for
        # a build of thousands of rows, maybe behind a poll's in the lane.
        items, expanded = snapshot.alerts.items, frozenset(self.expanded)
        if self.filter_text and self._kept_whole(items, palette, expanded) is None:
            self._whole = self._whole_list(items, palette, now, expanded)

    def _whole_list(
        self, items: Sequence[Alert], palette: Palette, now: float, expanded: frozenset[str]
    ) -> WholeList:
        built = list_rows(items, palette, now, self._cells, self._since, expanded)
        return WholeList(items, palette.key, expanded, built, table_of(built.rows), now)

    def _kept_whole(
        self, items: Sequence[Alert], palette: Palette, expanded: frozenset[str]
    ) -> WholeList | None:
        whole = self._whole
        return whole if whole is not None and whole.serves(items, palette.key, expanded) else None

    def _ready_whole(self, snapshot: Snapshot, palette: Palette) -> WholeList | None:
        """The whole list's rows, if no filter is on and they are kept for this list."""
        if self.filter_text:
            return None
        return self._kept_whole(snapshot.alerts.items, palette, frozenset(self.expanded))

    def kept_rows(self, snapshot: Snapshot, palette: Palette, now: float) -> TableRows | None:
        whole = self._ready_whole(snapshot, palette)
        if whole is None:
            return None
        self._visible = (snapshot.alerts.items, "", list(snapshot.alerts.items))
        return whole.at(now, palette, self._since)

    def rows_shown(self, built: TableRows) -> None:
        snapshot = self.snapshot
        shown = bool(built.rows)
        empty = self.query_one("#alerts-empty", TextLine)
        empty.display = not shown
        self.set_class(not shown, "-empty")  # the words go right under the header
        if not shown and snapshot is not None:
            if self.filter_text:
                words = "No alert matches the filter (Esc clears it)."
            elif snapshot.alerts.section.fetched_at is None:
                words = "Alerts unknown: the Alertmanager has not answered yet."
            else:
                words = "No alerts: the Alertmanager reports nothing firing."
            empty.show(Text(words, style="dim"))
        if shown and not self._had_rows:
            self.select_first_alert()  # start on an alert, so a / u / r work at once
        self._had_rows = shown
        self.set_title(self.title_text())

    # -- selection -------------------------------------------------------------------

    def detail_subject(self) -> Alert | None:
        return self.selected_alert()

    def selected_alert(self) -> Alert | None:
        key = selected_key(self.table)
        if key is None or key.startswith((GROUP_PREFIX, MORE_PREFIX)) or self.snapshot is None:
            return None
        return next((a for a in self.snapshot.alerts.items if a.fingerprint == key), None)

    def selected_alerts(self) -> list[Alert]:
        """The selected alert, or every shown alert of the selected group."""
        key = selected_key(self.table)
        if key is None or key.startswith(MORE_PREFIX):
            return []
        if key.startswith(GROUP_PREFIX):
            name = key[len(GROUP_PREFIX) :]
            return [a for a in self.visible_alerts() if a.alertname == name]
        alert = self.selected_alert()
        return [alert] if alert else []

    def select_first_alert(self) -> None:
        for i, (key, _) in enumerate(self._keys()):
            if not key.startswith((GROUP_PREFIX, MORE_PREFIX)):
                self.table.move_cursor(row=i)
                return

    def _keys(self) -> list[tuple[str, int]]:
        return [(str(row.key.value), i) for i, row in enumerate(self.table.ordered_rows)]

    @on(DataTable.RowSelected, "#alerts-table")
    def _more_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is not None and key.startswith(MORE_PREFIX):
            event.stop()  # not a details request
            self.expanded.add(key[len(MORE_PREFIX) :])
            self.rerender()

    # -- filter ----------------------------------------------------------------------

    @property
    def filter_mounted(self) -> bool:
        return self.filter_input.parent is not None

    def start_filter(self) -> None:
        if not self.filter_mounted:
            self.mount(self.filter_input, before=self.table)  # in the DOM at once
        self.filter_input.display = True
        self.filter_input.focus()

    def set_filter(self, text: str) -> None:
        if text == self.filter_text:
            # Esc clears the box and the filter at once; the box's own Changed event
            # follows: in a storm each rebuild is thousands of rows.
            return
        self.filter_text = text
        if self.snapshot is not None and self._ready_whole(self.snapshot, self.palette):
            # The whole list's rows are kept: back in the frame that closes the box.
            self.rerender()
            return
        # The box's change (a letter, the box closed) is drawn first: the rows' build
        # (off the loop for a long list) shares the interpreter with that frame.
        self.call_after_refresh(self.rerender)

    @on(Input.Changed, "#alert-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.set_filter(event.value)

    @on(Input.Submitted, "#alert-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.filter_text:
            self.filter_input.display = False
        self.table.focus()
        self.select_first_alert()

    def action_clear_filter(self) -> None:
        if self.filter_mounted:
            self.filter_input.value = ""
            self.filter_input.display = False
        self.set_filter("")
        self.table.focus()
