"""`oncall-tui snapshot --format json`: a Snapshot as plain JSON-ready data.

The keys PRODUCT.md promises (health.score, latency[].quantiles, circuit_breakers,
runbooks, incidents, alerts, sources) are a contract for scripts; the extra keys add
detail without changing those. Durations and latencies are numbers in seconds, ratios
in [0, 1] (breaker failure_rate in percent, as resilience4j reports it), timestamps
RFC3339 UTC strings. NaN and infinities become null: "not known", never a number.
`slos[]` and `panels[]` (see docs/DESIGN.md) follow the same rules; a panel whose
query failed has `ok: false` and Prometheus' error in `error`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from oncall_tui.model.silences import active_or_pending, matchers_text, muted_alerts
from oncall_tui.model.snapshot import (
    BURN_WINDOWS,
    QUANTILES,
    Alert,
    CircuitBreaker,
    Incident,
    IncidentRun,
    PanelData,
    PanelValue,
    Section,
    ServiceLatency,
    Silence,
    Slo,
    Snapshot,
    SourceStatus,
)

JSON = dict[str, Any]


def num(value: float | None) -> float | None:
    """A finite number, or None for missing / NaN / infinite."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def rfc3339(ts: float | None) -> str | None:
    """POSIX seconds as "2026-11-23T09:39:06Z" (whole seconds: what `jq fromdate` reads)."""
    if ts is None or not math.isfinite(ts):
        return None
    try:
        return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):  # far outside the calendar
        return None


def _section(s: Section, now: float) -> JSON:
    age = None if s.fetched_at is None else max(0.0, now - s.fetched_at)
    return {
        "source": s.source,
        "ok": s.ok,
        "stale": not s.ok,
        "error": s.error,
        "fetched_at": rfc3339(s.fetched_at),
        "age_s": num(age),
    }


def _latency(s: ServiceLatency) -> JSON:
    return {
        "service": s.service,
        "quantiles": {name: num(s.quantiles.get(name)) for name, _ in QUANTILES},
        # `max` is a bucket bound: the slowest request took at most that (or, when
        # true here, more than it: it fell in the +Inf bucket).
        "max_unbounded": s.max_unbounded,
        "requests_per_s": num(s.requests_per_s),
    }


def _breaker(b: CircuitBreaker) -> JSON:
    return {
        "name": b.name,
        "state": str(b.state),
        "failures": num(b.failures),
        "failure_rate": num(b.failure_rate),
        "failure_rate_below_min_calls": b.rate_below_min_calls,
        "last_change_at": rfc3339(b.last_change_at),
        "since": rfc3339(b.since),
        "since_over_s": num(b.since_over_s),
    }


def incident_run_to_json(r: IncidentRun) -> JSON:
    return {
        "runbook": r.runbook,
        "by": r.by,
        "started_at": rfc3339(r.started_at),
        "ended_at": rfc3339(r.ended_at),
        "ok": r.ok,
        "exit_code": r.exit_code,
    }


def incident_to_json(i: Incident) -> JSON:
    """One incident as `snapshot` and `incidents export` print it."""
    return {
        "id": i.id,
        "alertname": i.alertname,
        "severity": i.severity,
        "status": i.status,
        "started_at": rfc3339(i.started_at),
        "resolved_at": rfc3339(i.resolved_at),
        "acked_at": rfc3339(i.acked_at),
        "acked_by": i.acked_by,
        "tta_s": num(i.tta_s),
        "ttr_s": num(i.ttr_s),
        "labels": dict(i.labels),
        "seen": i.seen,
        "runbooks": [incident_run_to_json(r) for r in i.runbooks],
    }


def _silenced_by(a: Alert) -> list[JSON]:
    """Every silence muting the alert: who, why, until when, and whether it is an ack.
    An id Alertmanager names but did not list (it expired in between) keeps its id."""
    known = {s.id: s for s in a.muted_by}
    out: list[JSON] = []
    for sid in a.silenced_by:
        s = known.get(sid)
        out.append(
            {
                "id": sid,
                "created_by": s.created_by if s else None,
                "comment": s.comment if s else None,
                "ends_at": rfc3339(s.ends_at) if s else None,
                "ack": s.ack if s else False,
            }
        )
    return out


def _silence(s: Silence, alerts: Sequence[Alert]) -> JSON:
    return {
        "id": s.id,
        "state": s.state,
        "ack": s.ack,
        "matchers": matchers_text(s),
        "created_by": s.created_by,
        "comment": s.comment,
        "starts_at": rfc3339(s.starts_at),
        "ends_at": rfc3339(s.ends_at),
        "mutes": len(muted_alerts(s, alerts)),
    }


def _alert(a: Alert) -> JSON:
    return {
        "fingerprint": a.fingerprint,
        "labels": dict(a.labels),
        "annotations": dict(a.annotations),
        "state": a.display_state,
        "acked": a.acked,
        "acked_by": a.acked_by,
        "acked_until": rfc3339(a.acked_until),
        "ack_pending": a.ack_pending,
        "starts_at": rfc3339(a.starts_at),
        "silenced_by": _silenced_by(a),
        "inhibited_by": list(a.inhibited_by),
    }


def _slo(s: Slo) -> JSON:
    return {
        "name": s.name,
        "objective": num(s.objective),
        "period_s": num(s.period_s),
        "error_ratio": num(s.error_ratio),
        "budget_remaining": num(s.budget_remaining),
        "burn_rate": {k: num(s.burn_rates.get(k)) for k, _ in BURN_WINDOWS},
        "alert": s.alert,
        "met": s.met,
        "error": s.error,
        "source": s.source,
        "notes": dict(s.notes),
    }


def _panel_value(kind: str, v: PanelValue) -> JSON:
    out: JSON = {
        "labels": dict(v.labels),
        "value": num(v.value),
        "name": v.name,
        "level": v.level,
    }
    if kind in ("sparkline", "chart"):
        # [POSIX seconds, value] pairs, as Prometheus' own API gives them.
        out["points"] = [[t, num(x)] for t, x in v.points]
    if kind == "table":
        out["cells"] = {k: num(x) for k, x in v.cells.items()}
        out["levels"] = dict(v.levels)
    return out


def _panel(p: PanelData) -> JSON:
    out: JSON = {
        "title": p.title,
        "kind": p.kind,
        "unit": p.unit,
        "ok": p.ok,
        "error": p.error,
        "values": [_panel_value(p.kind, v) for v in p.values],
    }
    if p.kind == "table":
        out["columns"] = list(p.columns)
        out["label_columns"] = list(p.label_columns)
    return out


def _source(s: SourceStatus) -> JSON:
    return {
        "ok": s.ok,
        "error": s.error,
        "latency_s": num(s.latency_s),
        "checked_at": rfc3339(s.checked_at),
        "last_ok_at": rfc3339(s.last_ok_at),
        "url": s.url,
        "detail": s.detail,
    }


def snapshot_to_json(snap: Snapshot) -> JSON:
    """The Snapshot as a dict of JSON types (orjson/json can dump it as is)."""
    now = snap.taken_at
    h, rb, inc = snap.health, snap.runbooks, snap.incidents
    return {
        "taken_at": rfc3339(now),
        "window_s": num(snap.window_s),
        "poll_duration_s": num(snap.poll_duration_s),
        "health": {
            "score": num(h.score),
            "unknown": list(h.unknown),
            "components": [
                {
                    "name": c.name,
                    "availability": num(c.availability),
                    "error": c.error,
                    "reduce": c.reduce,
                    "series": c.series,
                    "worst_labels": dict(c.worst_labels),
                    "worst": num(c.worst),
                }
                for c in h.components
            ],
            "slo_checks": [
                {
                    "name": c.name,
                    "value": num(c.value),
                    "target": num(c.target),
                    "unit": c.unit,
                    "ok": c.ok,
                    "penalty": num(c.penalty),
                }
                for c in h.slo_checks
            ],
            "alert_penalty": num(h.alert_penalty),
            "terms": [
                {"label": t.label, "points": num(t.points), "explanation": t.explanation}
                for t in h.terms
            ],
        },
        "latency": [_latency(s) for s in snap.latency.services],
        "latency_slo_p95_s": num(snap.latency.slo_p95),
        "error_rate": {"value": num(snap.errors.value), "slo": num(snap.errors.slo)},
        "circuit_breakers": [_breaker(b) for b in snap.circuit_breakers.breakers],
        "runbooks": {
            "total": num(rb.total),
            "success_rate": num(rb.success_rate),
            "avg_duration_s": num(rb.avg_duration_s),
            "escalations": num(rb.escalations),
            "top": [
                {
                    "name": r.name,
                    "runs": num(r.runs),
                    "success_rate": num(r.success_rate),
                    "avg_duration_s": num(r.avg_duration_s),
                    "escalations": num(r.escalations),
                    "local_runs": r.local_runs,
                }
                for r in rb.top
            ],
        },
        "incidents": [incident_to_json(i) for i in inc.items],
        "incident_stats": {
            "count": len(inc.items),
            "firing": sum(1 for i in inc.items if i.status == "firing"),
            "mtta_s": num(inc.mtta_s),
            "mttr_s": num(inc.mttr_s),
            "lookback_s": num(inc.lookback_s),
            "note": inc.note,
        },
        "alerts": [_alert(a) for a in snap.alerts.items],
        "silences": [
            _silence(s, snap.alerts.items) for s in active_or_pending(snap.alerts.silences)
        ],
        "slos": [_slo(s) for s in snap.slos.items],
        "slos_met": dict(zip(("met", "of"), snap.slos.met_count, strict=True)),
        "panels": [_panel(p) for p in snap.panels.items],
        "runbook_coverage": {
            "ratio": num(snap.coverage.ratio),
            "seen": list(snap.coverage.seen),
            "covered": list(snap.coverage.covered),
            "uncovered": list(snap.coverage.uncovered),
        },
        "sources": {name: _source(s) for name, s in snap.sources.items()},
        "sections": {
            "health": _section(h.section, now),
            "latency": _section(snap.latency.section, now),
            "error_rate": _section(snap.errors.section, now),
            "circuit_breakers": _section(snap.circuit_breakers.section, now),
            "runbooks": _section(rb.section, now),
            "incidents": _section(inc.section, now),
            "alerts": _section(snap.alerts.section, now),
            "slos": _section(snap.slos.section, now),
            "panels": _section(snap.panels.section, now),
        },
    }
