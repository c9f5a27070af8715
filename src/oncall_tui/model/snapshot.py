"""The Snapshot: everything one poll learned, as frozen plain data.

Every consumer (the TUI, `snapshot` json/text, the journal) reads these types and
nothing else. Times are POSIX seconds (float), durations seconds, ratios in [0, 1]
unless a field says otherwise. `None` means "not known" (source down, no data), which
renderers show as such, never as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

QUANTILES: tuple[tuple[str, float], ...] = (
    ("p50", 0.50),
    ("p75", 0.75),
    ("p95", 0.95),
    ("p99", 0.99),
    ("max", 1.0),
)
"""Quantile names shown everywhere, with the q given to the histogram estimator.
`max` is q=1: the upper bound of the highest non-empty bucket, as Prometheus'
`histogram_quantile(1, ...)` answers."""

Point = tuple[float, float]
"""(timestamp, value) of a time series."""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """How one source answered during the poll."""

    name: str  # "prometheus" | "alertmanager"
    ok: bool
    error: str | None = None  # the error in words, secrets removed
    latency_s: float | None = None  # wall time of the slowest request of this source
    checked_at: float = 0.0  # when this poll ran
    last_ok_at: float | None = None  # when the source last answered (for staleness)
    url: str | None = None  # the peer that answered (Alertmanager HA) or was tried
    detail: str | None = None  # e.g. "peer 2 of 3 answered; peer 1: connection refused"


@dataclass(frozen=True, slots=True)
class Section:
    """Common header of every panel's data: where it came from and whether it is fresh."""

    source: str  # which source feeds it
    ok: bool = True  # False: this poll could not refresh it (data shown is the last good)
    error: str | None = None  # why, in words
    fetched_at: float | None = None  # when the data shown was fetched; None = never


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    name: str
    availability: float | None  # ratio [0, 1]; None when the query gave nothing
    error: str | None = None  # why it is unknown, in words ("no series for ...")
    series: int = 0  # how many series the query answered (every one counts)
    reduce: str = "min"  # how they made `availability`: "min" | "avg" | "max"
    worst_labels: dict[str, str] = field(default_factory=dict)  # the lowest series' labels
    worst: float | None = None  # that series' value

    @property
    def breakdown(self) -> str:
        """ "min of 4 series; worst instance="db-3:9100" 0.00 %" ("" for one series)."""
        if self.series <= 1:
            return ""
        text = f"{self.reduce} of {self.series} series"
        if self.worst is not None:
            labels = ", ".join(f'{k}="{v}"' for k, v in sorted(self.worst_labels.items()))
            text += f"; worst {{{labels}}} {self.worst * 100:.2f} %"
        return text


@dataclass(frozen=True, slots=True)
class SloCheck:
    name: str  # "p95 latency" / "error rate"
    value: float | None  # measured (seconds for latency, ratio for errors)
    target: float
    unit: str  # "s" or "ratio"
    ok: bool | None  # None: not measurable
    penalty: float  # points subtracted from the score


@dataclass(frozen=True, slots=True)
class HealthTerm:
    """One line of the score's explanation: `points` is added to the score."""

    label: str
    points: float
    explanation: str


@dataclass(frozen=True, slots=True)
class Health:
    score: float | None  # 0..100; None when nothing could be measured
    components: tuple[ComponentHealth, ...] = ()
    slo_checks: tuple[SloCheck, ...] = ()
    alert_penalty: float = 0.0
    terms: tuple[HealthTerm, ...] = ()  # score == sum of term points, clamped to [0, 100]
    unknown: tuple[str, ...] = ()  # terms that could not be measured: the score is partial
    section: Section = field(default_factory=lambda: Section("prometheus"))


@dataclass(frozen=True, slots=True)
class ServiceLatency:
    service: str
    quantiles: dict[str, float | None]  # keys of QUANTILES, seconds
    history: dict[str, tuple[Point, ...]]  # same keys; points over the window
    requests_per_s: float | None = None
    max_unbounded: bool = False
    """Requests slower than the highest finite bucket bound: `max` is that bound and
    the slowest request took longer (shown "> bound"; otherwise "≤ bound")."""


@dataclass(frozen=True, slots=True)
class Latency:
    services: tuple[ServiceLatency, ...] = ()
    slo_p95: float | None = None  # seconds
    section: Section = field(default_factory=lambda: Section("prometheus"))


@dataclass(frozen=True, slots=True)
class ErrorRate:
    value: float | None = None  # ratio
    slo: float | None = None
    history: tuple[Point, ...] = ()
    section: Section = field(default_factory=lambda: Section("prometheus"))


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"
    FORCED_OPEN = "FORCED_OPEN"
    DISABLED = "DISABLED"
    METRICS_ONLY = "METRICS_ONLY"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True, slots=True)
class StateChange:
    at: float
    state: BreakerState


@dataclass(frozen=True, slots=True)
class CircuitBreaker:
    name: str
    state: BreakerState
    failures: float | None  # failed calls over the window
    failure_rate: float | None  # percent 0..100; None when not enough calls (-1)
    last_change_at: float | None  # None: no change seen within the window
    history: tuple[StateChange, ...] = ()  # state changes within the window, oldest first
    since: float | None = None
    """When it entered its current state (OPEN and HALF_OPEN count as one outage: a
    broken backend's breaker cycles between them), at the resolution of the state query;
    None with `since_over_s` set: in this state for longer than that; both None: not
    known."""
    since_over_s: float | None = None
    rate_below_min_calls: bool = False
    """The breaker reports no rate now (resilience4j: -1, fewer calls than its minimum);
    `failure_rate` is then the last real rate within the window."""


@dataclass(frozen=True, slots=True)
class CircuitBreakers:
    breakers: tuple[CircuitBreaker, ...] = ()
    section: Section = field(default_factory=lambda: Section("prometheus"))


@dataclass(frozen=True, slots=True)
class RunbookStat:
    name: str
    runs: float
    success_rate: float | None  # ratio
    avg_duration_s: float | None = None
    escalations: float = 0.0
    local_runs: int = 0  # of `runs`, how many this tool triggered (journal)


@dataclass(frozen=True, slots=True)
class RunbookStats:
    total: float = 0.0
    success_rate: float | None = None  # ratio
    avg_duration_s: float | None = None
    escalations: float = 0.0
    top: tuple[RunbookStat, ...] = ()  # by runs, descending
    section: Section = field(default_factory=lambda: Section("prometheus"))


@dataclass(frozen=True, slots=True)
class IncidentRun:
    """A runbook run made for an incident (from the journal)."""

    runbook: str
    by: str
    started_at: float
    ended_at: float | None  # None while it runs (or when its outcome was lost)
    ok: bool | None
    exit_code: int | None = None  # exec: the exit status; http: the HTTP status


def elapsed(start: float, end: float | None) -> float | None:
    """Seconds from `start` to `end` (TTA, TTR), never negative; None while no end."""
    return None if end is None else max(0.0, end - start)


@dataclass(frozen=True, slots=True)
class Incident:
    alertname: str
    severity: str
    status: str  # "firing" | "resolved"
    started_at: float
    resolved_at: float | None
    labels: dict[str, str] = field(default_factory=dict)
    acked_at: float | None = None
    acked_by: str | None = None
    seen: str = "live"  # "live" | "history" | "pre-journal" (model.incident_record.Seen)
    runbooks: tuple[IncidentRun, ...] = ()
    id: int | None = None  # the journal's incident row, when there is one

    @property
    def tta_s(self) -> float | None:
        return elapsed(self.started_at, self.acked_at)

    @property
    def ttr_s(self) -> float | None:
        return elapsed(self.started_at, self.resolved_at)


@dataclass(frozen=True, slots=True)
class Incidents:
    items: tuple[Incident, ...] = ()  # newest first
    mtta_s: float | None = None
    mttr_s: float | None = None
    lookback_s: float = 7 * 86400.0
    section: Section = field(default_factory=lambda: Section("prometheus"))
    note: str | None = None  # e.g. no ALERTS history at all, said in words


@dataclass(frozen=True, slots=True)
class Silence:
    id: str
    matchers: tuple[dict[str, object], ...]  # Alertmanager's matcher objects, verbatim
    starts_at: float
    ends_at: float
    created_by: str
    comment: str
    state: str  # "active" | "pending" | "expired"
    ack: bool = False  # comment starts with "ACK!" (model.silences): an acknowledgement


@dataclass(frozen=True, slots=True)
class Alert:
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    state: str  # "active" | "suppressed" (Alertmanager's words)
    starts_at: float
    ends_at: float | None = None
    generator_url: str = ""
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    receivers: tuple[str, ...] = ()
    acked_by: str | None = None  # createdBy of the ack ("ACK!" silence) that covers it
    acked_until: float | None = None  # when that ack ends
    ack_pending: bool = False  # an ack is in the outbox, not yet delivered
    muted_by: tuple[Silence, ...] = ()  # the known silences of `silenced_by`, longest first

    @property
    def alertname(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "none")

    @property
    def display_state(self) -> str:
        """active / silenced / inhibited, as the product names them."""
        if self.silenced_by:
            return "silenced"
        if self.inhibited_by:
            return "inhibited"
        return "active"

    @property
    def acked(self) -> bool:
        """Acknowledged: muted by an "ACK!" silence. Any other silence only silences."""
        return self.acked_by is not None

    @property
    def other_silences(self) -> tuple[Silence, ...]:
        """Silences muting it that are not acks (maintenance, someone's amtool silence)."""
        return tuple(s for s in self.muted_by if not s.ack)


@dataclass(frozen=True, slots=True)
class Alerts:
    items: tuple[Alert, ...] = ()
    silences: tuple[Silence, ...] = ()
    section: Section = field(default_factory=lambda: Section("alertmanager"))


BURN_WINDOWS: tuple[tuple[str, float], ...] = (
    ("5m", 300.0),
    ("30m", 1800.0),
    ("1h", 3600.0),
    ("2h", 7200.0),
    ("6h", 21600.0),
    ("1d", 86400.0),
    ("3d", 259200.0),
)
"""The windows an SLO's burn rate is shown over (the SRE Workbook's alert windows)."""


@dataclass(frozen=True, slots=True)
class Slo:
    """One SLO's state. Ratios are bad/all events; burn = ratio / (1 - objective)."""

    name: str
    objective: float
    period_s: float
    error_ratio: float | None  # over the period; None when not known
    budget_remaining: float | None  # 1 - error_ratio / (1 - objective); < 0 when overspent
    burn_rates: dict[str, float | None]  # keys of BURN_WINDOWS
    alert: str | None  # "page" | "ticket" | "none"; None when it cannot be told
    met: bool | None  # error_ratio <= 1 - objective
    error: str | None = None  # why the numbers are missing (query error, no bucket)
    source: str = "config"  # "config" | "sloth" | "pyrra"
    ratios: dict[str, float | None] = field(default_factory=dict)  # per window + "period"
    rates: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    """(bad, all) events per second per window + "period", where the source gives them."""
    notes: dict[str, str] = field(default_factory=dict)  # per window: "no traffic", ...
    reasons: tuple[str, ...] = ()  # which alert rule fired, in words


@dataclass(frozen=True, slots=True)
class Slos:
    items: tuple[Slo, ...] = ()
    section: Section = field(default_factory=lambda: Section("prometheus"))

    @property
    def met_count(self) -> tuple[int, int]:
        """(met, of how many are known): the "N of M met" line."""
        known = [s for s in self.items if s.met is not None]
        return sum(1 for s in known if s.met), len(known)


@dataclass(frozen=True, slots=True)
class PanelValue:
    labels: dict[str, str]
    value: float | None  # None: NaN / missing
    name: str = ""  # the legend, or the labels in words
    points: tuple[Point, ...] = ()  # sparkline / chart: the series over the window
    cells: dict[str, float | None] = field(default_factory=dict)  # table: column -> value
    level: str | None = None  # "ok" | "warn" | "crit" by the panel's thresholds; None: none
    levels: dict[str, str | None] = field(default_factory=dict)  # table: per column


@dataclass(frozen=True, slots=True)
class PanelData:
    title: str
    kind: str
    unit: str
    ok: bool
    error: str | None = None  # Prometheus' own error text when the query failed
    values: tuple[PanelValue, ...] = ()
    columns: tuple[str, ...] = ()  # table: the column names, in order
    column_units: tuple[str, ...] = ()
    label_columns: tuple[str, ...] = ()  # table: the join labels, shown first


@dataclass(frozen=True, slots=True)
class Panels:
    items: tuple[PanelData, ...] = ()
    section: Section = field(default_factory=lambda: Section("prometheus"))


@dataclass(frozen=True, slots=True)
class RunbookCoverage:
    """Alert names seen in the window, and which of them have a runbook linked."""

    seen: tuple[str, ...] = ()
    covered: tuple[str, ...] = ()
    section: Section = field(default_factory=lambda: Section("prometheus"))

    @property
    def uncovered(self) -> tuple[str, ...]:
        have = set(self.covered)
        return tuple(n for n in self.seen if n not in have)

    @property
    def ratio(self) -> float | None:
        return len(self.covered) / len(self.seen) if self.seen else None


@dataclass(frozen=True, slots=True)
class Snapshot:
    taken_at: float
    window_s: float
    health: Health
    latency: Latency
    errors: ErrorRate
    circuit_breakers: CircuitBreakers
    runbooks: RunbookStats
    incidents: Incidents
    alerts: Alerts
    sources: dict[str, SourceStatus]
    poll_duration_s: float = 0.0
    slos: Slos = field(default_factory=Slos)
    panels: Panels = field(default_factory=Panels)
    coverage: RunbookCoverage = field(default_factory=RunbookCoverage)
