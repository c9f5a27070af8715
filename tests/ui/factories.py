"""Realistic, deterministic Snapshots for UI tests (the same numbers on every run)."""

from __future__ import annotations

import math
from dataclasses import replace

from oncall_tui.config_types import HealthConfig
from oncall_tui.model.health import compute_health
from oncall_tui.model.silences import muting
from oncall_tui.model.snapshot import (
    Alert,
    Alerts,
    BreakerState,
    CircuitBreaker,
    CircuitBreakers,
    ComponentHealth,
    ErrorRate,
    Health,
    Incident,
    Incidents,
    Latency,
    Point,
    RunbookStat,
    RunbookStats,
    Section,
    ServiceLatency,
    Silence,
    Snapshot,
    SourceStatus,
)

NOW = 1_763_900_000.0
"""A fixed "now" (2025-11-23 12:13:20 UTC) for the snapshot tests' clock."""


def series(
    base: float, amplitude: float, n: int = 60, step: float = 60.0, now: float = NOW
) -> tuple[Point, ...]:
    """A smooth wave, deterministic, ending at `now`."""
    return tuple((now - (n - 1 - i) * step, base + amplitude * math.sin(i / 6.0)) for i in range(n))


def alert(
    name: str,
    severity: str,
    fp: str,
    labels: dict[str, str] | None = None,
    summary: str = "",
    started_ago: float = 600.0,
    silenced_by: tuple[str, ...] = (),
    inhibited_by: tuple[str, ...] = (),
    acked_by: str | None = None,
    acked_until: float | None = None,
    ack_pending: bool = False,
    now: float = NOW,
) -> Alert:
    return Alert(
        fingerprint=fp,
        labels={"alertname": name, "severity": severity, **(labels or {})},
        annotations={"summary": summary} if summary else {},
        state="suppressed" if silenced_by or inhibited_by else "active",
        starts_at=now - started_ago,
        silenced_by=silenced_by,
        inhibited_by=inhibited_by,
        acked_by=acked_by,
        acked_until=acked_until,
        ack_pending=ack_pending,
    )


def default_alerts(now: float = NOW) -> tuple[Alert, ...]:
    return (
        alert(
            "APIHighErrorRate",
            "critical",
            "fp-api-1",
            {"service": "api", "instance": "api-1"},
            "5xx ratio 4.2% over 5m",
            420,
            now=now,
        ),
        alert(
            "APIHighErrorRate",
            "critical",
            "fp-api-2",
            {"service": "api", "instance": "api-2"},
            "5xx ratio 3.9% over 5m",
            380,
            silenced_by=("sil-1",),
            acked_by="alice@ops",
            acked_until=now + 240,
            now=now,
        ),
        alert(
            "BackendLatencyHigh",
            "warning",
            "fp-lat-1",
            {"service": "checkout"},
            "p95 412ms > 300ms",
            1500,
            ack_pending=True,
            now=now,
        ),
        alert(
            "DiskFillingUp",
            "warning",
            "fp-disk-1",
            {"instance": "db-1", "mount": "/var"},
            "84% used, full in ~9h",
            7200,
            inhibited_by=("fp-api-1",),
            now=now,
        ),
        alert(
            "CertExpiry",
            "info",
            "fp-cert-1",
            {"host": "www.example.test"},
            "certificate expires in 12 days",
            86400,
            now=now,
        ),
    )


COMPONENTS = (
    ComponentHealth("API Gateway", 0.992),
    ComponentHealth("Checkout", 0.981),
    ComponentHealth("Database", 0.998),
    ComponentHealth("Cache Layer", 0.9995),
)


def snapshot(
    now: float = NOW, window_s: float = 3600.0, alerts: tuple[Alert, ...] | None = None
) -> Snapshot:
    """A whole snapshot: every panel has data, one breaker open, five alerts."""

    def fresh(source: str) -> Section:
        return Section(source, ok=True, fetched_at=now)

    services = tuple(
        ServiceLatency(
            service=name,
            quantiles={"p50": p50, "p75": p50 * 1.4, "p95": p95, "p99": p95 * 1.8, "max": p95 * 3},
            history={"p95": series(p95 * 0.9, p95 * 0.3, now=now)},
            requests_per_s=rps,
        )
        for name, p50, p95, rps in (
            ("api", 0.148, 0.291, 120.0),
            ("checkout", 0.210, 0.412, 35.0),
            ("search", 0.045, 0.090, 300.0),
        )
    )
    latency = Latency(services=services, slo_p95=0.3, section=fresh("prometheus"))
    errors = ErrorRate(
        value=0.0042, slo=0.01, history=series(0.006, 0.005, now=now), section=fresh("prometheus")
    )
    breakers = CircuitBreakers(
        breakers=(
            CircuitBreaker("payments-provider", BreakerState.OPEN, 12, 62.5, now - 1800),
            CircuitBreaker("inventory", BreakerState.HALF_OPEN, 5, 20.0, now - 120),
            CircuitBreaker("database-primary", BreakerState.CLOSED, 0, 0.0, None),
            CircuitBreaker("weather-api", BreakerState.CLOSED, 2, 1.5, now - 2700),
        ),
        section=fresh("prometheus"),
    )
    runbooks = RunbookStats(
        total=142,
        success_rate=0.923,
        avg_duration_s=134,
        escalations=11,
        top=(
            RunbookStat("ai-service-recovery", 45, 0.95, 120, 1, local_runs=3),
            RunbookStat("high-memory-usage", 28, 0.89, 95, 3),
            RunbookStat("health-check", 30, 1.0, 12, 0),
            RunbookStat("database-performance", 21, 0.90, 300, 4),
            RunbookStat("cache-clear", 18, 1.0, 8, 0),
        ),
        section=fresh("prometheus"),
    )
    incidents = Incidents(
        items=(
            Incident(
                "APIHighErrorRate",
                "critical",
                "firing",
                now - 420,
                None,
                acked_at=now - 300,
                acked_by="alice@ops",
            ),
            Incident("BackendLatencyHigh", "warning", "firing", now - 1500, None),
            Incident(
                "DatabaseSlowQueries",
                "warning",
                "resolved",
                now - 20000,
                now - 18200,
                acked_at=now - 19800,
                acked_by="bob@ops",
            ),
            Incident(
                "PaymentsDown",
                "critical",
                "resolved",
                now - 90000,
                now - 88200,
                acked_at=now - 89900,
                acked_by="alice@ops",
            ),
        ),
        mtta_s=160.0,
        mttr_s=1800.0,
        section=fresh("prometheus"),
    )
    alerts_ = Alerts(
        items=default_alerts(now) if alerts is None else alerts,
        silences=(
            Silence(
                "sil-1",
                ({"name": "instance", "value": "api-2", "isRegex": False},),
                now - 60,
                now + 240,
                "alice@ops",
                "ACK! looking",
                "active",
                ack=True,
            ),
        ),
        section=fresh("alertmanager"),
    )
    # As model/alerts.py links them: each alert holds the silences that mute it.
    alerts_ = replace(
        alerts_,
        items=tuple(replace(a, muted_by=muting(a, alerts_.silences)) for a in alerts_.items),
    )
    # Computed by the model, as the poller does: the terms add up to the score.
    health = replace(
        compute_health(COMPONENTS, latency, errors, alerts_.items, HealthConfig()),
        section=fresh("prometheus"),
    )
    return Snapshot(
        taken_at=now,
        window_s=window_s,
        health=health,
        latency=latency,
        errors=errors,
        circuit_breakers=breakers,
        runbooks=runbooks,
        incidents=incidents,
        alerts=alerts_,
        sources={
            "prometheus": SourceStatus(
                "prometheus", True, latency_s=0.012, checked_at=now, last_ok_at=now
            ),
            "alertmanager": SourceStatus(
                "alertmanager", True, latency_s=0.004, checked_at=now, last_ok_at=now
            ),
        },
        poll_duration_s=0.03,
    )


def failed(now: float, error: str = "connection refused (127.0.0.1:9)") -> Snapshot:
    """What the poller returns when Prometheus did not answer: empty sections, ok=False."""
    down = Section("prometheus", ok=False, error=error, fetched_at=None)
    good = snapshot(now)
    return replace(
        good,
        health=Health(score=None, section=down),
        latency=Latency(slo_p95=0.3, section=down),
        errors=ErrorRate(slo=0.01, section=down),
        circuit_breakers=CircuitBreakers(section=down),
        runbooks=RunbookStats(section=down),
        incidents=Incidents(section=down),
        sources={
            "prometheus": SourceStatus("prometheus", False, error=error, checked_at=now),
            "alertmanager": good.sources["alertmanager"],
        },
    )


def first_alert_acked(snap: Snapshot, by: str = "someone-else") -> Snapshot:
    """`snap` with its first alert acked by `by`: one changed cell in the alert list."""
    items = snap.alerts.items
    acked = replace(items[0], acked_by=by)
    return replace(snap, alerts=replace(snap.alerts, items=(acked, *items[1:])))
