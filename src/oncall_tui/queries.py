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


SINCE_RECENT_S = 3600.0
"""How far back "since" is searched at a fine resolution; older changes are found at
the window's coarser one."""
SINCE_POINTS = 1200
"""Subquery evaluations per series for "since": a few seconds' resolution over an hour."""


def subquery_step(span_s: float) -> float:
    """A whole-second subquery resolution for `span_s`. Prometheus aligns subquery
    steps to multiples of it, so the same sample is found poll after poll."""
    return float(max(1, round(span_s / SINCE_POINTS)))


def last_in_state(state_expr: str, span_s: float, by: str) -> str:
    """Per breaker x state, the newest time (POSIX seconds) within `span_s` it was in
    that state: the scrape time itself when `state_expr` is a plain selector."""
    inner = f"(timestamp({state_expr}) * (({state_expr}) == bool 1)) > 0"
    span = promql_duration(span_s)
    step = promql_duration(subquery_step(span_s))
    return f"max by ({by}) (max_over_time(({inner})[{span}:{step}]))"


@dataclass(frozen=True, slots=True)
class BreakerQueries:
    states: str
    failures: str | None  # an instant count (generic preset: the user's query)
    failure_rate: str | None
    failed_calls: str | None = None  # a counter: whole growth over the window
    seen_recent: str | None = None  # last_in_state over the last SINCE_RECENT_S
    seen_window: str | None = None  # last_in_state over the window, when longer
    last_rate: str | None = None  # the last failure rate >= 0 within the window


def breaker_queries(cfg: Config, window_s: float) -> BreakerQueries:
    cb = cfg.circuit_breakers
    w = promql_duration(window_s)
    name, state = cb.name_label, cb.state_label
    recent = min(window_s, SINCE_RECENT_S)
    if cb.preset == "generic":
        states = cb.state_query or ""
        rate = cb.failure_rate_query.replace("$window", w) if cb.failure_rate_query else None
        by = f"{name}, {state}"
        return BreakerQueries(
            states=states,
            failures=cb.failures_query.replace("$window", w) if cb.failures_query else None,
            failure_rate=rate,
            seen_recent=last_in_state(states, recent, by) if states else None,
            seen_window=(
                last_in_state(states, window_s, by) if states and window_s > recent else None
            ),
            last_rate=_last_rate(rate, window_s, name) if rate else None,
        )
    raw = "resilience4j_circuitbreaker_state"
    by = f"{name}, {state}"
    rate = f"max by ({name}) (resilience4j_circuitbreaker_failure_rate)"
    # max by (name, state): several instances of one service report the same breaker.
    return BreakerQueries(
        states=f"max by ({by}) ({raw})",
        failures=None,
        failure_rate=rate,
        failed_calls='resilience4j_circuitbreaker_calls_seconds_count{kind="failed"}',
        seen_recent=last_in_state(raw, recent, by),
        seen_window=last_in_state(raw, window_s, by) if window_s > recent else None,
        last_rate=_last_rate("resilience4j_circuitbreaker_failure_rate", window_s, name),
    )


def _last_rate(rate_expr: str, window_s: float, name: str) -> str:
    """The newest real failure rate within the window (resilience4j says -1 below its
    minimum number of calls)."""
    span = promql_duration(window_s)
    step = promql_duration(subquery_step(window_s))
    return f"max by ({name}) (last_over_time((({rate_expr}) >= 0)[{span}:{step}]))"


@dataclass(frozen=True, slots=True)
class RunbookQueries:
    """Raw counter series (every instance's own), fetched as ranges over the window:
    their whole growth is counted locally (model/counters.py), never `increase()`."""

    executions: str
    duration_sum: str
    duration_count: str
    escalations: str


def runbook_queries(cfg: Config, window_s: float) -> RunbookQueries:
    rs = cfg.runbook_stats
    return RunbookQueries(
        executions=rs.executions,
        duration_sum=f"{rs.duration}_sum",
        duration_count=f"{rs.duration}_count",
        escalations=rs.escalations,
    )


def incidents_step(lookback_s: float) -> float:
    """Resolution of the ALERTS history: an incident shorter than this may be missed.

    ~4,000 points per series keeps a 7-day lookback at a 151 s step — well under
    Prometheus' 11,000-point limit and cheap to decode — and never finer than 15 s,
    a common rule evaluation interval.
    """
    return max(15.0, float(round(lookback_s / 4000)))
