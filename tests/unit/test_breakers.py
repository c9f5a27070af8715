"""Circuit breakers from resilience4j state series, failures and failure rate."""

from __future__ import annotations

import math

import pytest

from oncall_tui.model.breakers import breakers_from, parse_state
from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import BreakerState, StateChange

STATES = ("closed", "open", "half_open", "forced_open", "disabled", "metrics_only")


def state_series(name: str, timeline: list[tuple[float, str]]) -> list[Series]:
    """One series per state, 1 where `timeline` says that state is current."""
    out = []
    for state in STATES:
        points = tuple((at, 1.0 if s == state else 0.0) for at, s in timeline)
        out.append(Series({"name": name, "state": state, "__name__": "x"}, points))
    return out


@pytest.mark.parametrize(
    ("label", "state"),
    [
        ("closed", BreakerState.CLOSED),
        ("OPEN", BreakerState.OPEN),
        ("Half_Open", BreakerState.HALF_OPEN),
        ("forced_open", BreakerState.FORCED_OPEN),
        ("disabled", BreakerState.DISABLED),
        ("metrics_only", BreakerState.METRICS_ONLY),
        ("weird", BreakerState.UNKNOWN),
        ("", BreakerState.UNKNOWN),
    ],
)
def test_parse_state(label: str, state: BreakerState) -> None:
    assert parse_state(label) is state


def test_history_and_last_change() -> None:
    timeline = [
        (0.0, "closed"),
        (10.0, "closed"),
        (20.0, "open"),
        (30.0, "open"),
        (40.0, "half_open"),
        (50.0, "closed"),
    ]
    (b,) = breakers_from(state_series("pay", timeline), [], [], "name", "state")
    assert b.state is BreakerState.CLOSED
    assert b.history == (
        StateChange(0.0, BreakerState.CLOSED),
        StateChange(20.0, BreakerState.OPEN),
        StateChange(40.0, BreakerState.HALF_OPEN),
        StateChange(50.0, BreakerState.CLOSED),
    )
    assert b.last_change_at == 50.0


def test_no_change_in_window() -> None:
    (b,) = breakers_from(state_series("a", [(0.0, "open"), (5.0, "open")]), [], [], "name", "state")
    assert b.state is BreakerState.OPEN
    assert b.last_change_at is None
    assert b.history == (StateChange(0.0, BreakerState.OPEN),)


def test_points_arrive_unordered_and_with_gaps() -> None:
    series = [
        Series({"name": "a", "state": "open"}, ((30.0, 1.0),)),
        Series({"name": "a", "state": "closed"}, ((10.0, 1.0), (20.0, 1.0), (30.0, 0.0))),
        Series({"name": "a", "state": "half_open"}, ((40.0, math.nan),)),
    ]
    (b,) = breakers_from(series, [], [], "name", "state")
    assert b.state is BreakerState.OPEN
    assert b.last_change_at == 30.0


def test_failures_and_rate() -> None:
    states = state_series("a", [(0.0, "closed")]) + state_series("b", [(0.0, "closed")])
    states += state_series("c", [(0.0, "closed")])
    failures = [
        Sample({"name": "a"}, 3.0),
        Sample({"name": "a", "instance": "2"}, 2.0),  # summed over instances
        Sample({"name": "b"}, math.nan),
        Sample({}, 99.0),  # no name: ignored
    ]
    rates = [
        Sample({"name": "a"}, 12.5),
        Sample({"name": "a", "instance": "2"}, 40.0),  # worst instance
        Sample({"name": "b"}, -1.0),  # resilience4j: not enough calls
        Sample({"name": "c"}, math.nan),
    ]
    got = {b.name: b for b in breakers_from(states, failures, rates, "name", "state")}
    assert (got["a"].failures, got["a"].failure_rate) == (5.0, 40.0)
    assert (got["b"].failures, got["b"].failure_rate) == (None, None)
    assert (got["c"].failures, got["c"].failure_rate) == (None, None)


def test_breaker_known_only_from_failures_is_unknown() -> None:
    (b,) = breakers_from([], [Sample({"name": "ghost"}, 1.0)], [], "name", "state")
    assert (b.name, b.state, b.failures, b.history) == ("ghost", BreakerState.UNKNOWN, 1.0, ())


def test_sort_alarming_first_then_by_name() -> None:
    states: list[Series] = []
    for name, state in [
        ("z", "open"),
        ("y", "closed"),
        ("x", "half_open"),
        ("w", "forced_open"),
        ("a", "disabled"),
        ("m", "open"),
    ]:
        states += state_series(name, [(0.0, state)])
    names = [b.name for b in breakers_from(states, [], [], "name", "state")]
    assert names == ["m", "z", "w", "x", "a", "y"]


def test_custom_label_names_and_missing_labels() -> None:
    series = [
        Series({"cb": "a", "st": "OPEN"}, ((1.0, 1.0),)),
        Series({"cb": "b"}, ((1.0, 1.0),)),  # no state label: ignored
    ]
    got = breakers_from(series, [], [], "cb", "st")
    assert [(b.name, b.state) for b in got] == [("a", BreakerState.OPEN)]


def test_two_states_at_once_shows_the_more_alarming() -> None:
    series = [
        Series({"name": "a", "state": "closed"}, ((1.0, 1.0),)),
        Series({"name": "a", "state": "open"}, ((1.0, 1.0),)),
    ]
    (b,) = breakers_from(series, [], [], "name", "state")
    assert b.state is BreakerState.OPEN


def test_empty() -> None:
    assert breakers_from([], [], [], "name", "state") == ()


def test_10000_series() -> None:
    states: list[Series] = []
    timeline = [(float(t), "closed" if t % 7 else "open") for t in range(20)]
    for i in range(10_000 // len(STATES)):
        states += state_series(f"cb-{i}", timeline)
    got = breakers_from(states, [], [], "name", "state")
    assert len(got) == 10_000 // len(STATES)
    assert all(b.state is BreakerState.CLOSED and b.last_change_at == 15.0 for b in got)


def seen(name: str, **last: float) -> list[Sample]:
    """last_seen samples: the newest time the breaker was in each state."""
    return [Sample({"name": name, "state": s}, at) for s, at in last.items()]


def test_since_is_when_it_left_closed_through_open_and_half_open_retries() -> None:
    timeline = [(0.0, "closed"), (100.0, "open"), (110.0, "half_open"), (120.0, "open")]
    (b,) = breakers_from(
        state_series("pay", timeline),
        [],
        [],
        "name",
        "state",
        last_seen=seen("pay", closed=98.0, open=120.0, half_open=111.0),
        seen_span_s=3600.0,
    )
    assert b.state is BreakerState.OPEN
    assert (b.since, b.since_over_s) == (98.0, None)


def test_since_a_closed_breaker_is_after_its_last_open_sample() -> None:
    timeline = [(0.0, "open"), (100.0, "closed")]
    (b,) = breakers_from(
        state_series("pay", timeline),
        [],
        [],
        "name",
        "state",
        last_seen=seen("pay", closed=130.0, open=97.0, half_open=99.0),
        seen_span_s=3600.0,
    )
    assert (b.since, b.since_over_s) == (99.0, None)


def test_never_in_another_state_within_the_span_reads_longer_than_it() -> None:
    (b,) = breakers_from(
        state_series("pay", [(0.0, "open"), (10.0, "open")]),
        [],
        [],
        "name",
        "state",
        last_seen=seen("pay", open=10.0),
        seen_span_s=3600.0,
    )
    assert (b.since, b.since_over_s) == (None, 3600.0)
    (unknown,) = breakers_from(state_series("pay", [(0.0, "open")]), [], [], "name", "state")
    assert (unknown.since, unknown.since_over_s) == (None, None)


def test_below_min_calls_shows_the_last_real_rate() -> None:
    breakers = breakers_from(
        state_series("a", [(0.0, "open")]) + state_series("b", [(0.0, "closed")]),
        [],
        [Sample({"name": "a"}, -1.0), Sample({"name": "b"}, 12.5)],
        "name",
        "state",
        last_rates=[Sample({"name": "a"}, 80.0), Sample({"name": "b"}, 3.0)],
    )
    by = {b.name: b for b in breakers}
    assert (by["a"].failure_rate, by["a"].rate_below_min_calls) == (80.0, True)
    assert (by["b"].failure_rate, by["b"].rate_below_min_calls) == (12.5, False)
    (none,) = breakers_from(
        state_series("a", [(0.0, "open")]), [], [Sample({"name": "a"}, -1.0)], "name", "state"
    )
    assert (none.failure_rate, none.rate_below_min_calls) == (None, False)


def test_a_breaker_first_seen_inside_the_window_is_not_older_than_it() -> None:
    (b,) = breakers_from(
        state_series("pay", [(1000.0, "open"), (1010.0, "open")]),
        [],
        [],
        "name",
        "state",
        last_seen=seen("pay", open=1010.0),
        seen_span_s=3600.0,
        span_start=1010.0 - 3600.0,
    )
    assert (b.since, b.since_over_s) == (None, None)  # "first seen", never "> 1h"
