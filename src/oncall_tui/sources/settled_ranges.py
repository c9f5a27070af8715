"""A poll's kept ranges (range_cache.py), those to ask asked together.

Each kept range is answered from the cache while its grid has not moved; when it moves
(every step, 15 s on the demo) every range on that grid wants its new points at once:
nine requests in one poll, each 2-3 ms of the client's CPU for one point per series.
Those with the same bounds (start, end, step) go in one merged request
(merged_instant.py) and are split back; the answers are kept as before.

`ask` is called for every kept range of a poll before `run`, which asks what the cache
could not answer: the grouping is known before anything is sent, no timer decides it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass

from oncall_tui.model.series import Series
from oncall_tui.sources.merged_instant import Answer, MergeMemory, ask_merged
from oncall_tui.sources.prometheus import PrometheusClient
from oncall_tui.sources.range_cache import (
    RangeCache,
    extended,
    matrix_order,
    settled_bounds,
    tail_bounds,
)

Bounds = tuple[float, float, float]
"""(start, end, step) of a range request."""


@dataclass(frozen=True, slots=True)
class _Wanted:
    promql: str
    span: float
    step: float
    bounds: tuple[float, float]
    """The kept answer's bounds (`settled_bounds`)."""
    old: list[Series] | None
    """The kept answer the asked points extend (only the tail is asked), or None."""
    answer: asyncio.Future[Answer[Series]]


class SettledRanges:
    """One poll's kept ranges: `ask` each, then `run` once (concurrently with the
    awaiting of `ask`'s answers)."""

    def __init__(
        self, prometheus: PrometheusClient, ranges: RangeCache, merges: MergeMemory, now: float
    ) -> None:
        self.prometheus = prometheus
        self.ranges = ranges
        self.merges = merges
        self.now = now
        self._wanted: dict[Bounds, list[_Wanted]] = {}

    def ask(self, promql: str, span: float, step: float) -> Awaitable[Answer[Series]]:
        """The range's answer over `span` at `step`: kept, or asked by `run`."""
        answer: asyncio.Future[Answer[Series]] = asyncio.get_running_loop().create_future()
        bounds = settled_bounds(self.now, span, step)
        kept = self.ranges.get(promql, span, step, bounds)
        if kept is not None:
            answer.set_result((kept, None, 0.0))
            return answer
        old_bounds, old = self.ranges.last(promql, span, step)
        tail = tail_bounds(promql, step, old_bounds, bounds) if old is not None else None
        start, end = bounds if tail is None else tail
        wanted = _Wanted(promql, span, step, bounds, old if tail is not None else None, answer)
        self._wanted.setdefault((start, end, step), []).append(wanted)
        return answer

    async def run(self) -> None:
        """Ask what `ask` could not answer from the cache, one request per bounds."""
        try:
            await asyncio.gather(*(self._asked(b, w) for b, w in self._wanted.items()))
        finally:  # cancelled (R) or failed: nobody waits for an answer that never comes
            for wanted in (w for group in self._wanted.values() for w in group):
                if not wanted.answer.done():
                    wanted.answer.cancel()

    async def _asked(self, bounds: Bounds, group: list[_Wanted]) -> None:
        start, end, step = bounds

        async def one(promql: str) -> tuple[list[Series], bool]:
            return await self.prometheus.range(promql, start, end, step), False

        answers = await ask_merged([w.promql for w in group], one, self.merges, self.now)
        for wanted in group:
            value, error, seconds = answers[wanted.promql]
            if value is not None:
                old = wanted.old
                # Its own list (two sections may ask the same query), in the order it has
                # asked alone: the tag sorted a series without `__name__` after the others.
                value = sorted(value, key=lambda series: matrix_order(series.labels))
                value = value if old is None else extended(old, value, wanted.bounds[0])
                self.ranges.put(wanted.promql, wanted.span, step, wanted.bounds, value)
            wanted.answer.set_result((value, error, seconds))
