"""Coarse range answers kept between polls: a 1 h sparkline at a 15 s step asked every
2 s would fetch (and decode) the same 240 points seven times out of eight.

A range query whose start and end sit on a fixed grid, and whose end is far enough in
the past, has a final answer: each point at T is Prometheus' evaluation at T, over the
samples stamped at or before T (the lookback, or the range selector's [1m]). What can
still change it is the newest of those samples arriving late: a scrape is stored when
it finishes (up to the scrape timeout, 10 s by default, after the time it is stamped
with), a rule group's results when the whole group has been evaluated. So the end is
put on the grid `SETTLE_S` behind now, where every sample stamped before it is in, and
the answer is kept until the grid moves on: the last point shown is up to one grid
step + `SETTLE_S` old, never a half-filled one that changes on the next ask.

The grid step is the query's own step, at most `MAX_KEEP_S` (a 7-day window's 42-minute
step would keep runbook counts that long): the answer is then re-asked each `MAX_KEEP_S`
with its points `step` apart back from the new end. Pure: the Poller asks, this keeps.

When the grid moves by whole steps (a step of at most `MAX_KEEP_S`), the new answer's
points are the kept ones plus the new steps: each point is its own evaluation, so only
the tail (`tail_bounds`) is asked and `extended` joins it on, the points now before the
start dropped. A query whose points depend on the range itself (`@ start()`, `@ end()`)
is always asked whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from oncall_tui.model.series import Series

SETTLE_S = 10.0
"""How far behind now a kept range ends: the default scrape timeout."""
MAX_KEEP_S = 60.0
"""The longest an answer is kept (and so how old its last point can be, + SETTLE_S)."""


def settled_bounds(now: float, span_s: float, step_s: float) -> tuple[float, float]:
    """(start, end) of a kept range at `now`: the end on the grid of min(step, MAX_KEEP_S)
    seconds at least SETTLE_S before now; the start `span_s` before it."""
    grid = min(step_s, MAX_KEEP_S)
    end = math.floor((now - SETTLE_S) / grid) * grid
    return end - span_s, end


@dataclass
class RangeCache:
    """The last good answer per (query, span, step), with the bounds it was asked for.
    A different window or query is another key; an answer for old bounds is replaced."""

    _kept: dict[tuple[str, float, float], tuple[tuple[float, float], Any]] = field(
        default_factory=dict
    )

    def get(self, promql: str, span_s: float, step_s: float, bounds: tuple[float, float]) -> Any:
        """The answer kept for exactly these bounds, else None."""
        kept = self._kept.get((promql, span_s, step_s))
        return kept[1] if kept is not None and kept[0] == bounds else None

    def last(self, promql: str, span_s: float, step_s: float) -> tuple[tuple[float, float], Any]:
        """(bounds, answer) kept for this query, span and step, whatever its bounds; or
        ((0, 0), None)."""
        return self._kept.get((promql, span_s, step_s), ((0.0, 0.0), None))

    def put(
        self, promql: str, span_s: float, step_s: float, bounds: tuple[float, float], value: Any
    ) -> None:
        self._kept[(promql, span_s, step_s)] = (bounds, value)

    def __len__(self) -> int:
        return len(self._kept)


def tail_bounds(
    promql: str, step_s: float, kept: tuple[float, float], bounds: tuple[float, float]
) -> tuple[float, float] | None:
    """(start, end) of the points `bounds` has and `kept` lacks, when the kept answer can
    be extended to `bounds` (same grid, moved forward by less than the span); else None."""
    (old_start, old_end), (start, end) = kept, bounds
    moved = end - old_end
    if "start()" in promql or "end()" in promql or not (0 < moved < end - start):
        return None
    if abs(moved / step_s - round(moved / step_s)) > 1e-9 or old_end - old_start != end - start:
        return None  # the new points are not on the kept ones' grid
    return old_end + step_s, end


def matrix_order(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The order Prometheus sorts a matrix in (labels compared name, value, pair by pair)."""
    return tuple(sorted(labels.items()))


def extended(kept: list[Series], tail: list[Series], start: float) -> list[Series]:
    """`kept` with `tail`'s points appended to each series (new series added), the points
    before `start` dropped (series left with none removed): the answer a whole range
    query from `start` would give."""
    newer = {matrix_order(s.labels): s for s in tail}
    out: list[Series] = []
    for series in kept:
        more = newer.pop(matrix_order(series.labels), None)
        points = tuple(p for p in series.points if p[0] >= start)
        if more is not None:
            points += more.points
        if points:
            out.append(Series(series.labels, points))
    if newer:
        out += newer.values()
        out.sort(key=lambda s: matrix_order(s.labels))
    return out
