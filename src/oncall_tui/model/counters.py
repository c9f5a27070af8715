"""Whole counts of events from counter series: the growth between the window's first
and last samples, resets handled, never extrapolated.

Prometheus' `increase()` stretches the growth it saw to the window's edges, so a window
with three runs says "3.4": a number of events that cannot happen, and ratios of such
numbers disagree with the rows shown. Here a counter's points (a range query, each
point the newest sample at that instant) are summed up as Prometheus sums them before it
extrapolates: every rise counts, and a drop is a reset after which the new value is
growth since the restart. Increments between the last point before a reset and the
reset itself are not seen at the query's resolution; they are left out, never invented.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import Point


def growth(points: Sequence[Point]) -> float:
    """Events counted by one counter series over its points (oldest first); NaN and
    infinite values carry nothing and are skipped; fewer than two points -> 0."""
    total = 0.0
    prev: float | None = None
    for _, value in points:
        if not math.isfinite(value) or value < 0:
            continue
        if prev is not None:
            total += value - prev if value >= prev else value
        prev = value
    return total


def growth_by(series: Iterable[Series], by: Sequence[str], at: float = 0.0) -> list[Sample]:
    """The growth of each series (one per instance), summed per value of the `by` labels
    (a series lacking one of them goes into the group without it): `sum by (by)` done
    after the per-series reset handling, where it must happen."""
    sums: dict[tuple[tuple[str, str], ...], float] = defaultdict(float)
    for s in series:
        key = tuple((name, s.labels[name]) for name in by if name in s.labels)
        sums[key] += growth(s.points)
    return [Sample(dict(key), round_count(v), at) for key, v in sums.items()]


def round_count(value: float) -> float:
    """Counters of events move in whole steps; float noise (0.1 + 0.2) is not a count.
    A counter that really moves in fractions (a sum of seconds) keeps them."""
    nearest = round(value)
    return float(nearest) if abs(value - nearest) < 1e-6 else value
