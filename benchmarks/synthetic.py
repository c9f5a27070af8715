"""Synthetic inputs for the model functions, shaped like what the sources decode.

Sizes count *series* (or alerts), and every series carries as many points as the
poller would really fetch: 241 per range series over the window (sources/prometheus.py
DEFAULT_POINTS + 1), and for ALERTS over 7 days at the 151 s step of
`queries.incidents_step`, points only while an alert fires. Deterministic (seeded).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.series import Sample, Series
from oncall_tui.queries import incidents_step

BUCKETS: tuple[str, ...] = (
    "0.005",
    "0.01",
    "0.025",
    "0.05",
    "0.1",
    "0.25",
    "0.5",
    "1",
    "2.5",
    "5",
    "10",
    "+Inf",
)
"""12 bucket series per histogram, as prometheus_client's default buckets."""
RANGE_POINTS = 241
WINDOW_S = 3600.0
STATES = ("closed", "open", "half_open", "forced_open", "disabled", "metrics_only")
LOOKBACK_S = 7 * 86400.0
SEVERITIES = ("critical", "warning", "info")


def _cumulative(rng: random.Random, total: float) -> list[float]:
    """Cumulative counts over BUCKETS that end at `total` (the +Inf bucket)."""
    weights = [rng.random() for _ in BUCKETS]
    scale = total / sum(weights)
    out, acc = [], 0.0
    for w in weights:
        acc += w * scale
        out.append(acc)
    out[-1] = total
    return out


@dataclass(frozen=True)
class LatencyInput:
    now: list[Sample]
    history: list[Series]
    rps: list[Sample]


def latency_input(series: int, seed: int = 1) -> LatencyInput:
    """`series` bucket series (series // 12 services), instant and range alike."""
    rng = random.Random(seed)
    services = max(1, series // len(BUCKETS))
    end = 1_700_000_000.0
    step = WINDOW_S / (RANGE_POINTS - 1)
    times = [end - WINDOW_S + i * step for i in range(RANGE_POINTS)]
    now: list[Sample] = []
    history: list[Series] = []
    rps: list[Sample] = []
    for s in range(services):
        svc = f"svc-{s:05d}"
        total = 5.0 + 100.0 * rng.random()
        rps.append(Sample({"service": svc}, total, end))
        current = _cumulative(rng, total)
        # One cumulative profile per instant would dominate the set-up time; a few
        # shapes cycled over time are enough for the estimator's work.
        shapes = [_cumulative(rng, total) for _ in range(4)]
        for b, le in enumerate(BUCKETS):
            labels = {"le": le, "service": svc}
            now.append(Sample(labels, current[b], end))
            points = tuple((t, shapes[i % 4][b]) for i, t in enumerate(times))
            history.append(Series(labels, points))
    return LatencyInput(now, history, rps)


@dataclass(frozen=True)
class BreakerInput:
    states: list[Series]
    failures: list[Sample]
    failure_rate: list[Sample]


def breaker_input(series: int, seed: int = 1) -> BreakerInput:
    """`series` state series: series // 6 breakers x 6 states, each breaker changing
    state a few times within the window."""
    rng = random.Random(seed)
    breakers = max(1, series // len(STATES))
    end = 1_700_000_000.0
    step = WINDOW_S / (RANGE_POINTS - 1)
    times = [end - WINDOW_S + i * step for i in range(RANGE_POINTS)]
    states: list[Series] = []
    failures: list[Sample] = []
    rates: list[Sample] = []
    for b in range(breakers):
        name = f"breaker-{b:05d}"
        changes = sorted(rng.sample(range(1, RANGE_POINTS), 3))
        current = [rng.choice(STATES[:3]) for _ in range(len(changes) + 1)]

        def state_at(i: int, current: list[str] = current, changes: list[int] = changes) -> str:
            return current[sum(i >= c for c in changes)]

        timeline = [state_at(i) for i in range(RANGE_POINTS)]
        for state in STATES:
            points = tuple((t, 1.0 if timeline[i] == state else 0.0) for i, t in enumerate(times))
            states.append(Series({"name": name, "state": state}, points))
        failures.append(Sample({"name": name}, float(rng.randint(0, 500)), end))
        rates.append(Sample({"name": name}, rng.choice((-1.0, 12.5, 55.0)), end))
    return BreakerInput(states, failures, rates)


@dataclass(frozen=True)
class IncidentInput:
    series: list[Series]
    step: float
    now: float
    alerts: list[Any]  # model.snapshot.Alert, built by parse_alerts in the benchmark
    raw_alerts: list[dict[str, Any]]
    acks: dict[str, list[tuple[float, str]]]


def _rfc3339(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".123456789Z"


def alert_labels(i: int) -> dict[str, str]:
    return {
        "alertname": f"Alert{i % 40:02d}",
        "instance": f"host-{i:05d}:9100",
        "job": "node",
        "service": f"svc-{i % 97:03d}",
        "severity": SEVERITIES[i % 3],
    }


def raw_alert(i: int, starts_at: float, silenced_by: tuple[str, ...] = ()) -> dict[str, Any]:
    """One entry of GET /api/v2/alerts, as Alertmanager 0.2x answers it."""
    labels = alert_labels(i)
    return {
        "annotations": {
            "summary": f"{labels['service']} on {labels['instance']} is unhappy",
            "description": "Synthetic alert for the benchmarks. " * 3,
            "runbook": "restart-" + labels["service"],
        },
        "endsAt": _rfc3339(starts_at + 86400),
        "fingerprint": fingerprint(labels),
        "receivers": [{"name": "null"}],
        "startsAt": _rfc3339(starts_at),
        "status": {
            "inhibitedBy": [],
            "silencedBy": list(silenced_by),
            "state": "suppressed" if silenced_by else "active",
        },
        "updatedAt": _rfc3339(starts_at + 60),
        "generatorURL": f"http://prometheus:9090/graph?g0.expr=up%7Binstance%3D%22{i}%22%7D",
        "labels": labels,
    }


def raw_silence(i: int, now: float) -> dict[str, Any]:
    """One entry of GET /api/v2/silences covering alert `i`."""
    labels = alert_labels(i)
    return {
        "id": f"00000000-0000-0000-0000-{i:012d}",
        "status": {"state": "active"},
        "updatedAt": _rfc3339(now - 60),
        "comment": "acknowledged from oncall-tui",
        "createdBy": "alice@host",
        "endsAt": _rfc3339(now + 3600),
        "startsAt": _rfc3339(now - 600),
        "matchers": [
            {"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in labels.items()
        ],
    }


def alerts_input(count: int, seed: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(`count` raw alerts, raw silences covering every tenth of them)."""
    rng = random.Random(seed)
    now = 1_700_000_000.0
    silences = [raw_silence(i, now) for i in range(0, count, 10)]
    raw = []
    for i in range(count):
        silenced = (f"00000000-0000-0000-0000-{i:012d}",) if i % 10 == 0 else ()
        raw.append(raw_alert(i, now - rng.uniform(60, 86400), silenced))
    return raw, silences


def incident_input(series: int, seed: int = 1) -> IncidentInput:
    """`series` ALERTS series over 7 days: each fired 3 times for 10 min to 2 h; every
    tenth is still firing (and in Alertmanager's answer); a third of runs were acked."""
    rng = random.Random(seed)
    now = 1_700_000_000.0
    step = incidents_step(LOOKBACK_S)
    start = now - LOOKBACK_S
    out: list[Series] = []
    raw_alerts: list[dict[str, Any]] = []
    acks: dict[str, list[tuple[float, str]]] = {}
    for i in range(series):
        labels = alert_labels(i)
        points: list[tuple[float, float]] = []
        # Runs in three separate thirds of the lookback, so they never touch.
        for third in range(3):
            lo = start + third * LOOKBACK_S / 3
            first = lo + rng.uniform(0, LOOKBACK_S / 3 - 8000)
            length = rng.uniform(600, 7200)
            if third == 2 and i % 10 == 0:
                first, length = now - length, length  # still firing
            n = max(1, int(length // step))
            points += [(first + k * step, 1.0) for k in range(n)]
            if rng.random() < 0.33:
                acks.setdefault(fingerprint(labels), []).append((first + 120, "bob@host"))
        if i % 10 == 0:
            raw_alerts.append(raw_alert(i, points[-1][0] - 600))
        full = {"__name__": "ALERTS", "alertstate": "firing", **labels}
        out.append(Series(full, tuple(points)))
    return IncidentInput(out, step, now, [], raw_alerts, acks)
