"""Where a kept ("settled") range ends, and when its answer is asked again."""

from __future__ import annotations

import pytest

from oncall_tui.model.series import Series
from oncall_tui.sources.range_cache import (
    MAX_KEEP_S,
    SETTLE_S,
    RangeCache,
    extended,
    settled_bounds,
    tail_bounds,
)

HOUR = 3600.0


@pytest.mark.parametrize("now", [1_000_000.0, 1_000_007.3, 1_000_014.999, 1_000_123.5])
def test_the_end_is_on_the_step_grid_and_settled(now: float) -> None:
    start, end = settled_bounds(now, HOUR, 15.0)
    assert end % 15.0 == 0 and end - start == HOUR
    # Every sample stamped before the end is in (SETTLE_S), and it is the newest such
    # boundary: never more than one step older than it has to be.
    assert now - SETTLE_S - 15.0 < end <= now - SETTLE_S


def test_the_bounds_hold_still_within_a_step_then_move_by_one() -> None:
    clock = 15.0 * 66_667 + SETTLE_S  # now - SETTLE_S on the 15 s grid
    first = settled_bounds(clock, HOUR, 15.0)
    for tick in range(1, 8):  # a 2 s refresh: seven polls within the step
        assert settled_bounds(clock + 2.0 * tick, HOUR, 15.0) == first
    assert settled_bounds(clock + 15.0, HOUR, 15.0) == (first[0] + 15.0, first[1] + 15.0)


def test_a_long_step_is_kept_only_max_keep_s() -> None:
    week_step = 2520.0  # 7 days over 240 points
    now = 2_000_000.0
    start, end = settled_bounds(now, 7 * 86400.0, week_step)
    assert end % MAX_KEEP_S == 0 and now - SETTLE_S - MAX_KEEP_S < end <= now - SETTLE_S
    assert end - start == 7 * 86400.0
    assert settled_bounds(now + MAX_KEEP_S, 7 * 86400.0, week_step)[1] == end + MAX_KEEP_S


def test_the_cache_answers_only_for_the_bounds_it_was_given() -> None:
    cache = RangeCache()
    bounds = settled_bounds(1_000_000.0, HOUR, 15.0)
    answer = [object()]
    assert cache.get("up", HOUR, 15.0, bounds) is None
    cache.put("up", HOUR, 15.0, bounds, answer)
    assert cache.get("up", HOUR, 15.0, bounds) is answer
    later = settled_bounds(1_000_015.0, HOUR, 15.0)
    assert cache.get("up", HOUR, 15.0, later) is None  # the grid moved on
    assert cache.get("up", 900.0, 15.0, bounds) is None  # another window
    assert cache.get("down", HOUR, 15.0, bounds) is None
    cache.put("up", HOUR, 15.0, later, [])
    assert len(cache) == 1  # the old bounds' answer is replaced, not piled up


def test_a_kept_answer_moved_by_whole_steps_asks_only_its_tail() -> None:
    kept = settled_bounds(1_000_000.0, HOUR, 15.0)
    later = settled_bounds(1_000_030.0, HOUR, 15.0)
    assert tail_bounds("up", 15.0, kept, later) == (kept[1] + 15.0, later[1])
    assert tail_bounds("up", 15.0, kept, kept) is None  # nothing new
    assert tail_bounds("up @ end()", 15.0, kept, later) is None  # points depend on the range
    far = settled_bounds(1_000_000.0 + 2 * HOUR, HOUR, 15.0)
    assert tail_bounds("up", 15.0, kept, far) is None  # nothing kept is still inside
    week = 2520.0  # its grid is MAX_KEEP_S: the points move off the kept ones
    a, b = (
        settled_bounds(2_000_000.0, 7 * 86400.0, week),
        settled_bounds(2_000_060.0, 7 * 86400, week),
    )
    assert tail_bounds("up", week, a, b) is None


def test_the_extended_answer_is_the_whole_range_from_the_new_start() -> None:
    kept = [
        Series({"job": "b"}, ((0.0, 1.0), (15.0, 2.0), (30.0, 3.0))),
        Series({"job": "old"}, ((0.0, 9.0),)),
    ]
    tail = [Series({"job": "b"}, ((45.0, 4.0),)), Series({"job": "a"}, ((45.0, 5.0),))]
    assert extended(kept, tail, 15.0) == [
        Series({"job": "a"}, ((45.0, 5.0),)),  # sorted in, as Prometheus sorts a matrix
        Series({"job": "b"}, ((15.0, 2.0), (30.0, 3.0), (45.0, 4.0))),
    ]
    assert kept[0].points[0] == (0.0, 1.0)  # the kept answer is untouched
