"""A poll's kept ranges (sources/settled_ranges.py) against a real Prometheus: those on
the same bounds asked in one request, with the answers each gives asked alone, and the
tail of a moved grid asked together too."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator

import pytest

from integration import Stack
from oncall_tui.config_types import HttpAuth
from oncall_tui.model.series import Series
from oncall_tui.sources.errors import SourceError
from oncall_tui.sources.http import make_http_client
from oncall_tui.sources.merged_instant import MERGE_LABEL, Answer, MergeMemory
from oncall_tui.sources.prometheus import PrometheusClient
from oncall_tui.sources.range_cache import RangeCache, settled_bounds
from oncall_tui.sources.settled_ranges import SettledRanges

SPAN, STEP = 60.0, 1.0  # the stack scrapes and evaluates every second
GOOD = [
    'shop_up{job="app"}',  # a selector: __name__ kept
    'sum by (component) (shop_up{job="app"})',
    'sum(shop_up{job="app"})',
    'shop_up{job="no such job"}',  # nothing
    'shop_up{job="app"} or vector(7)',  # an `or` of its own
]


class Counting(PrometheusClient):
    """Counts the range requests it sends."""

    asked: list[str]

    async def range(
        self, query: str, start: float, end: float, step: float | None = None
    ) -> list[Series]:
        self.asked.append(query)
        return await super().range(query, start, end, step)


@pytest.fixture
async def prom(stack: Stack) -> AsyncIterator[Counting]:
    async with make_http_client(HttpAuth(timeout_s=5.0)) as http:
        client = Counting(stack.prom_url, http)
        client.asked = []
        yield client


async def poll(
    prom: PrometheusClient, queries: list[str], cache: RangeCache, memory: MergeMemory, now: float
) -> dict[str, Answer[Series]]:
    settled = SettledRanges(prom, cache, memory, now)
    waiting = [settled.ask(q, SPAN, STEP) for q in queries]
    _, *answers = await asyncio.gather(settled.run(), *waiting)
    return dict(zip(queries, answers, strict=True))


async def alone(prom: PrometheusClient, query: str, now: float) -> object:
    """What the query answers asked by itself over the kept bounds at `now`."""
    start, end = settled_bounds(now, SPAN, STEP)
    try:
        return [(s.labels, s.points) for s in await prom.range(query, start, end, STEP)], None
    except SourceError as e:
        return None, str(e)


async def settled_now(prom: PrometheusClient) -> float:
    """A clock far enough back that its ranges are final even on a loaded machine (a
    scrape stored late would change a point between two asks; `SETTLE_S` is the
    product's margin, not a test's), once Prometheus has data there."""
    for _ in range(60):
        now = math.floor(time.time()) - 30.9  # + 0.2 stays on that second: the same grid
        start, end = settled_bounds(now, SPAN, STEP)
        answer = await prom.range(GOOD[0], start, end, STEP)
        if answer and answer[0].points and answer[0].points[-1][0] == end:
            return now
        await asyncio.sleep(1.0)
    raise AssertionError("no scraped data 40 s back after a minute")


def shown(answer: Answer[Series]) -> object:
    series, error, _ = answer
    return (None if series is None else [(s.labels, s.points) for s in series]), (
        None if error is None else str(error)
    )


async def test_ranges_on_the_same_bounds_are_one_request(prom: Counting) -> None:
    now = await settled_now(prom)
    prom.asked.clear()
    got = await poll(prom, GOOD, RangeCache(), MergeMemory(), now)
    assert len(prom.asked) == 1 and MERGE_LABEL in prom.asked[0]
    assert {q: shown(a) for q, a in got.items()} == {q: await alone(prom, q, now) for q in GOOD}


async def test_a_moved_grid_asks_the_new_points_of_all_in_one_request(prom: Counting) -> None:
    cache, memory = RangeCache(), MergeMemory()
    now = await settled_now(prom)
    prom.asked.clear()
    await poll(prom, GOOD, cache, memory, now)
    kept = len(prom.asked)
    again = await poll(prom, GOOD, cache, memory, now + 0.2 * STEP)
    assert len(prom.asked) == kept  # the grid has not moved: all kept
    assert {q: shown(a) for q, a in again.items()} == {q: await alone(prom, q, now) for q in GOOD}
    prom.asked.clear()
    moved = await poll(prom, GOOD, cache, memory, now + 5 * STEP)
    assert len(prom.asked) == 1  # the five new points of each, together
    expected = {q: await alone(prom, q, now + 5 * STEP) for q in GOOD}
    assert {q: shown(a) for q, a in moved.items()} == expected


async def test_a_bad_range_says_its_own_words_and_the_others_answer(prom: Counting) -> None:
    now = await settled_now(prom)
    prom.asked.clear()
    bad = "sum(rate(shop_up[5m]"
    queries = [GOOD[0], bad, GOOD[1]]
    got = await poll(prom, queries, RangeCache(), MergeMemory(), now)
    assert len(prom.asked) == 1 + len(queries)  # refused merged: each alone
    assert {q: shown(a) for q, a in got.items()} == {q: await alone(prom, q, now) for q in queries}
    assert got[bad][1] is not None and got[GOOD[0]][1] is None
