"""The PromQL this tool sends, built from the config. Pure: strings in, strings out.

Few queries is the rule (see ARCHITECTURE.md's measurements): a histogram's bucket
rates are fetched once, grouped by `le` and the service label, and every quantile is
computed from them locally with Prometheus' own interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import QUANTILES

ALERTS_FIRING = 'ALERTS{alertstate="firing"}'


def alerts_history(step_s: float) -> str:
    """ALERTS sampled at `step_s` without missing what fired between two samples: each
    point says "firing at some time in the step before it". A plain range query at a
    7-day step (151 s) would drop a 2-minute incident the engineer just handled."""
    return f"max_over_time({ALERTS_FIRING}[{promql_duration(step_s)}])"


def promql_duration(seconds: float) -> str:
    """Seconds as a PromQL range, e.g. 3600.0 -> "3600s" (never below 1s)."""
    return f"{max(1, round(seconds))}s"


def with_selector(metric: str, selector: str, extra: str = "") -> str:
    """`metric{a="b",extra}` from a `{...}` selector string and an extra matcher."""
    inner = selector.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1].strip()
    parts = [p for p in (inner, extra) if p]
    return f"{metric}{{{','.join(parts)}}}" if parts else metric


QUANTILE_LABEL = "oncall_quantile"
"""Label a native histogram's quantile series carry: the quantile's name ("p95")."""


@dataclass(frozen=True, slots=True)
class LatencyQueries:
    buckets: str  # classic: sum by (le, group) (rate(X_bucket[rw])); native: quantiles
    rps: str  # sum by (group) (rate(X_count[rw])), or histogram_count of the native one
    looked_for: str  # what had no series, in words, when both answer nothing


def latency_queries(cfg: Config) -> LatencyQueries:
    """The histogram's queries by `histogram_type`. Classic: the bucket rates, every
    quantile computed locally. Native: Prometheus computes each quantile (one query
    for all of them, told apart by QUANTILE_LABEL). Auto: both joined with `or` in the
    same two requests; the answer's labels (`le` or QUANTILE_LABEL) tell which one the
    histogram is, so auto costs no extra request."""
    lat = cfg.latency
    rw = promql_duration(lat.rate_window_s)
    group = lat.group_by
    buckets = with_selector(f"{lat.histogram}_bucket", lat.selector)
    count = with_selector(f"{lat.histogram}_count", lat.selector)
    native = with_selector(lat.histogram, lat.selector)
    classic_q = f"sum by (le, {group}) (rate({buckets}[{rw}]))"
    classic_rps = f"sum by ({group}) (rate({count}[{rw}]))"
    rates = f"sum by ({group}) (rate({native}[{rw}]))"
    native_q = " or ".join(
        f'label_replace(histogram_quantile({q:g}, {rates}), "{QUANTILE_LABEL}", "{name}", "", "")'
        for name, q in QUANTILES
    )
    native_rps = f"histogram_count({rates})"
    if lat.histogram_type == "classic":
        return LatencyQueries(classic_q, classic_rps, buckets)
    if lat.histogram_type == "native":
        return LatencyQueries(native_q, native_rps, f"native histogram {native}")
    return LatencyQueries(
        f"{classic_q} or {native_q}",
        f"{classic_rps} or {native_rps}",
        f"{buckets} (classic) or {native} (native histogram)",
    )


@dataclass(frozen=True, slots=True)
class BreakerQueries:
    states: str
    failures: str | None
    failure_rate: str | None


def breaker_queries(cfg: Config, window_s: float) -> BreakerQueries:
    cb = cfg.circuit_breakers
    w = promql_duration(window_s)
    if cb.preset == "generic":
        return BreakerQueries(
            states=cb.state_query or "",
            failures=cb.failures_query.replace("$window", w) if cb.failures_query else None,
            failure_rate=(
                cb.failure_rate_query.replace("$window", w) if cb.failure_rate_query else None
            ),
        )
    name = cb.name_label
    # max by (name, state): several instances of one service report the same breaker.
    return BreakerQueries(
        states=f"max by ({name}, {cb.state_label}) (resilience4j_circuitbreaker_state)",
        failures=(
            f"sum by ({name}) (increase("
            f'resilience4j_circuitbreaker_calls_seconds_count{{kind="failed"}}[{w}]))'
        ),
        failure_rate=f"max by ({name}) (resilience4j_circuitbreaker_failure_rate)",
    )


@dataclass(frozen=True, slots=True)
class RunbookQueries:
    executions: str
    duration_sum: str
    duration_count: str
    escalations: str


def runbook_queries(cfg: Config, window_s: float) -> RunbookQueries:
    rs = cfg.runbook_stats
    w = promql_duration(window_s)
    rb, st = rs.runbook_label, rs.status_label
    return RunbookQueries(
        executions=f"sum by ({rb}, {st}) (increase({rs.executions}[{w}]))",
        duration_sum=f"sum by ({rb}) (increase({rs.duration}_sum[{w}]))",
        duration_count=f"sum by ({rb}) (increase({rs.duration}_count[{w}]))",
        escalations=f"sum by ({rb}) (increase({rs.escalations}[{w}]))",
    )


def incidents_step(lookback_s: float) -> float:
    """Resolution of the ALERTS history: an incident shorter than this may be missed.

    ~4,000 points per series keeps a 7-day lookback at a 151 s step — well under
    Prometheus' 11,000-point limit and cheap to decode — and never finer than 15 s,
    a common rule evaluation interval.
    """
    return max(15.0, float(round(lookback_s / 4000)))
