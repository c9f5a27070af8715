"""The PromQL this tool sends, built from the config. Pure: strings in, strings out.

Few queries is the rule (see ARCHITECTURE.md's measurements): a histogram's bucket
rates are fetched once, grouped by `le` and the service label, and every quantile is
computed from them locally with Prometheus' own interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall_tui.config_types import Config

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


@dataclass(frozen=True, slots=True)
class LatencyQueries:
    buckets: str  # sum by (le, group) (rate(X_bucket[rw]))
    rps: str  # sum by (group) (rate(X_count[rw]))


def latency_queries(cfg: Config) -> LatencyQueries:
    lat = cfg.latency
    rw = promql_duration(lat.rate_window_s)
    group = lat.group_by
    buckets = with_selector(f"{lat.histogram}_bucket", lat.selector)
    count = with_selector(f"{lat.histogram}_count", lat.selector)
    return LatencyQueries(
        buckets=f"sum by (le, {group}) (rate({buckets}[{rw}]))",
        rps=f"sum by ({group}) (rate({count}[{rw}]))",
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
