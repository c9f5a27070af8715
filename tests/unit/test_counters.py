"""Whole counts from counter points: growth with resets, no extrapolation."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.model.counters import growth, growth_by
from oncall_tui.model.series import Series


def pts(*values: float) -> tuple[tuple[float, float], ...]:
    return tuple((float(i * 15), v) for i, v in enumerate(values))


def test_growth_is_last_minus_first_without_resets() -> None:
    assert growth(pts(5, 5, 6, 8, 8)) == 3
    assert growth(pts(7)) == 0
    assert growth(()) == 0


def test_a_drop_is_a_reset_and_the_new_value_counts() -> None:
    # 4 -> 6 (+2), restart at 0, then 1, 3 (+3): 5 events.
    assert growth(pts(4, 6, 1, 3)) == 5
    assert growth(pts(4, 6, 0, 0)) == 2


def test_nan_and_negative_points_are_skipped() -> None:
    assert growth(pts(1, math.nan, 3, math.inf, -1, 4)) == 3


@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), max_size=60), st.integers(0, 50))
def test_counts_exactly_the_events_seen_at_each_point(
    steps: list[tuple[int, bool]], start: int
) -> None:
    """A counter that gains `n` events per step and sometimes restarts right before a
    step (its value then is what it gained since the restart): every event counts. A
    restart that leaves the value no lower cannot be seen, by Prometheus either."""
    value, values, events = start, [float(start)], 0
    for n, restart in steps:
        value = n if restart and n < value else value + n
        values.append(float(value))
        events += n
    assert growth(pts(*values)) == events


def test_growth_by_sums_instances_after_their_own_resets() -> None:
    series = [
        Series({"runbook": "a", "status": "ok", "instance": "1"}, pts(10, 12)),
        Series({"runbook": "a", "status": "ok", "instance": "2"}, pts(3, 1)),  # reset: +1
        Series({"runbook": "a", "status": "failed", "instance": "1"}, pts(0, 1)),
        Series({"status": "ok"}, pts(0, 4)),  # no runbook label: its own group
    ]
    got = {
        tuple(sorted(s.labels.items())): s.value for s in growth_by(series, ("runbook", "status"))
    }
    assert got == {
        (("runbook", "a"), ("status", "ok")): 3.0,
        (("runbook", "a"), ("status", "failed")): 1.0,
        (("status", "ok"),): 4.0,
    }
    assert all(isinstance(s.value, float) for s in growth_by(series, ("runbook",)))
