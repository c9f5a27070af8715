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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

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

    def put(
        self, promql: str, span_s: float, step_s: float, bounds: tuple[float, float], value: Any
    ) -> None:
        self._kept[(promql, span_s, step_s)] = (bounds, value)

    def __len__(self) -> int:
        return len(self._kept)
