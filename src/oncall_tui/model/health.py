"""The health score: one number 0-100 and the terms that make it up.

    score = clamp(base - latency SLO penalty - error SLO penalty - alert penalty, 0, 100)

- base = 100 x the mean availability of the configured components that returned a
  value. Components without a value are listed but left out of the mean. With no
  component configured (or none measurable) the base is 100.
- SLO checks: "p95 latency" compares the worst (slowest) service's p95 with
  `latency.slo_p95`; "error rate" compares the error ratio with `errors.slo`. A check
  over its target costs `slo_penalty x min(2, value / target)` points; within target
  or not measurable (no data, or no target configured) it costs nothing.
- alert penalty = sum over firing alerts that are not inhibited of the points of
  their severity's tier (`model.severity`: critical tier -> penalty_critical,
  warning -> penalty_warning, info -> penalty_info, unknown -> penalty_warning), at most
  `max_alert_penalty`. Acked and silenced alerts still count: muting
  an alert does not heal the system. Inhibited alerts are left out because the
  alert inhibiting them already counts for the same problem.

- SLOs (`[[slos]]` entries, with `health.slo_terms`): each SLO whose burn rate is at
  the multiwindow `ticket` level costs `slo_penalty`, at `page` level twice that
  (model/slo.py `slo_health_terms`); unknown or quiet SLOs cost nothing.

The score is None only when nothing at all could be measured: no component value,
no latency, no error ratio, and the alerts are not known (Alertmanager down).
Every step is recorded as a HealthTerm whose points sum to the score before clamping.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from oncall_tui.config_types import HealthConfig
from oncall_tui.model.severity import Level, severity_level
from oncall_tui.model.slo import slo_health_terms
from oncall_tui.model.snapshot import (
    Alert,
    ComponentHealth,
    ErrorRate,
    Health,
    HealthTerm,
    Latency,
    Slo,
    SloCheck,
)

MAX_SLO_FACTOR = 2.0
"""An SLO check never costs more than this many times `slo_penalty`."""


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _pct(ratio: float) -> str:
    return f"{ratio * 100:.2f} %"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _base_term(components: Sequence[ComponentHealth]) -> tuple[float, HealthTerm, bool]:
    """(base points, its term, whether any component was measured)."""
    measured = [c for c in components if _finite(c.availability) is not None]
    skipped = [c.name for c in components if _finite(c.availability) is None]
    if not components:
        return 100.0, HealthTerm("Base", 100.0, "No components configured: start at 100."), False
    if not measured:
        text = f"No component could be measured ({', '.join(skipped)}): start at 100."
        return 100.0, HealthTerm("Base", 100.0, text), False
    # Availability is a ratio; a query answering outside [0, 1] is clamped, not trusted.
    ratios = [min(1.0, max(0.0, c.availability or 0.0)) for c in measured]
    base = 100.0 * sum(ratios) / len(ratios)
    parts = ", ".join(f"{c.name} {_pct(r)}" for c, r in zip(measured, ratios, strict=True))
    text = f"Mean availability of {len(measured)} component(s): {parts}."
    if skipped:
        text += f" Not measured, left out: {', '.join(skipped)}."
    return base, HealthTerm("Component availability", base, text), True


def _slo_penalty(value: float, target: float, per_check: float) -> tuple[float, float]:
    """(penalty, value/target factor) for a measured value."""
    if value <= target:
        return 0.0, 0.0
    factor = MAX_SLO_FACTOR if target <= 0 else min(MAX_SLO_FACTOR, value / target)
    return per_check * factor, factor


def _latency_check(latency: Latency, cfg: HealthConfig) -> tuple[SloCheck, HealthTerm] | None:
    if latency.slo_p95 is None:
        return None
    target = latency.slo_p95
    worst: tuple[float, str] | None = None
    for svc in latency.services:
        p95 = _finite(svc.quantiles.get("p95"))
        if p95 is not None and (worst is None or p95 > worst[0]):
            worst = (p95, svc.service)
    if worst is None:
        check = SloCheck("p95 latency", None, target, "s", None, 0.0)
        text = f"Not measurable: no service had traffic (target {_ms(target)}); no penalty."
        return check, HealthTerm("p95 latency SLO", 0.0, text)
    value, service = worst
    penalty, factor = _slo_penalty(value, target, cfg.slo_penalty)
    check = SloCheck("p95 latency", value, target, "s", penalty == 0.0, penalty)
    if penalty:
        text = (
            f"Slowest service {service!r}: p95 {_ms(value)} is over the {_ms(target)} "
            f"target ({factor:.2f}x, counted up to {MAX_SLO_FACTOR:g}x): "
            f"{cfg.slo_penalty:g} x {factor:.2f} = {penalty:.1f} points off."
        )
    else:
        text = f"Slowest service {service!r}: p95 {_ms(value)} is within {_ms(target)}."
    return check, HealthTerm("p95 latency SLO", -penalty, text)


def _error_check(errors: ErrorRate, cfg: HealthConfig) -> tuple[SloCheck, HealthTerm] | None:
    if errors.slo is None:
        return None
    target = errors.slo
    value = _finite(errors.value)
    if value is None:
        check = SloCheck("error rate", None, target, "ratio", None, 0.0)
        text = f"Not measurable: no error ratio (target {_pct(target)}); no penalty."
        return check, HealthTerm("Error rate SLO", 0.0, text)
    penalty, factor = _slo_penalty(value, target, cfg.slo_penalty)
    check = SloCheck("error rate", value, target, "ratio", penalty == 0.0, penalty)
    if penalty:
        text = (
            f"Error rate {_pct(value)} is over the {_pct(target)} target "
            f"({factor:.2f}x, counted up to {MAX_SLO_FACTOR:g}x): "
            f"{cfg.slo_penalty:g} x {factor:.2f} = {penalty:.1f} points off."
        )
    else:
        text = f"Error rate {_pct(value)} is within the {_pct(target)} target."
    return check, HealthTerm("Error rate SLO", -penalty, text)


def severity_points(severity: str, cfg: HealthConfig) -> float:
    """Points one firing alert of this severity costs."""
    level = severity_level(severity)
    if level is Level.CRITICAL:
        return cfg.penalty_critical
    if level is Level.INFO:
        return cfg.penalty_info
    return cfg.penalty_warning  # warning, and unknown severities alike


def _alert_term(
    alerts: Sequence[Alert], cfg: HealthConfig, alerts_known: bool
) -> tuple[float, HealthTerm]:
    if not alerts_known:
        text = "Alerts unknown (Alertmanager did not answer): no alert penalty applied."
        return 0.0, HealthTerm("Firing alerts", 0.0, text)
    counted = [a for a in alerts if not a.inhibited_by]
    inhibited = len(alerts) - len(counted)
    by_sev = Counter(a.severity.strip().lower() or "none" for a in counted)
    raw = sum(severity_points(sev, cfg) * n for sev, n in by_sev.items())
    penalty = max(0.0, min(raw, cfg.max_alert_penalty))
    if not counted:
        text = "No firing alerts."
    else:
        parts = " + ".join(
            f"{n} {sev} x {severity_points(sev, cfg):g}" for sev, n in sorted(by_sev.items())
        )
        text = f"{parts} = {raw:g} points"
        if penalty < raw:
            text += f", capped at {penalty:g}"
        text += ". Acked and silenced alerts still count: muting does not heal."
    if inhibited:
        text += f" {inhibited} inhibited alert(s) not counted (their cause already is)."
    return penalty, HealthTerm("Firing alerts", -penalty, text)


def compute_health(
    components: Sequence[ComponentHealth],
    latency: Latency,
    errors: ErrorRate,
    alerts: Sequence[Alert],
    cfg: HealthConfig,
    alerts_known: bool = True,
    slos: Sequence[Slo] = (),
) -> Health:
    """The score and its explanation; see the module docstring for the formula."""
    base, base_term, any_component = _base_term(components)
    terms = [base_term]
    checks: list[SloCheck] = []
    for result in (_latency_check(latency, cfg), _error_check(errors, cfg)):
        if result is not None:
            checks.append(result[0])
            terms.append(result[1])
    alert_penalty, alert_term = _alert_term(alerts, cfg, alerts_known)
    terms.append(alert_term)
    slo_penalty, more = slo_health_terms(slos, cfg.slo_penalty) if cfg.slo_terms else (0.0, [])
    terms += more

    any_latency = any(_finite(s.quantiles.get("p95")) is not None for s in latency.services)
    any_errors = _finite(errors.value) is not None
    if not (any_component or any_latency or any_errors or alerts_known):
        score: float | None = None
    else:
        total = base - sum(c.penalty for c in checks) - alert_penalty - slo_penalty
        score = min(100.0, max(0.0, total))
    return Health(
        score=score,
        components=tuple(components),
        slo_checks=tuple(checks),
        alert_penalty=alert_penalty,
        terms=tuple(terms),
    )
