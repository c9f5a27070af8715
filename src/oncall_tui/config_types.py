"""The typed config tree. One docstring per field; every field has a default.

Loading, validation and overrides live in `config.py`; this module only says what a
valid config is. Durations are seconds (float) here; the TOML file writes "30s", "5m".
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass, field

from oncall_tui.config_dash import PanelConfig, SloConfig, SloDiscoveryConfig


def default_user() -> str:
    """`$USER@hostname`, the silence author when `user` is not set."""
    try:
        name = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        name = "unknown"
    return f"{name}@{socket.gethostname()}"


@dataclass(frozen=True)
class HttpAuth:
    """How to reach one HTTP source."""

    headers: dict[str, str] = field(default_factory=dict)
    """Extra headers, e.g. {"X-Scope-OrgID": "team-a"} for Mimir. Values may use ${ENV}."""
    bearer_token_env: str | None = None
    """Environment variable that holds a bearer token."""
    bearer_token_file: str | None = None
    """File that holds a bearer token (read on each start)."""
    basic_auth_username: str | None = None
    basic_auth_password_env: str | None = None
    """Environment variable that holds the basic-auth password."""
    tls_ca_file: str | None = None
    tls_skip_verify: bool = False
    timeout_s: float = 10.0
    """Per-request deadline: connecting, sending and reading the whole answer."""
    max_response_mb: float = 64.0
    """Largest answer (decoded, after gzip) read from this source; a larger one is the
    source's error ("answer larger than 64 MB") and the last good data stays."""


@dataclass(frozen=True)
class PrometheusConfig:
    url: str = "http://localhost:9090"
    auth: HttpAuth = field(default_factory=HttpAuth)


@dataclass(frozen=True)
class AlertmanagerConfig:
    urls: tuple[str, ...] = ("http://localhost:9093",)
    """Several URLs = HA peers: the next is tried when one fails."""
    auth: HttpAuth = field(default_factory=HttpAuth)


@dataclass(frozen=True)
class Component:
    name: str
    query: str
    """PromQL giving a ratio in [0, 1] (availability); one series or many."""
    reduce: str = "min"
    """How the query's series make one availability: "min" (default: the worst
    instance decides), "avg" or "max". Every series counts."""


@dataclass(frozen=True)
class HealthConfig:
    components: tuple[Component, ...] = ()
    penalty_critical: float = 10.0
    """Points subtracted per firing (not silenced) critical alert."""
    penalty_warning: float = 3.0
    penalty_info: float = 0.0
    max_alert_penalty: float = 40.0
    slo_penalty: float = 10.0
    """Points subtracted per violated SLO check, scaled by how far it is over (max 2x)."""
    slo_terms: bool = True
    """Count each `[[slos]]` entry as a term: a ticket-level burn costs `slo_penalty`,
    a page-level burn twice that."""


@dataclass(frozen=True)
class LatencyConfig:
    histogram: str = "http_request_duration_seconds"
    """Base name: `_bucket` is appended for a classic histogram; a native one is
    queried by this name itself."""
    histogram_type: str = "auto"
    """"classic" (`<name>_bucket` series), "native" (Prometheus native histograms,
    >= 2.40 with --enable-feature=native-histograms) or "auto": classic when
    `<name>_bucket` has series, else native."""
    selector: str = ""
    """Label selector, e.g. '{job="api"}'."""
    group_by: str = "service"
    """One row per value of this label."""
    rate_window_s: float = 300.0
    slo_p95_s: float | None = 0.3


@dataclass(frozen=True)
class ErrorsConfig:
    query: str = (
        'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'
    )
    slo: float | None = 0.01


@dataclass(frozen=True)
class BreakersConfig:
    preset: str = "resilience4j"
    """"resilience4j" or "generic"."""
    state_query: str | None = None
    """generic: a query whose series carry `name` and `state` labels, value 1 = current."""
    failures_query: str | None = None
    """generic: failed calls per `name` over the window; `$window` is replaced."""
    failure_rate_query: str | None = None
    """generic: failure rate in percent per `name`."""
    name_label: str = "name"
    state_label: str = "state"


@dataclass(frozen=True)
class RunbookStatsConfig:
    executions: str = "runbook_executions_total"
    duration: str = "runbook_duration_seconds"
    escalations: str = "runbook_escalations_total"
    runbook_label: str = "runbook"
    status_label: str = "status"
    success_values: tuple[str, ...] = ("success", "succeeded", "ok")
    top: int = 5


@dataclass(frozen=True)
class IncidentsConfig:
    lookback_s: float = 7 * 86400.0
    refresh_s: float = 60.0
    """History changes slowly: the ALERTS range query runs at most this often."""
    grace_s: float | None = None
    """An incident that resolves and fires again within this long is one incident;
    None: max(2 x refresh, 60 s)."""


@dataclass(frozen=True)
class Runbook:
    name: str
    kind: str  # "exec" | "http"
    command: tuple[str, ...] = ()
    url: str | None = None
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body: object = None
    timeout_s: float = 120.0
    alerts: tuple[str, ...] = ()
    """Offered first when one of these alertnames is selected."""
    description: str = ""
    env: dict[str, str] = field(default_factory=dict)
    allow_dash_values: bool = False
    """exec: let a substituted value start with "-" (else refused: it could be read as an
    option). Put "--" before the placeholders when setting this."""


@dataclass(frozen=True)
class AckConfig:
    default_duration_s: float = 3600.0
    default_comment: str = "acknowledged from oncall-tui"
    until_resolved: bool = False
    """Keep extending the silence while the alert fires; let it lapse once resolved."""


@dataclass(frozen=True)
class UiConfig:
    theme: str = "oncall-dark"
    window_s: float = 3600.0
    """Initial time window for sparklines and stats."""
    bell: bool = True
    """Ring the terminal bell when a new critical alert fires."""
    desktop_notify: bool = False
    """Also send an OSC 9 / 777 desktop notification."""
    keys: tuple[tuple[str, str], ...] = ()
    """`[ui.keys]`: (binding id, key(s)) pairs for `App.set_keymap`; ids from ui/keys.py."""


@dataclass(frozen=True)
class Config:
    refresh_s: float = 5.0
    user: str = field(default_factory=default_user)
    read_only: bool = False
    prometheus: PrometheusConfig = field(default_factory=PrometheusConfig)
    alertmanager: AlertmanagerConfig = field(default_factory=AlertmanagerConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    latency: LatencyConfig = field(default_factory=LatencyConfig)
    errors: ErrorsConfig = field(default_factory=ErrorsConfig)
    circuit_breakers: BreakersConfig = field(default_factory=BreakersConfig)
    runbook_stats: RunbookStatsConfig = field(default_factory=RunbookStatsConfig)
    incidents: IncidentsConfig = field(default_factory=IncidentsConfig)
    runbooks: tuple[Runbook, ...] = ()
    ack: AckConfig = field(default_factory=AckConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    slos: tuple[SloConfig, ...] = ()
    slo_discovery: SloDiscoveryConfig = field(default_factory=SloDiscoveryConfig)
    panels: tuple[PanelConfig, ...] = ()
    """Custom panels, on the overview's second page."""
    journal_path: str | None = None
    """SQLite journal; default under the XDG state dir."""
    source_file: str | None = None
    """The file this config was read from, for messages."""
