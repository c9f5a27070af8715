"""A poll's instant queries asked as ONE request: each is tagged with its position in
the label `MERGE_LABEL` and the tagged vectors are joined with `or`,

    label_replace(<q0>, "__oncall_q", "0", "", "") or label_replace(<q1>, ...) or ...

and the answer is split back by that label (removed again). A request costs the client
2-3 ms of CPU (httpx, the event loop, JSON); ~20 queries each poll were most of the
demo's idle CPU. The answers are the same as asked alone: distinct tags cannot collide
under `or`, `label_replace` keeps `__name__`, a query's own order is kept.

What cannot be merged is asked alone, and so says exactly what it says today:
- a query answering a scalar (learnt when it was asked alone) is merged as `vector(q)`,
  whose one label-less sample decodes as the scalar does;
- a query naming `MERGE_LABEL` itself is always asked alone;
- when the merged request is refused or unusable (bad PromQL in one of them, a string
  or range result, too large, a proxy refusing the POST, a timeout: one query's slowness
  summed with the others'), every query of it is asked alone at once. One that fails
  alone stays alone until it answers; when all answered alone, merging is tried again
  after `RETRY_MERGE_S`.
- Prometheus not answering at all (connection refused, 401 / 403) is every query's
  error, as it would be alone: asking twenty times would only say it twenty times.

The price: Prometheus evaluates the parts one after another, so the request takes the
sum of their times where separate requests overlapped (on the demo: a few ms).

Range queries over the same start, end and step merge the same way (`ask_merged` with
a range `Ask`; sources/settled_ranges.py): `or` is evaluated step by step. A range
answer is sorted by labels, the tag among them: the caller sorts each query's series
again without it. A range answer says nothing of scalars: a scalar query among them
fails the merged request and is then asked alone, like a bad one.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from oncall_tui.sources.errors import AuthRefused, SourceError, TimedOut, Unreachable

MERGE_LABEL = "__oncall_q"
RETRY_MERGE_S = 600.0
"""How long queries whose merged request failed (while each answered alone) stay alone."""


class Labelled(Protocol):
    """A Sample or a Series: freshly decoded, its labels are ours to change."""

    @property
    def labels(self) -> dict[str, str]: ...


L = TypeVar("L", bound=Labelled)

Answer = tuple[list[L] | None, SourceError | None, float]
"""(samples or series, error, seconds) of one query: one of the first two is None."""

Ask = Callable[[str], Awaitable[tuple[list[L], bool]]]
"""Asks one query (at the poll's instant, or over a range's bounds): (samples or
series, whether it answered a scalar)."""


def merged_query(queries: Sequence[str], scalars: frozenset[str] | set[str]) -> str:
    """The `or` of `queries`, each tagged with its index. Each query goes on lines of
    its own: a `# comment` in it then ends where the query does."""
    parts = []
    for i, q in enumerate(queries):
        inner = f"vector(\n{q}\n)" if q in scalars else f"\n{q}\n"
        parts.append(f'label_replace({inner}, "{MERGE_LABEL}", "{i}", "", "")')
    return " or ".join(parts)


def split_answer(samples: list[L], count: int) -> list[list[L]] | None:
    """The merged answer back as each query's samples (tag removed); None when a sample
    carries no valid tag (the answer cannot be told apart)."""
    out: list[list[L]] = [[] for _ in range(count)]
    for s in samples:
        tag = s.labels.pop(MERGE_LABEL, None)  # freshly decoded: ours to change
        if tag is None or not tag.isdigit() or int(tag) >= count:
            return None
        out[int(tag)].append(s)
    return out


def mergeable(query: str) -> bool:
    return MERGE_LABEL not in query


@dataclass
class MergeMemory:
    """What earlier polls learnt about merging: scalars, and who must be asked alone."""

    scalars: set[str] = field(default_factory=set)
    alone: dict[str, float] = field(default_factory=dict)
    """query -> until when it is asked alone (inf: until it answers alone)."""

    def plan(self, queries: Sequence[str], now: float) -> tuple[list[str], list[str]]:
        """(merged, alone) for these distinct queries at `now`."""
        merged: list[str] = []
        alone: list[str] = []
        for q in queries:
            until = self.alone.get(q)
            if until is not None and until <= now:
                del self.alone[q]
                until = None
            (merged if until is None and mergeable(q) else alone).append(q)
        if len(merged) < 2:
            return [], alone + merged
        return merged, alone

    def learn(self, query: str, answer: Answer[L], is_scalar: bool) -> None:
        """A query's answer when asked alone."""
        if answer[1] is not None:
            self.alone[query] = math.inf
            return
        self.alone.pop(query, None)
        if is_scalar:
            self.scalars.add(query)
        else:
            self.scalars.discard(query)


def _shared(error: SourceError) -> bool:
    """Trouble every query would meet alone: nothing answered, or we are refused."""
    return isinstance(error, AuthRefused) or (
        isinstance(error, Unreachable) and not isinstance(error, TimedOut)
    )


async def ask_merged(
    queries: Sequence[str],
    ask: Ask[L],
    memory: MergeMemory,
    now: float,
) -> dict[str, Answer[L]]:
    """Each distinct query's answer, asked merged where it can be (see the module);
    `now` is the poll's clock, for `RETRY_MERGE_S`."""
    distinct = list(dict.fromkeys(queries))
    merged, alone = memory.plan(distinct, now)
    answers: dict[str, Answer[L]] = {}

    async def one(q: str) -> Answer[L]:
        start = time.perf_counter()
        try:
            samples, is_scalar = await ask(q)
        except SourceError as e:
            answer: Answer[L] = (None, e, time.perf_counter() - start)
            memory.learn(q, answer, False)
            return answer
        answer = (samples, None, time.perf_counter() - start)
        memory.learn(q, answer, is_scalar)
        return answer

    async def together() -> Answer[L]:
        start = time.perf_counter()
        try:
            samples, _ = await ask(merged_query(merged, memory.scalars))
        except SourceError as e:
            return None, e, time.perf_counter() - start
        return samples, None, time.perf_counter() - start

    tasks = [one(q) for q in alone]
    if merged:
        tasks.append(together())
    results = await asyncio.gather(*tasks)
    answers.update(zip(alone, results[: len(alone)], strict=True))
    if not merged:
        return answers
    samples, error, seconds = results[-1]
    parts = split_answer(samples, len(merged)) if samples is not None else None
    if parts is not None:
        answers.update((q, (p, None, seconds)) for q, p in zip(merged, parts, strict=True))
        return answers
    if error is not None and _shared(error):
        answers.update((q, (None, error, seconds)) for q in merged)
        return answers
    # Refused or unusable as a whole: each alone says what is wrong with it, if anything.
    scalars = set(memory.scalars)
    retried = await asyncio.gather(*(one(q) for q in merged))
    answers.update(zip(merged, retried, strict=True))
    # All answered alone: unless a scalar just came to light (merged as vector() from
    # the next poll on), the merge itself is what fails; let it rest a while.
    if all(a[1] is None for a in retried) and memory.scalars == scalars:
        for q in merged:
            memory.alone[q] = now + RETRY_MERGE_S
    return answers
