"""The incident record: one row per incident, merged each poll from what was seen.

The journal keeps these rows; this module only decides how they change. A poll sees
some of: Alertmanager's alerts (with `startsAt`: the truth about "now"), Prometheus'
`ALERTS` history as runs on fixed step boundaries (what happened while no copy of the
tool was running, and before the journal existed), acks and runbook runs. `merge`
turns the rows it is given plus one poll's observation into the rows that changed.

Rules (an experienced on-call engineer's expectations, and the issue's):
- An alert in Alertmanager belongs to the open row of its labels if it started no
  later than `grace` after that row was last seen firing; else to the latest resolved
  row of its labels that ended within `grace` before it started (a flap: the row is
  reopened, one incident); else it opens a new row at its `startsAt`.
- An open row whose alert is no longer in Alertmanager (which answered) is resolved at
  the last time it was seen firing. If no copy watched for longer than `grace`, the
  history run that covers that moment says how much longer it fired.
- A history run that no row accounts for becomes a row of its own: `seen` says
  "history" (no copy was watching) or "pre-journal" (before recording began). Such a
  row is extended by later history while it is not final (history lags behind).
- A row is *final* once it ended more than `grace` ago (plus `history_settle_s` for a
  row made from history). Nothing changes a final row: not its start, end, first ack
  nor its runbooks. Rows are matched by labels: a history series matches a row whose
  labels include all of the series' (Alertmanager adds external labels).
- The first ack is the earliest ack of the row's alert between its start and `grace`
  after its end (runbook runs likewise).

Pure: plain data in, plain data out, no clock, no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import fmean
from typing import Literal, Protocol

from oncall_tui.durations import format_duration
from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.series import Series
from oncall_tui.model.snapshot import Alert, Incident, IncidentRun, elapsed

Seen = Literal["live", "history", "pre-journal"]
"""How an incident was seen: by a running copy in Alertmanager ("live"), only in
Prometheus' ALERTS history while no copy ran ("history"), or in that history from
before the journal began ("pre-journal")."""
SEEN_VALUES: tuple[Seen, ...] = ("live", "history", "pre-journal")

Ack = tuple[float, str]
"""(acked_at, acked_by) of one acknowledgement."""

_DROPPED = ("__name__", "alertstate")


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """One incident as the journal keeps it. `id` is its row id (None until stored)."""

    key: str  # fingerprint of `labels`
    labels: Mapping[str, str]
    started_at: float
    ended_at: float | None  # None while firing
    last_seen_at: float  # the last time it was seen firing
    seen: Seen
    acked_at: float | None = None
    acked_by: str | None = None
    run_ids: tuple[int, ...] = ()
    id: int | None = None

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "none")

    @property
    def tta_s(self) -> float | None:
        return elapsed(self.started_at, self.acked_at)

    def seen_until(self, at: float) -> IncidentRecord:
        """`replace(self, last_seen_at=at)`, made directly: every open row of a storm
        gets one each poll, and `replace` looks the fields up again every time."""
        return IncidentRecord(
            key=self.key,
            labels=self.labels,
            started_at=self.started_at,
            ended_at=self.ended_at,
            last_seen_at=at,
            seen=self.seen,
            acked_at=self.acked_at,
            acked_by=self.acked_by,
            run_ids=self.run_ids,
            id=self.id,
        )

    @property
    def ttr_s(self) -> float | None:
        return elapsed(self.started_at, self.ended_at)


@dataclass(frozen=True, slots=True)
class MergeRules:
    grace_s: float = 60.0
    """A re-fire within this long after the end is the same incident."""
    history_settle_s: float = 0.0
    """Extra time a row made from history stays open to later history (its lag)."""
    since: float = 0.0
    """When recording began: history runs that started earlier are "pre-journal"."""

    def settle_s(self, record: IncidentRecord) -> float:
        extra = 0.0 if record.seen == "live" else self.history_settle_s
        return self.grace_s + extra

    def final(self, record: IncidentRecord, now: float) -> bool:
        """Resolved long enough ago that nothing may change it any more."""
        return record.ended_at is not None and now - record.ended_at > self.settle_s(record)


def grace_default(refresh_s: float) -> float:
    """max(2 x refresh, 60 s): a flap shorter than two polls is never two incidents."""
    return max(2.0 * refresh_s, 60.0)


@dataclass(frozen=True, slots=True)
class HistoryRun:
    labels: Mapping[str, str]
    first: float  # first step boundary with the alert firing
    last: float  # last such boundary
    key: str = ""  # fingerprint of `labels` ("" -> computed)

    def fingerprint(self) -> str:
        return self.key or fingerprint(self.labels)


@dataclass(frozen=True, slots=True)
class History:
    """ALERTS history as runs, read at step boundaries up to `until` (inclusive)."""

    runs: tuple[HistoryRun, ...]
    step: float
    until: float


def runs_of(points: Iterable[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """(first, last) timestamps of each run of points at most 1.5 steps apart."""
    runs: list[tuple[float, float]] = []
    gap = 1.5 * step
    for at in sorted(p[0] for p in points):
        if runs and at - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], at)
        else:
            runs.append((at, at))
    return runs


def history_note(
    series_count: int, lookback_s: float, alerts_known: bool, current_alerts: int
) -> str | None:
    """Words for an ALERTS history with no series at all over the lookback (None when
    it has some): the rules are evaluated elsewhere (vmalert, another Prometheus) when
    the Alertmanager has alerts nobody here recorded; else nothing fired, or the same."""
    if series_count:
        return None
    span = format_duration(lookback_s)
    if alerts_known and current_alerts:
        return (
            f"no ALERTS series in the last {span}, yet the Alertmanager has {current_alerts} "
            "alert(s): their rules are evaluated elsewhere (vmalert, another Prometheus), "
            "so only current alerts are shown; the history needs the ALERTS series of "
            "the server that evaluates the rules"
        )
    return (
        f"no ALERTS series in the last {span}: no alert fired, or the rules are "
        "evaluated on another server (vmalert, another Prometheus)"
    )


def history_from(series: Iterable[Series], step: float, until: float) -> History:
    runs = []
    for s in series:
        labels = {k: v for k, v in s.labels.items() if k not in _DROPPED}
        key = fingerprint(labels)
        runs += [HistoryRun(labels, a, b, key) for a, b in runs_of(s.points, step)]
    return History(tuple(runs), step, until)


@dataclass(frozen=True, slots=True)
class RunSeen:
    """A runbook run from the journal, with the alert it was run for."""

    id: int
    fingerprint: str | None
    started_at: float


@dataclass(frozen=True, slots=True)
class Observation:
    """What one poll saw. `alerts` None: Alertmanager did not answer (nothing is
    resolved then); `history` None: not read this poll."""

    now: float
    alerts: Sequence[Alert] | None
    history: History | None = None
    acks: Mapping[str, Sequence[Ack]] = field(default_factory=dict)
    runs: Sequence[RunSeen] = ()


def _within(small: Mapping[str, str], big: Mapping[str, str]) -> bool:
    return all(big.get(k) == v for k, v in small.items())


def _restrict(labels: Mapping[str, str], keys: tuple[str, ...]) -> tuple[str, ...] | None:
    try:
        return tuple(labels[k] for k in keys)
    except KeyError:
        return None


class _Book:
    """The rows being merged, by position, with the ones that changed, indexed by
    their exact labels and (built when first asked) by the values of a key set."""

    def __init__(self, records: Sequence[IncidentRecord], rules: MergeRules, now: float) -> None:
        self.rows: list[IncidentRecord] = []
        self.rules = rules
        self.now = now
        self.changed: set[int] = set()
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self._by_values: dict[tuple[str, ...], dict[tuple[str, ...], list[int]]] = {}
        self._history_keysets: set[tuple[str, ...]] = set()  # of rows not seen live
        for r in records:
            self._index(r)
        self.frozen = {i for i, r in enumerate(self.rows) if rules.final(r, now)}

    def _index(self, record: IncidentRecord) -> int:
        i = len(self.rows)
        self.rows.append(record)
        self.by_key[record.key].append(i)
        for keys, index in self._by_values.items():
            values = _restrict(record.labels, keys)
            if values is not None:
                index[values].append(i)
        if record.seen != "live":
            self._history_keysets.add(tuple(sorted(record.labels)))
        return i

    def add(self, record: IncidentRecord) -> int:
        i = self._index(record)
        self.changed.add(i)
        return i

    def set(self, i: int, record: IncidentRecord) -> None:
        assert i not in self.frozen, "a final incident never changes"
        if record != self.rows[i]:
            self.rows[i] = record
            self.changed.add(i)

    def _having(self, keys: tuple[str, ...], labels: Mapping[str, str]) -> list[int]:
        """Rows that have all of `keys` with the values `labels` gives them."""
        index = self._by_values.get(keys)
        if index is None:
            index = defaultdict(list)
            for i, r in enumerate(self.rows):
                values = _restrict(r.labels, keys)
                if values is not None:
                    index[values].append(i)
            self._by_values[keys] = index
        values = _restrict(labels, keys)
        return [] if values is None else index.get(values, [])

    def for_alert(self, alert: Alert) -> list[int]:
        """Rows of this alert: of its exact labels; failing that, rows made from
        history whose labels it includes (it carries Prometheus' external labels)."""
        same = self.by_key.get(alert.fingerprint)
        if same:
            return same
        out: list[int] = []
        for keys in self._history_keysets:
            if all(k in alert.labels for k in keys):
                out += [
                    i
                    for i in self._having(keys, alert.labels)
                    if self.rows[i].seen != "live" and len(self.rows[i].labels) == len(keys)
                ]
        return out

    def for_series(self, labels: Mapping[str, str], key: str) -> list[int]:
        """Rows of a history series (`key` its fingerprint): of its exact labels;
        failing that, rows whose labels include the series' (Alertmanager's alerts
        carry external labels)."""
        same = self.by_key.get(key)
        if same:
            return same
        return self._having(tuple(sorted(labels)), labels)

    def live(self, i: int) -> bool:
        return i not in self.frozen


def merge(
    records: Sequence[IncidentRecord], obs: Observation, rules: MergeRules
) -> list[IncidentRecord]:
    """The new and changed rows (new ones with `id` None), oldest start first.

    `records`: every row that is open or ended within the history's reach (older rows
    cannot change, but history runs are checked against them)."""
    book = _Book(records, rules, obs.now)
    matched: dict[int, set[str]] = defaultdict(set)  # row -> alert fingerprints this poll
    if obs.alerts is not None:
        _merge_alerts(book, obs, matched)
    if obs.history is not None:
        _merge_history(book, obs.history, obs.alerts is not None)
    _merge_acks_and_runs(book, obs, matched)
    out = [book.rows[i] for i in sorted(book.changed)]
    out.sort(key=lambda r: (r.started_at, r.key))
    return out


def _merge_alerts(book: _Book, obs: Observation, matched: dict[int, set[str]]) -> None:
    now, grace = obs.now, book.rules.grace_s
    assert obs.alerts is not None
    # Oldest first, so that of two alerts of one label set the older claims the row.
    for alert in sorted(obs.alerts, key=lambda a: a.starts_at):
        rows = book.for_alert(alert)
        open_rows = [
            i
            for i in rows
            if book.rows[i].ended_at is None
            and i not in matched
            and alert.starts_at <= book.rows[i].last_seen_at + grace
        ]
        if open_rows:
            i = min(open_rows, key=lambda i: book.rows[i].started_at)
            r = book.rows[i]
            if now > r.last_seen_at:  # else unchanged: nothing to set
                book.set(i, r.seen_until(now))
            matched[i].add(alert.fingerprint)
            continue
        flapped = [
            i
            for i in rows
            if book.live(i)
            and (end := book.rows[i].ended_at) is not None
            and end - grace <= alert.starts_at <= end + grace
            and i not in matched
        ]
        if flapped:
            i = max(flapped, key=lambda i: book.rows[i].ended_at or 0.0)
            r = book.rows[i]
            book.set(i, replace(r, ended_at=None, last_seen_at=now))
            matched[i].add(alert.fingerprint)
            continue
        i = book.add(
            IncidentRecord(
                key=alert.fingerprint,
                labels=dict(alert.labels),
                started_at=alert.starts_at,
                ended_at=None,
                last_seen_at=max(now, alert.starts_at),
                seen="live",
            )
        )
        matched[i].add(alert.fingerprint)
    for i, r in enumerate(list(book.rows)):
        if r.ended_at is None and i not in matched:
            book.set(i, replace(r, ended_at=_end_of(r, obs, grace)))


def _end_of(r: IncidentRecord, obs: Observation, grace: float) -> float:
    """When a row that Alertmanager no longer shows stopped firing."""
    end = r.last_seen_at
    history = obs.history
    if history is None or (r.seen == "live" and obs.now - r.last_seen_at <= grace):
        return end  # watched closely: the last sighting is the end
    for run in history.runs:
        if (
            _within(run.labels, r.labels)
            and run.first - history.step <= r.last_seen_at <= run.last + history.step
        ):
            end = max(end, min(run.last, obs.now))
    return end


def _merge_history(book: _Book, history: History, alerts_known: bool) -> None:
    rules, step = book.rules, history.step
    slack = rules.grace_s + step
    for run in sorted(history.runs, key=lambda r: r.first):
        hits = [
            i
            for i in book.for_series(run.labels, run.fingerprint())
            if book.rows[i].started_at - slack <= run.last
            and run.first <= (book.rows[i].ended_at or book.now) + slack
        ]
        if hits:
            for i in hits:
                r = book.rows[i]
                if (
                    book.live(i)
                    and r.seen != "live"
                    and r.ended_at is not None
                    and run.last > r.ended_at
                ):
                    book.set(i, replace(r, ended_at=run.last, last_seen_at=run.last))
            continue
        # Reaching the newest boundary: still firing, unless Alertmanager (which
        # answered and does not show it, or a row would have matched) says otherwise.
        ongoing = run.last >= history.until - step and not alerts_known
        labels = dict(run.labels)
        book.add(
            IncidentRecord(
                key=run.fingerprint(),
                labels=labels,
                started_at=run.first,
                ended_at=None if ongoing else run.last,
                last_seen_at=run.last,
                seen="pre-journal" if run.first < rules.since else "history",
            )
        )


def _merge_acks_and_runs(book: _Book, obs: Observation, matched: dict[int, set[str]]) -> None:
    runs_by_fp: dict[str, list[RunSeen]] = defaultdict(list)
    for run in obs.runs:
        if run.fingerprint:
            runs_by_fp[run.fingerprint].append(run)
    for i, r in enumerate(list(book.rows)):
        if not book.live(i):
            continue
        keys = {r.key} | matched.get(i, set())
        # An ack or run just after the last sighting (the human could not know yet)
        # still belongs to it, as a re-fire within the grace period would.
        end = obs.now if r.ended_at is None else min(obs.now, r.ended_at + book.rules.grace_s)
        acks = [a for k in keys for a in obs.acks.get(k, ()) if r.started_at <= a[0] <= end]
        first = min(acks, default=None)
        if first is not None and (r.acked_at is None or first[0] < r.acked_at):
            r = replace(r, acked_at=first[0], acked_by=first[1])
        run_ids = set(r.run_ids) | {
            run.id
            for k in keys
            for run in runs_by_fp.get(k, ())
            if r.started_at <= run.started_at <= end
        }
        if run_ids != set(r.run_ids):
            r = replace(r, run_ids=tuple(sorted(run_ids)))
        book.set(i, r)


def in_window(records: Iterable[IncidentRecord], start: float, end: float) -> list[IncidentRecord]:
    """Rows that overlap [start, end], newest start first."""
    out = [
        r for r in records if r.started_at <= end and (r.ended_at is None or r.ended_at >= start)
    ]
    out.sort(key=lambda r: (-r.started_at, r.alertname, r.key))
    return out


class _Timed(Protocol):
    @property
    def tta_s(self) -> float | None: ...
    @property
    def ttr_s(self) -> float | None: ...


def mean_times(records: Iterable[_Timed]) -> tuple[float | None, float | None]:
    """(MTTA over acked rows, MTTR over resolved rows): what the TUI, `snapshot`,
    exports and the report all show."""
    rows = list(records)
    ttas = [t for t in (r.tta_s for r in rows) if t is not None]
    ttrs = [t for t in (r.ttr_s for r in rows) if t is not None]
    return (fmean(ttas) if ttas else None, fmean(ttrs) if ttrs else None)


def to_incident(record: IncidentRecord, runs: Mapping[int, IncidentRun]) -> Incident:
    """The row as the Snapshot (and so the TUI, `snapshot`, export, report) shows it;
    `runs` by run id (runs no longer in the journal are left out)."""
    return Incident(
        alertname=record.alertname,
        severity=record.severity,
        status="firing" if record.ended_at is None else "resolved",
        started_at=record.started_at,
        resolved_at=record.ended_at,
        # Shared, not copied (neither side mutates it): 20,000 incidents are 20,000 dicts.
        labels=record.labels if isinstance(record.labels, dict) else dict(record.labels),
        acked_at=record.acked_at,
        acked_by=record.acked_by,
        seen=record.seen,
        runbooks=tuple(runs[i] for i in record.run_ids if i in runs),
        id=record.id,
    )
