"""Benchmark 1: the pure model functions at 100 / 1,000 / 10,000 series, no servers."""

from __future__ import annotations

from collections.abc import Callable

from benchmarks import synthetic
from benchmarks.stats import Budget, Result, Section, profile_top, time_calls
from oncall_tui.model.alerts import parse_alerts, parse_silences
from oncall_tui.model.breakers import breakers_from
from oncall_tui.model.incident_record import MergeRules, Observation, history_from, merge
from oncall_tui.model.quantiles import latency_from_buckets

SIZES = (100, 1_000, 10_000)
BUDGET = Budget(
    200.0,
    "p95",
    "a poll runs every 2-5 s on a shared SSH box: the model of one section may take a "
    "tenth of a 2 s refresh even when a source answers 10,000 series",
)


def _cases(size: int) -> list[tuple[str, str, Callable[[], object]]]:
    """(name, input description, call) per model function, inputs built beforehand."""
    lat = synthetic.latency_input(size)
    cb = synthetic.breaker_input(size)
    inc = synthetic.incident_input(size)
    inc_alerts = parse_alerts(inc.raw_alerts, ())
    raw, raw_silences = synthetic.alerts_input(size)
    silences = parse_silences(raw_silences)
    lat_points = sum(len(s.points) for s in lat.history)
    cb_points = sum(len(s.points) for s in cb.states)
    inc_points = sum(len(s.points) for s in inc.series)
    return [
        (
            "quantiles.latency_from_buckets",
            f"{len(lat.history):,} bucket series ({len(lat.rps):,} services), "
            f"instant + range with {lat_points:,} points",
            lambda: latency_from_buckets(lat.now, lat.history, "service", lat.rps),
        ),
        (
            "breakers.breakers_from",
            f"{len(cb.states):,} state series ({len(cb.failures):,} breakers), "
            f"{cb_points:,} points",
            lambda: breakers_from(cb.states, cb.failures, cb.failure_rate, "name", "state"),
        ),
        (
            "incident_record.merge",
            f"{len(inc.series):,} ALERTS series over 7 d ({inc_points:,} points), "
            f"{len(inc_alerts):,} firing in Alertmanager, into an empty record (a first poll)",
            lambda: merge(
                (),
                Observation(
                    inc.now,
                    inc_alerts,
                    history_from(inc.series, inc.step, inc.now),
                    inc.acks,
                ),
                MergeRules(grace_s=60.0, history_settle_s=60.0 + 2 * inc.step),
            ),
        ),
        (
            "alerts.parse_alerts",
            f"{len(raw):,} Alertmanager alerts, {len(silences):,} silences",
            lambda: parse_alerts(raw, silences),
        ),
    ]


def run(quick: bool) -> Section:
    repeats = {100: 20, 1_000: 5, 10_000: 3} if quick else {100: 50, 1_000: 15, 10_000: 7}
    section = Section(
        "Model at scale (no servers)",
        "Each pure function of `oncall_tui.model` on synthetic inputs of 100, 1,000 and "
        "10,000 series (or alerts), shaped like the decoded answers: range series carry "
        "the 241 points the poller fetches over a window, ALERTS series the points of "
        "three 10 min - 2 h incidents over 7 days at the 151 s step. Inputs are built "
        "before timing; one warm-up call, then wall time per call. Only the 10,000 size "
        "has a budget (the product's own worst case: a source answering 10,000 series).",
    )
    for size in SIZES:
        for name, detail, call in _cases(size):
            call()  # warm-up: first-call caches (e.g. regex, imports) are not the model
            result = Result(
                f"{name} @ {size:,}",
                time_calls(call, repeats[size]),
                "ms",
                BUDGET if size == SIZES[-1] else None,
                detail,
            )
            if result.over:
                result.profile = profile_top(call)
            section.results.append(result)
    return section
