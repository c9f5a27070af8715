"""The health score: one number 0-100 and the terms that make it up.

    score = clamp(base - latency SLO penalty - error SLO penalty - alert penalty, 0, 100)

- base = 100 x the mean availability of the configured components that returned a
  value. A component's query may answer many series (one per instance): every series
  counts, reduced by the component's `reduce` ("min" by default: the worst instance
  decides; "avg"; "max"). A component whose query answered no series (or only NaN) is
  *unknown*: listed, left out of the mean, and the score is marked partial. With no
  component configured (or none measurable) the base is 100.
- SLO checks: "p95 latency" compares the worst (slowest) service's p95 with
  `latency.slo_p95`; "error rate" compares the error ratio with `errors.slo`. A check
  over its target costs `slo_penalty x min(2, value / target)` points; within target
  or without traffic (the histogram has series, all rates zero) it costs nothing.
  Without any series (a typo, the wrong histogram type, Prometheus down) the check is
  *unknown*: no points either way, and the score is marked partial.
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
Otherwise `Health.unknown` names every term that could not be measured: missing data
is never counted as healthy, and the UI never shows a partial score as "ok".
Every step is recorded as a HealthTerm whose points sum to the score before clamping.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from oncall_tui.config_types import HealthConfig
from oncall_tui.model.series import Sample
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


REDUCERS = ("min", "avg", "max")


def component_health(
    name: str,
    query: str,
    samples: Sequence[Sample] | None,
    reduce: str = "min",
    error: str | None = None,
) -> ComponentHealth:
    """One component from all the series its query answered. No series, or only
    NaN / infinite values, is unknown and says why."""
    if error is not None:
        return ComponentHealth(name, None, error, reduce=reduce)
    found = list(samples or ())
    values = [(s.value, s.labels) for s in found if math.isfinite(s.value)]
    if not found:
        return ComponentHealth(name, None, f"no series for {query}", reduce=reduce)
    if not values:
        why = f"no finite value in {len(found)} series of {query}"
        return ComponentHealth(name, None, why, series=len(found), reduce=reduce)
    nums = [v for v, _ in values]
    if reduce == "avg":
        availability = sum(nums) / len(nums)
    elif reduce == "max":
        availability = max(nums)
    else:
        availability = min(nums)
    worst, worst_labels = min(values, key=lambda p: (p[0], sorted(p[1].items())))
    return ComponentHealth(
        name,
        availability,
        None,
        series=len(found),
        reduce=reduce,
        worst_labels={k: v for k, v in worst_labels.items() if k != "__name__"},
        worst=worst,
    )


def _base_term(
    components: Sequence[ComponentHealth],
) -> tuple[float, HealthTerm, bool, list[str]]:
    """(base points, its term, whether any component was measured, unknown names)."""
    measured = [c for c in components if _finite(c.availability) is not None]
    unknown = [c for c in components if _finite(c.availability) is None]
    names = [c.name for c in unknown]
    if not components:
        term = HealthTerm("Base", 100.0, "No components configured: start at 100.")
        return 100.0, term, False, []
    why = "; ".join(f"{c.name}: {c.error or 'no value'}" for c in unknown)
    if not measured:
        text = f"Unknown: no component could be measured ({why}). Start at 100, partial score."
        return 100.0, HealthTerm("Base", 100.0, text), False, names
    # Availability is a ratio; a query answering outside [0, 1] is clamped, not trusted.
    ratios = [min(1.0, max(0.0, c.availability or 0.0)) for c in measured]
    base = 100.0 * sum(ratios) / len(ratios)
    parts = ", ".join(
        f"{c.name} {_pct(r)}" + (f" ({c.breakdown})" if c.breakdown else "")
        for c, r in zip(measured, ratios, strict=True)
    )
    text = f"Mean availability of {len(measured)} component(s): {parts}."
    if unknown:
        text += f" Unknown, left out (the score is partial): {why}."
    return base, HealthTerm("Component availability", base, text), True, names


def _slo_penalty(value: float, target: float, per_check: float) -> tuple[float, float]:
    """(penalty, value/target factor) for a measured value."""
    if value <= target:
        return 0.0, 0.0
    factor = MAX_SLO_FACTOR if target <= 0 else min(MAX_SLO_FACTOR, value / target)
    return per_check * factor, factor


Check = tuple[SloCheck, HealthTerm, bool]
"""An SLO check, its term, and whether it is unknown (no data: the score is partial)."""


def _latency_check(latency: Latency, cfg: HealthConfig) -> Check | None:
    if latency.slo_p95 is None:
        return None
    target = latency.slo_p95
    worst: tuple[float, str] | None = None
    for svc in latency.services:
        p95 = _finite(svc.quantiles.get("p95"))
        if p95 is not None and (worst is None or p95 > worst[0]):
            worst = (p95, svc.service)
    if not latency.services:
        check = SloCheck("p95 latency", None, target, "s", None, 0.0)
        why = latency.section.error or "no latency series"
        text = f"Unknown: {why} (target {_ms(target)}). Not counted: the score is partial."
        return check, HealthTerm("p95 latency SLO", 0.0, text), True
    if worst is None:
        check = SloCheck("p95 latency", None, target, "s", None, 0.0)
        text = f"No traffic: no service had requests (target {_ms(target)}); no penalty."
        return check, HealthTerm("p95 latency SLO", 0.0, text), False
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
    return check, HealthTerm("p95 latency SLO", -penalty, text), False


def _error_check(errors: ErrorRate, cfg: HealthConfig) -> Check | None:
    if errors.slo is None:
        return None
    target = errors.slo
    value = _finite(errors.value)
    if value is None and errors.section.ok and errors.section.fetched_at is not None:
        # Answered, but 0/0: no requests at all, so no errors either.
        check = SloCheck("error rate", None, target, "ratio", None, 0.0)
        text = f"No traffic: the error ratio is 0/0 (target {_pct(target)}); no penalty."
        return check, HealthTerm("Error rate SLO", 0.0, text), False
    if value is None:
        check = SloCheck("error rate", None, target, "ratio", None, 0.0)
        why = errors.section.error or "no error ratio"
        text = f"Unknown: {why} (target {_pct(target)}). Not counted: the score is partial."
        return check, HealthTerm("Error rate SLO", 0.0, text), True
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
    return check, HealthTerm("Error rate SLO", -penalty, text), False


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
    base, base_term, any_component, unknown = _base_term(components)
    terms = [base_term]
    checks: list[SloCheck] = []
    for result in (_latency_check(latency, cfg), _error_check(errors, cfg)):
        if result is not None:
            checks.append(result[0])
            terms.append(result[1])
            if result[2]:
                unknown.append(result[0].name)
    alert_penalty, alert_term = _alert_term(alerts, cfg, alerts_known)
    terms.append(alert_term)
    if not alerts_known:
        unknown.append("firing alerts")
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
        unknown=tuple(unknown),
    )
