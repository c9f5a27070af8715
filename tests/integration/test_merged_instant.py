"""A poll's instant queries asked as one request (sources/merged_instant.py), against a
real Prometheus: the same answers and the same error words as each asked alone."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from integration import Stack
from oncall_tui.config_types import HttpAuth
from oncall_tui.demo.servers import free_port
from oncall_tui.model.series import Sample
from oncall_tui.sources.http import make_http_client
from oncall_tui.sources.merged_instant import (
    MERGE_LABEL,
    RETRY_MERGE_S,
    Answer,
    MergeMemory,
    ask_merged,
)
from oncall_tui.sources.prometheus import PrometheusClient


class Counting:
    """A PrometheusClient's instant_answer at one instant, counting the requests."""

    def __init__(self, prom: PrometheusClient, at: float) -> None:
        self.prom, self.at = prom, at
        self.asked: list[str] = []

    async def __call__(self, query: str) -> tuple[list[Sample], bool]:
        self.asked.append(query)
        return await self.prom.instant_answer(query, at=self.at)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(HttpAuth(timeout_s=5.0)) as client:
        yield client


@pytest.fixture
def prom(stack: Stack, http: httpx.AsyncClient) -> PrometheusClient:
    return PrometheusClient(stack.prom_url, http)


GOOD = [
    'shop_up{job="app"}',  # a selector: __name__ kept
    'sum by (component) (shop_up{job="app"})',
    'sum(shop_up{job="app"})',  # one sample without labels
    'shop_up{job="no such job"}',  # nothing
    "count(up) # a comment ends at the line's end\n",
    'shop_up{job="app"} or vector(7)',  # an `or` of its own
]
SCALARS = ["1 + 1", 'scalar(sum(shop_up{job="app"}))', "scalar(nothing_here)"]


def _alone(answer: Answer[Sample]) -> tuple[object, ...]:
    samples, error, _ = answer
    return (None if samples is None else [_sample(s) for s in samples], str(error))


def _sample(s: Sample) -> tuple[object, ...]:
    return s.labels, repr(s.value), s.at  # repr: NaN equals NaN


async def _each_alone(prom: PrometheusClient, queries: list[str], at: float) -> dict[str, object]:
    out: dict[str, object] = {}
    for q in queries:
        try:
            samples = await prom.instant(q, at=at)
            out[q] = ([_sample(s) for s in samples], "None")
        except Exception as e:
            out[q] = (None, str(e))
    return out


async def test_merged_answers_are_each_query_asked_alone(prom: PrometheusClient) -> None:
    at = time.time() - 1
    memory, ask = MergeMemory(), Counting(prom, at)
    got = await ask_merged(GOOD, ask, memory, at)
    assert len(ask.asked) == 1 and MERGE_LABEL in ask.asked[0]
    assert {q: _alone(a) for q, a in got.items()} == await _each_alone(prom, GOOD, at)


async def test_a_scalar_is_learnt_then_merged_inside_vector(prom: PrometheusClient) -> None:
    at = time.time() - 1
    queries = GOOD[:2] + SCALARS
    memory, ask = MergeMemory(), Counting(prom, at)
    first = await ask_merged(queries, ask, memory, at)
    # The merged request is refused (label_replace of a scalar): each asked alone.
    assert len(ask.asked) == 1 + len(queries)
    assert memory.scalars == set(SCALARS) and not memory.alone
    ask.asked.clear()
    second = await ask_merged(queries, ask, memory, at)
    assert len(ask.asked) == 1
    alone = await _each_alone(prom, queries, at)
    assert {q: _alone(a) for q, a in first.items()} == alone
    assert {q: _alone(a) for q, a in second.items()} == alone
    assert [(s.labels, s.value) for s in second["1 + 1"][0] or []] == [({}, 2.0)]


async def test_a_bad_query_says_its_own_words_and_is_then_asked_alone(
    prom: PrometheusClient,
) -> None:
    at = time.time() - 1
    bad = ["sum(rate(shop_up[5m]", 'label_replace(shop_up, "x", "$1", "job", "(")']
    queries = [GOOD[0], bad[0], GOOD[1], bad[1]]
    memory, ask = MergeMemory(), Counting(prom, at)
    got = await ask_merged(queries, ask, memory, at)
    alone = await _each_alone(prom, queries, at)
    assert {q: _alone(a) for q, a in got.items()} == alone
    assert all(got[q][1] is not None for q in bad)
    assert got[GOOD[0]][1] is None and got[GOOD[1]][1] is None
    ask.asked.clear()
    again = await ask_merged(queries, ask, memory, at)
    assert sorted(ask.asked, key=len)[:2] == sorted(bad, key=len)  # alone
    assert len(ask.asked) == 3  # the two bad ones alone, the good ones merged
    assert {q: _alone(a) for q, a in again.items()} == alone


async def test_a_query_naming_the_merge_label_is_asked_alone(prom: PrometheusClient) -> None:
    at = time.time() - 1
    own = f'label_replace(shop_up{{job="app"}}, "{MERGE_LABEL}", "mine", "", "")'
    queries = [GOOD[0], GOOD[1], own]
    memory, ask = MergeMemory(), Counting(prom, at)
    got = await ask_merged(queries, ask, memory, at)
    assert own in ask.asked and len(ask.asked) == 2
    assert {q: _alone(a) for q, a in got.items()} == await _each_alone(prom, queries, at)
    assert all(s.labels[MERGE_LABEL] == "mine" for s in got[own][0] or [])


async def test_duplicates_are_asked_once(prom: PrometheusClient) -> None:
    at = time.time() - 1
    memory, ask = MergeMemory(), Counting(prom, at)
    got = await ask_merged([GOOD[0], GOOD[1], GOOD[0]], ask, memory, at)
    assert len(got) == 2 and len(ask.asked) == 1


async def test_a_merge_that_fails_while_each_answers_rests(prom: PrometheusClient) -> None:
    """A merged answer that cannot be split (here: a query whose samples collide once
    tagged) is asked alone, and the merge is not tried again for RETRY_MERGE_S."""
    at = time.time() - 1
    calls = {"n": 0}

    async def merged_refused(query: str) -> tuple[list[Sample], bool]:
        calls["n"] += 1
        if MERGE_LABEL in query:
            return [Sample({"no": "tag"}, 1.0, at)], False  # no tag: cannot be split
        return await prom.instant_answer(query, at=at)

    memory = MergeMemory()
    got = await ask_merged(GOOD[:3], merged_refused, memory, at)
    assert calls["n"] == 4
    assert {q: _alone(a) for q, a in got.items()} == await _each_alone(prom, GOOD[:3], at)
    calls["n"] = 0
    await ask_merged(GOOD[:3], merged_refused, memory, at + RETRY_MERGE_S - 1)
    assert calls["n"] == 3  # alone
    calls["n"] = 0
    await ask_merged(GOOD[:3], merged_refused, memory, at + RETRY_MERGE_S)
    assert calls["n"] == 4  # merged again (and refused again)


async def test_prometheus_down_is_every_query_error_in_one_request(
    http: httpx.AsyncClient,
) -> None:
    down = PrometheusClient(f"http://127.0.0.1:{free_port()}", http)
    at = time.time()
    ask = Counting(down, at)
    got = await ask_merged(GOOD[:3], ask, MergeMemory(), at)
    assert len(ask.asked) == 1
    words = {str(a[1]) for a in got.values()}
    assert words == {f"connection refused to {down.url}"}
