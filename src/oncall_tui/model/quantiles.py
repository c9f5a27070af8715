"""Latency quantiles from histogram bucket rates, computed locally.

One query fetches `sum by (le, <group>) (rate(X_bucket[w]))` (instant and range);
every quantile of every service is then estimated here with the exact algorithm of
Prometheus 2.x `histogram_quantile` (promql/quantile.go, bucketQuantile), so the
numbers match what the Prometheus UI would show, for one query instead of
quantiles x services.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import QUANTILES, Point, ServiceLatency

ALL = "all"
"""The group name of series that lack the group-by label."""

_NAN = float("nan")


def _div(a: float, b: float) -> float:
    """IEEE division as Go does it: x/0 is +-Inf or NaN, never an exception."""
    if b == 0.0:
        if a == 0.0 or math.isnan(a):
            return _NAN
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def prepare_buckets(buckets: Iterable[tuple[float, float]]) -> list[list[float]] | None:
    """Sorted, coalesced, monotonic [upper_bound, cumulative_count] pairs, or None
    when Prometheus would answer NaN for every q (fewer than 2 buckets after
    coalescing, or no +Inf bucket). Shared by all quantiles of one histogram."""
    # NaN bounds have no defined place in Go's sort either; they carry no information.
    bs = sorted(([ub, c] for ub, c in buckets if not math.isnan(ub)), key=lambda b: b[0])
    if not bs or bs[-1][0] != math.inf:
        return None
    merged = [bs[0]]
    for b in bs[1:]:
        if b[0] == merged[-1][0]:
            merged[-1][1] += b[1]
        else:
            merged.append(b)
    # ensureMonotonic: take the envelope, exactly as Go does (NaN comparisons false).
    top = merged[0][1]
    for b in merged[1:]:
        if b[1] > top:
            top = b[1]
        elif b[1] < top:
            b[1] = top
    if len(merged) < 2:
        return None
    return merged


def quantile_of_prepared(q: float, buckets: list[list[float]] | None) -> float:
    """bucketQuantile on buckets that went through `prepare_buckets`."""
    if math.isnan(q):
        return _NAN
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if buckets is None:
        return _NAN
    observations = buckets[-1][1]
    if observations == 0:
        return _NAN
    rank = q * observations
    # sort.Search over all but the +Inf bucket, reproduced step by step so that
    # even non-monotonic (NaN) counts give Prometheus' answer.
    lo, hi = 0, len(buckets) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if not buckets[mid][1] >= rank:
            lo = mid + 1
        else:
            hi = mid
    b = lo
    if b == len(buckets) - 1:
        return buckets[-2][0]
    if b == 0 and buckets[0][0] <= 0:
        return buckets[0][0]
    start = 0.0
    end, count = buckets[b]
    if b > 0:
        start = buckets[b - 1][0]
        count -= buckets[b - 1][1]
        rank -= buckets[b - 1][1]
    return start + (end - start) * _div(rank, count)


def bucket_quantile(q: float, buckets: Sequence[tuple[float, float]]) -> float:
    """Prometheus' histogram_quantile on (upper_bound, cumulative_count) pairs.

    q<0 -> -Inf, q>1 -> +Inf, q NaN -> NaN; NaN without a +Inf bucket, with fewer
    than 2 distinct bounds or with no observations. A quantile in the +Inf bucket is
    the highest finite bound; in the first bucket it is interpolated from 0 (or is
    that bucket's bound when the bound is <= 0).
    """
    if math.isnan(q) or q < 0 or q > 1:
        return quantile_of_prepared(q, None)
    return quantile_of_prepared(q, prepare_buckets(buckets))


def parse_le(value: str) -> float | None:
    """The `le` label as a bound ("+Inf" included), None when unreadable."""
    try:
        return float(value)
    except ValueError:
        return None


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _quantiles(buckets: list[tuple[float, float]]) -> dict[str, float | None]:
    """Every quantile of QUANTILES; None when there was no traffic or no answer."""
    prepared = prepare_buckets(buckets)
    if prepared is None or not prepared[-1][1] > 0:
        return {name: None for name, _ in QUANTILES}
    return {name: _finite(quantile_of_prepared(q, prepared)) for name, q in QUANTILES}


def _above_last_bound(buckets: list[tuple[float, float]]) -> bool:
    """Observations in the +Inf bucket only: `max` (q=1) is then the highest finite
    bound, a floor of the slowest request, not a ceiling."""
    prepared = prepare_buckets(buckets)
    return prepared is not None and prepared[-1][1] > prepared[-2][1]


Known = dict[tuple[str, float], dict[str, float | None]]
"""(group, timestamp) -> the quantiles at that instant, from an earlier history."""


def quantile_history(
    history: list[Series], group_by: str, known: Known | None = None
) -> dict[str, dict[str, tuple[Point, ...]]]:
    """Per value of `group_by` (missing -> "all"), each quantile over the bucket rates'
    history; points without traffic are left out (a gap in the sparkline).

    `known`: the quantiles an earlier history of the same query had at each instant,
    taken as they are (a settled point is final: the same buckets), and replaced by
    this history's: a kept history moved on by a step interpolates only its new step."""
    # group -> timestamp -> buckets at that instant (points aligned by timestamp)
    past: dict[str, dict[float, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    for series in history:
        le = series.labels.get("le")
        bound = None if le is None else parse_le(le)
        if bound is None:
            continue
        by_time = past[series.labels.get(group_by, ALL)]
        for at, value in series.points:
            by_time[at].append((bound, value))
    out: dict[str, dict[str, tuple[Point, ...]]] = {}
    now_known: Known = {}
    for service, by_time in past.items():
        hist: dict[str, list[Point]] = {name: [] for name, _ in QUANTILES}
        for at in sorted(by_time):
            estimates = known.get((service, at)) if known is not None else None
            if estimates is None:
                estimates = _quantiles(by_time[at])
            now_known[(service, at)] = estimates
            for name, estimate in estimates.items():
                if estimate is not None:
                    hist[name].append((at, estimate))
        out[service] = {name: tuple(points) for name, points in hist.items()}
    if known is not None:
        known.clear()
        known.update(now_known)
    return out


def latency_from_buckets(
    now: list[Sample],
    history: list[Series],
    group_by: str,
    rps: list[Sample] | None = None,
    past: Mapping[str, Mapping[str, tuple[Point, ...]]] | None = None,
) -> tuple[ServiceLatency, ...]:
    """Per value of `group_by` (missing -> "all"): current quantiles, their history,
    and requests per second. A service without traffic has None quantiles (not NaN,
    not 0); history points without traffic are left out (a gap in the sparkline).
    Sorted by service name. Linear in the number of points plus a sort per histogram.
    `past`: `quantile_history(history, group_by)` when the caller already has it.
    """
    current: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for s in now:
        le = s.labels.get("le")
        bound = None if le is None else parse_le(le)
        if bound is not None:
            current[s.labels.get(group_by, ALL)].append((bound, s.value))
    if past is None:
        past = quantile_history(history, group_by)

    requests: dict[str, float] = defaultdict(float)
    for s in rps or ():
        requests[s.labels.get(group_by, ALL)] += s.value

    out = []
    empty = {name: () for name, _ in QUANTILES}
    for service in sorted(current.keys() | past.keys()):
        rate = requests.get(service)
        out.append(
            ServiceLatency(
                service=service,
                quantiles=_quantiles(current.get(service, [])),
                history=dict(past.get(service, empty)),
                requests_per_s=None if rate is None else _finite(rate),
                max_unbounded=_above_last_bound(current.get(service, [])),
            )
        )
    return tuple(out)


def latency_from_quantiles(
    now: list[Sample],
    history: list[Series],
    group_by: str,
    quantile_label: str,
    rps: list[Sample] | None = None,
) -> tuple[ServiceLatency, ...]:
    """The same rows from quantiles Prometheus computed itself (a native histogram:
    `histogram_quantile` over its rate), each series labelled with its quantile's name
    in `quantile_label`. NaN (no traffic) is None, as for classic histograms."""
    names = {name for name, _ in QUANTILES}
    current: dict[str, dict[str, float | None]] = defaultdict(dict)
    for s in now:
        name = s.labels.get(quantile_label)
        if name in names:
            current[s.labels.get(group_by, ALL)][name] = _finite(s.value)
    past: dict[str, dict[str, list[Point]]] = defaultdict(lambda: defaultdict(list))
    for series in history:
        name = series.labels.get(quantile_label)
        if name in names:
            points = past[series.labels.get(group_by, ALL)][name]
            points.extend((at, v) for at, v in series.points if math.isfinite(v))
    requests: dict[str, float] = defaultdict(float)
    for s in rps or ():
        requests[s.labels.get(group_by, ALL)] += s.value
    out = []
    for service in sorted(current.keys() | past.keys()):
        rate = requests.get(service)
        hist = past.get(service, {})
        out.append(
            ServiceLatency(
                service=service,
                quantiles={name: current[service].get(name) for name, _ in QUANTILES},
                history={name: tuple(sorted(hist.get(name, ()))) for name, _ in QUANTILES},
                requests_per_s=None if rate is None else _finite(rate),
            )
        )
    return tuple(out)
