"""What a section is: its queries (named) and a pure build step from their answers to
its part of the Snapshot. The Poller (poll.py) runs the specs; a section never talks to
a source itself.

    SPEC = SectionSpec(name="latency", source="prometheus", queries=..., build=...)

`queries(ctx)` plans the requests for this poll's config and window: a mapping of
names to `Instant` / `Range` (Prometheus) or `AlertmanagerGet`. An empty mapping asks
nothing (a cache that is still fresh). `build(ctx, results)` turns the answers into the
part, in a worker thread (the event loop keeps answering keys meanwhile); it may read
the journal, the poller's memory and the parts of the sections it `needs`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar, cast

from oncall_tui.config_types import Config
from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import Section
from oncall_tui.sources.errors import SourceError

if TYPE_CHECKING:
    from oncall_tui.incident_log import IncidentStore
    from oncall_tui.sections.memory import PollMemory


class Part(Protocol):
    """What every section's part of the Snapshot carries: where it came from, whether
    this poll refreshed it, and why not."""

    @property
    def section(self) -> Section: ...


T = TypeVar("T")
P = TypeVar("P", bound=Part)


class JournalView(Protocol):
    """What sections read from the journal (acks, local runs, pending acks)."""

    def acks_by_fingerprint(self, since: float) -> dict[str, list[tuple[float, str]]]: ...
    def local_run_counts(self, since: float) -> dict[str, tuple[int, int]]: ...
    def pending_fingerprints(self) -> set[str]: ...
    @property
    def incidents(self) -> IncidentStore: ...


# -- queries -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Instant:
    """PromQL at the poll's instant. An empty query answers [] without asking (an
    optional query the config left out)."""

    promql: str | None
    source: Literal["prometheus"] = "prometheus"


@dataclass(frozen=True, slots=True)
class Range:
    """PromQL over `back_s` seconds ending at the poll's instant (None: the window), at
    `step_s` (None: the client's choice, ~250 points). `end` ends it at that instant
    instead (e.g. a step boundary that does not move with the clock). `settled`: a
    coarse history whose newest point may be a step behind (a sparkline, counts over
    the window): when its step is longer than the refresh, it ends on a step boundary
    a little behind now and its answer is kept until the next (sources/range_cache.py).
    `fresh_end` (with `settled`): a history whose newest point must be now's (a state, a
    count up to now): the kept range gets the instant value at now appended to each of
    its series (asked with the poll's other instants: no request of its own), and its
    points older than the span are left out."""

    promql: str
    back_s: float | None = None
    step_s: float | None = None
    end: float | None = None
    settled: bool = False
    fresh_end: bool = False
    source: Literal["prometheus"] = "prometheus"


@dataclass(frozen=True, slots=True)
class AlertmanagerGet:
    """One of the Alertmanager's lists, as raw API objects."""

    what: Literal["alerts", "silences"]
    source: Literal["alertmanager"] = "alertmanager"


Query = Instant | Range | AlertmanagerGet


# -- answers -------------------------------------------------------------------------


@dataclass
class Outcome(Generic[T]):
    """A query's result or its error, with how long it took."""

    value: T | None = None
    error: SourceError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


async def timed(call: Callable[[], Awaitable[T]]) -> Outcome[T]:
    # A factory, not a coroutine: a poll cancelled before this task ran (R, a window
    # key) then leaves no never-awaited coroutine behind.
    start = time.perf_counter()
    try:
        value = await call()
    except SourceError as e:
        return Outcome(error=e, seconds=time.perf_counter() - start)
    return Outcome(value=value, seconds=time.perf_counter() - start)


class Results:
    """The answers to one section's queries, by the names its `queries` gave them."""

    def __init__(self, outcomes: Mapping[str, Outcome[Any]]) -> None:
        self._outcomes = dict(outcomes)

    def __contains__(self, name: object) -> bool:
        return name in self._outcomes

    def outcome(self, name: str) -> Outcome[Any]:
        return self._outcomes[name]

    def samples(self, name: str) -> list[Sample]:
        """An `Instant`'s samples ([] when it failed or found nothing)."""
        return cast(list[Sample], self._outcomes[name].value or [])

    def series(self, name: str) -> list[Series]:
        """A `Range`'s series ([] when it failed or found nothing)."""
        return cast(list[Series], self._outcomes[name].value or [])

    def raw(self, name: str) -> list[dict[str, Any]]:
        """An `AlertmanagerGet`'s objects ([] when it failed)."""
        return cast(list[dict[str, Any]], self._outcomes[name].value or [])

    def error(self) -> str | None:
        """The first error in the order the queries were named, in words."""
        for o in self._outcomes.values():
            if o.error is not None:
                return str(o.error)
        return None

    def section(self, source: str, now: float) -> Section:
        """The usual header: ok when every query answered, fetched now if so."""
        err = self.error()
        return Section(source, ok=err is None, error=err, fetched_at=None if err else now)


# -- the spec ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryContext:
    """What a section's `queries` may plan from."""

    config: Config
    now: float
    window_s: float
    memory: PollMemory


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What a section's `build` may read besides its own answers."""

    config: Config
    now: float
    window_s: float
    memory: PollMemory
    journal: JournalView | None
    parts: Mapping[str, object] = field(default_factory=dict)

    def part(self, spec: SectionSpec[P]) -> P:
        """The part an earlier section built; only those named in `needs`."""
        return cast(P, self.parts[spec.name])


@dataclass(frozen=True, slots=True, eq=False)
class SectionSpec(Generic[P]):
    """One section of the Snapshot. `name` is the Snapshot field it fills."""

    name: str
    source: str  # which source feeds it ("prometheus" | "alertmanager")
    queries: Callable[[QueryContext], Mapping[str, Query]]
    build: Callable[[BuildContext, Results], P]
    needs: tuple[SectionSpec[Any], ...] = ()  # built before this one; see ctx.part()


def no_queries(ctx: QueryContext) -> Mapping[str, Query]:
    """For a section built from other sections, the journal or memory only."""
    return {}
