"""Circuit breakers from resilience4j-style metrics.

`states` is the range answer of a gauge with one series per breaker x state, 1 for
the breaker's current state (resilience4j_circuitbreaker_state{name, state}). From it
come the current state, the state at the start of the window, and every transition
within the window. `last_seen` (per breaker x state, the newest time it was in that
state, at a fine resolution) tells when it entered its current state, stable from poll
to poll. Failures and failure rate come from instant queries; `last_rates` holds each
breaker's last real failure rate for when it reports none (resilience4j: -1).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import BreakerState, CircuitBreaker, StateChange

_ALARMING = (BreakerState.OPEN, BreakerState.FORCED_OPEN, BreakerState.HALF_OPEN)
_SORT_RANK = {state: rank for rank, state in enumerate(_ALARMING)}
_OTHER_RANK = len(_ALARMING)
_STATES = {s.value.lower(): s for s in BreakerState}


def parse_state(value: str) -> BreakerState:
    """A state label value, any case ("half_open", "HALF_OPEN"); else UNKNOWN."""
    return _STATES.get(value.strip().lower(), BreakerState.UNKNOWN)


def _preference(state: BreakerState) -> int:
    # If two states claim the same instant (a scrape mid-transition), show the
    # more alarming one: hiding an OPEN breaker is the worse mistake.
    return _SORT_RANK.get(state, _OTHER_RANK + (state is BreakerState.UNKNOWN))


def _timeline(series: Iterable[tuple[BreakerState, Series]]) -> list[StateChange]:
    """Oldest first: the state at the first instant, then each change."""
    at_time: dict[float, BreakerState] = {}
    for state, s in series:
        for at, value in s.points:
            # The gauge is 1 for the current state; >= 0.5 tolerates float noise.
            if value >= 0.5:
                prev = at_time.get(at)
                if prev is None or _preference(state) < _preference(prev):
                    at_time[at] = state
    changes: list[StateChange] = []
    for at in sorted(at_time):
        state = at_time[at]
        if not changes or changes[-1].state != state:
            changes.append(StateChange(at, state))
    return changes


def _by_name(samples: Iterable[Sample], name_label: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        name = s.labels.get(name_label)
        if name is not None and not math.isnan(s.value):
            out[name].append(s.value)
    return out


def _failure_rate(values: list[float]) -> float | None:
    # resilience4j reports -1 until the breaker has seen enough calls.
    valid = [v for v in values if math.isfinite(v) and v >= 0]
    # Several series per name (one per instance): the worst instance is what matters.
    return max(valid) if valid else None


_OUTAGE = frozenset({BreakerState.OPEN, BreakerState.HALF_OPEN})


def _episode(state: BreakerState) -> frozenset[BreakerState]:
    """The states that continue `state` for "since": an OPEN breaker retries through
    HALF_OPEN every wait interval; the outage is one, from when it left CLOSED."""
    return _OUTAGE if state in _OUTAGE else frozenset({state})


FIRST_SEEN_SLACK_S = 60.0
"""A first state sample this long after the span's start: the series began inside it."""


def _since(
    state: BreakerState,
    seen: dict[BreakerState, float],
    span_s: float | None,
    first_at: float | None,
    span_start: float | None,
) -> tuple[float | None, float | None]:
    """(since, since_over_s): the newest time it was in a state outside the current
    one's episode; none seen within the span -> (None, span), unless the breaker's
    series began inside the span (then not known: the renderer says "first seen")."""
    if not seen or state is BreakerState.UNKNOWN:
        return None, None
    episode = _episode(state)
    before = [at for s, at in seen.items() if s not in episode]
    if before:
        return max(before), None
    began_inside = (
        first_at is not None
        and span_start is not None
        and first_at > span_start + FIRST_SEEN_SLACK_S
    )
    return None, None if began_inside else span_s


def _last_seen(
    samples: Iterable[Sample], name_label: str, state_label: str
) -> dict[str, dict[BreakerState, float]]:
    out: dict[str, dict[BreakerState, float]] = defaultdict(dict)
    for s in samples:
        name, state = s.labels.get(name_label), s.labels.get(state_label)
        if name is None or state is None or not math.isfinite(s.value):
            continue
        parsed = parse_state(state)
        out[name][parsed] = max(s.value, out[name].get(parsed, s.value))
    return out


def breakers_from(
    states: list[Series],
    failures: list[Sample],
    failure_rate: list[Sample],
    name_label: str,
    state_label: str,
    last_seen: Iterable[Sample] = (),
    seen_span_s: float | None = None,
    last_rates: Iterable[Sample] = (),
    span_start: float | None = None,
) -> tuple[CircuitBreaker, ...]:
    """One CircuitBreaker per name: OPEN, FORCED_OPEN, HALF_OPEN first, then by name.

    state = the state whose series is 1 at the newest instant where one is 1 (an
    instant where all are 0 says nothing); history = the state at the window's
    start, then each transition (oldest first); last_change_at = the newest
    transition, None when none happened in the window.
    Failures of several series with the same name are summed; NaN and -1 failure
    rates are None, unless `last_rates` has a real one (then `rate_below_min_calls`).
    A breaker seen only in failures or rate is UNKNOWN. `last_seen` samples carry a
    time (POSIX seconds) as value; `seen_span_s` is how far back they looked.
    """
    grouped: dict[str, list[tuple[BreakerState, Series]]] = defaultdict(list)
    for s in states:
        name = s.labels.get(name_label)
        state = s.labels.get(state_label)
        if name is not None and state is not None:
            grouped[name].append((parse_state(state), s))
    fails = _by_name(failures, name_label)
    rates = _by_name(failure_rate, name_label)
    seen = _last_seen(last_seen, name_label, state_label)
    previous_rates = _by_name(last_rates, name_label)

    out = []
    for name in grouped.keys() | fails.keys() | rates.keys():
        history = _timeline(grouped.get(name, ()))
        state = history[-1].state if history else BreakerState.UNKNOWN
        failed = [v for v in fails.get(name, ()) if math.isfinite(v)]
        rate = _failure_rate(rates.get(name, []))
        below = False
        if rate is None and any(v < 0 for v in rates.get(name, [])):
            rate = _failure_rate(previous_rates.get(name, []))
            below = rate is not None
        first_at = history[0].at if history else None
        since, over = _since(state, seen.get(name, {}), seen_span_s, first_at, span_start)
        out.append(
            CircuitBreaker(
                name=name,
                state=state,
                failures=sum(failed) if failed else None,
                failure_rate=rate,
                last_change_at=history[-1].at if len(history) > 1 else None,
                history=tuple(history),
                since=since,
                since_over_s=over,
                rate_below_min_calls=below,
            )
        )
    out.sort(key=lambda b: (_SORT_RANK.get(b.state, _OTHER_RANK), b.name))
    return tuple(out)
