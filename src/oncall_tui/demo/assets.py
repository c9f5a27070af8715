"""What the demo writes and configures: prometheus.yml, alert rules, alertmanager.yml, and
the oncall-tui Config pointed at the demo (panels, runbook catalogue, a private journal).

Rule windows and `for:` durations follow the demo's `Timing`, so a test can run the whole
story in seconds; the Config's own queries stay at human speed.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

from oncall_tui.config_dash import (
    LatencySli,
    PanelColumn,
    PanelConfig,
    SloConfig,
    Thresholds,
)
from oncall_tui.config_types import (
    AlertmanagerConfig,
    BreakersConfig,
    Component,
    Config,
    ErrorsConfig,
    LatencyConfig,
    PrometheusConfig,
    Runbook,
    RunbookStatsConfig,
)
from oncall_tui.demo.servers import ALERTMANAGER_CONFIG, prometheus_config
from oncall_tui.demo.service import TOKEN_ENV
from oncall_tui.demo.simulation import BACKENDS, GATEWAY, Timing

RULES_FILE = "rules.yml"
JOURNAL_FILE = "journal.sqlite3"
ALERTMANAGER_YML = ALERTMANAGER_CONFIG
"""Group quickly, deliver nowhere: the demo shows alerts, it does not page anyone."""
ERROR_RATIO_THRESHOLD = 0.2
DEMO_HEALTH_WEIGHTS: dict[str, Any] = {
    "penalty_critical": 3.0,
    "penalty_warning": 1.0,
    "max_alert_penalty": 15.0,
    "slo_penalty": 3.0,
}
"""The demo's score weights. Its four components are few, so one broken backend already
takes a quarter off the base; with the default weights the SLO and alert terms on top
would read 0 % for any incident. These keep one degraded backend at ~65 % and two at
~40 %, so a fix visibly moves the score."""


def scrape_interval_s(timing: Timing) -> int:
    return 2 if timing.speed < 2 else 1


def rule_windows(timing: Timing) -> tuple[int, int, int, int]:
    """(error rate window, error `for`, breaker window, breaker `for`) in whole seconds.

    A rate window holds at least four scrapes, so it always has two samples to compare.
    """
    floor = 4 * scrape_interval_s(timing)
    return (
        max(floor, round(60 / timing.speed)),
        max(1, round(10 / timing.speed)),
        max(floor, round(30 / timing.speed)),
        max(1, round(10 / timing.speed)),
    )


RULES_TEMPLATE = """\
groups:
  - name: demo
    rules:
      - alert: BackendHighErrorRate
        expr: |
          sum by (service) (rate(http_requests_total{%(backend)s,code=~"5.."}[%(err_w)ds]))
            / sum by (service) (rate(http_requests_total{%(backend)s}[%(err_w)ds]))
            > %(threshold)s
        for: %(err_for)ds
        labels:
          severity: critical
          backend: "{{ $labels.service }}"
        annotations:
          summary: "{{ $labels.service }} fails {{ $value | humanizePercentage }} of requests"
          description: "The gateway sees 5xx from {{ $labels.service }}; its breaker opens."
          runbook: "restart-{{ $labels.service }}"
      - alert: CircuitBreakerOpen
        expr: |
          max by (name) (max_over_time(
            resilience4j_circuitbreaker_state{state=~"open|half_open"}[%(cb_w)ds])) == 1
        for: %(cb_for)ds
        labels:
          severity: warning
          backend: "{{ $labels.name }}"
        annotations:
          summary: "circuit breaker {{ $labels.name }} is not closed"
          runbook: "restart-{{ $labels.name }}"
"""


def alert_rules(timing: Timing) -> str:
    """One critical and one warning alert per degraded backend. The breaker alert looks
    at the last window, not the instant: a breaker flapping between OPEN and HALF_OPEN
    is one incident, not many."""
    err_w, err_for, cb_w, cb_for = rule_windows(timing)
    return RULES_TEMPLATE % {
        "backend": f'service!="{GATEWAY}"',
        "err_w": err_w,
        "err_for": err_for,
        "cb_w": cb_w,
        "cb_for": cb_for,
        "threshold": ERROR_RATIO_THRESHOLD,
    }


def prometheus_yml(service_target: str, alertmanager_target: str, timing: Timing) -> str:
    return prometheus_config(
        [service_target],
        [alertmanager_target],
        [RULES_FILE],
        interval=f"{scrape_interval_s(timing)}s",
    )


def _error_ratio(service: str, window: str) -> str:
    sel = f'service="{service}"'
    return (
        f'sum(rate(http_requests_total{{{sel},code=~"5.."}}[{window}]))'
        f" / sum(rate(http_requests_total{{{sel}}}[{window}]))"
    )


def demo_runbooks(control_url: str) -> tuple[Runbook, ...]:
    """Exec runbooks run the demo's ctl against the control endpoint; the http one pages
    a (pretend) owner with a token from the environment, shown redacted."""
    ctl = (sys.executable, "-m", "oncall_tui.demo.ctl", "--control", control_url)
    restarts = tuple(
        Runbook(
            name=f"restart-{b}",
            kind="exec",
            command=(*ctl, "heal", b),
            timeout_s=60.0,
            description=f"Drain and restart the {b} backend, then wait for its breaker.",
        )
        for b in BACKENDS
    )
    return (
        *restarts,
        Runbook(
            name="flaky-cache-clear",
            kind="exec",
            command=(*ctl, "cache-clear"),
            timeout_s=30.0,
            alerts=("CircuitBreakerOpen",),
            description="Flush the shared cache. One cache node often does not answer.",
        ),
        Runbook(
            name="page-backend-owner",
            kind="http",
            url=f"{control_url}/escalate",
            method="POST",
            headers={"X-Demo-Token": f"${{{TOKEN_ENV}}}"},
            body={
                "backend": "{labels.backend}",
                "alert": "{labels.alertname}",
                "fingerprint": "{fingerprint}",
            },
            timeout_s=10.0,
            alerts=("BackendHighErrorRate",),
            description="Page the owning team of the failing backend (webhook).",
        ),
    )


def demo_slos() -> tuple[SloConfig, ...]:
    """The gateway's availability and latency SLOs, as a user would write them."""
    sel = f'service="{GATEWAY}"'
    return (
        SloConfig(
            name="API availability",
            objective=0.99,
            errors=f'sum(rate(http_requests_total{{{sel},code=~"5.."}}[$window]))',
            total=f"sum(rate(http_requests_total{{{sel}}}[$window]))",
        ),
        SloConfig(
            name="API latency 300ms",
            objective=0.95,
            latency=LatencySli("http_request_duration_seconds", 0.3, f"{{{sel}}}"),
        ),
    )


def demo_panels() -> tuple[PanelConfig, ...]:
    """Panels of the kind users keep on their dashboards, on the demo's metrics."""
    req = "http_requests_total"
    per_service = "sum by (service) (increase(http_requests_total[$window]))"
    ok = f'sum by (service) (increase({req}{{code!~"5.."}}[$window]))'
    p95 = (
        "histogram_quantile(0.95, sum by (le, service) "
        "(rate(http_request_duration_seconds_bucket[$window])))"
    )
    return (
        PanelConfig(
            title="Requests per second",
            kind="stat",
            query=f'sum(rate({req}{{service="{GATEWAY}"}}[1m]))',
            unit="req/s",
        ),
        PanelConfig(
            title="Errors by code",
            kind="bars",
            query=f'sum by (code) (increase({req}{{code=~"5.."}}[$window]))',
            unit="count",
            legend="HTTP {code}",
        ),
        PanelConfig(
            title="Per service",
            kind="table",
            join_on=("service",),
            columns=(
                PanelColumn("calls", per_service, unit="count"),
                PanelColumn("p95", p95, unit="s", thresholds=Thresholds(0.25, 0.3)),
                PanelColumn(
                    "success",
                    f"{ok} / {per_service}",
                    unit="ratio",
                    thresholds=Thresholds(0.99, 0.95, below=True),
                ),
            ),
        ),
        PanelConfig(
            title="Traffic by service",
            kind="chart",
            query=f"sum by (service) (rate({req}[1m]))",
            unit="req/s",
            legend="{service}",
        ),
    )


def demo_config(
    base: Config, prometheus_url: str, alertmanager_url: str, control_url: str, workdir: Path
) -> Config:
    """The user's config (user, theme, ack defaults, read-only...) pointed at the demo,
    with the demo's panels and runbooks and a journal inside the demo's temp dir."""
    components = (
        Component("API Gateway", f"1 - ({_error_ratio(GATEWAY, '2m')})"),
        *(Component(b.capitalize(), f"1 - ({_error_ratio(b, '2m')})") for b in BACKENDS),
    )
    return dataclasses.replace(
        base,
        refresh_s=min(base.refresh_s, 2.0),
        prometheus=PrometheusConfig(url=prometheus_url),
        alertmanager=AlertmanagerConfig(urls=(alertmanager_url,)),
        health=dataclasses.replace(base.health, components=components, **DEMO_HEALTH_WEIGHTS),
        latency=LatencyConfig(
            histogram="http_request_duration_seconds",
            selector='{job="app"}',
            group_by="service",
            rate_window_s=60.0,
            slo_p95_s=0.3,
        ),
        errors=ErrorsConfig(query=_error_ratio(GATEWAY, "1m"), slo=0.01),
        circuit_breakers=BreakersConfig(preset="resilience4j"),
        runbook_stats=RunbookStatsConfig(),
        runbooks=demo_runbooks(control_url),
        slos=demo_slos(),
        panels=demo_panels(),
        journal_path=str(workdir / JOURNAL_FILE),
    )
