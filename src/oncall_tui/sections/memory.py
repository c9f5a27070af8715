"""What the Poller remembers from one poll to the next. Everything else is rebuilt from
the sources each time; these are the few facts a single poll cannot see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from oncall_tui.incident_log import LastMerge, MemoryIncidentStore
from oncall_tui.model.alerts import AlertReuse
from oncall_tui.model.incident_record import History, history_from
from oncall_tui.model.quantiles import Known
from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import Point
from oncall_tui.sources.errors import SourceError
from oncall_tui.sources.merged_instant import MergeMemory
from oncall_tui.sources.range_cache import RangeCache

T = TypeVar("T")


@dataclass
class IncidentHistory:
    """The ALERTS history changes slowly: re-read at most every `refresh_s`, or at the
    next poll once `invalidate()` was called (`R`). Each read is merged into the
    incident record once (`fresh` until then); the record, not this, keeps it."""

    fetched_at: float = 0.0  # 0: never
    error: SourceError | None = None
    series_count: int = 0  # ALERTS series in the last good read (none at all: a note)
    _stale: bool = True

    def due(self, now: float, refresh_s: float) -> bool:
        return self._stale or now - self.fetched_at >= refresh_s

    def invalidate(self) -> None:
        self._stale = True

    def store(
        self,
        series: list[Series] | None,
        error: SourceError | None,
        now: float,
        step: float,
        until: float,
    ) -> History | None:
        """One fetch's result as history to merge (None when it failed: the error
        says why, the record keeps what earlier reads gave it)."""
        self.error = error
        if error is not None or series is None:
            return None
        self.fetched_at = now
        self.series_count = len(series)
        self._stale = False
        return history_from(series, step, until)


@dataclass
class LastOk:
    """When each source last answered, for "stale since" (a poll only knows now)."""

    _at: dict[str, float] = field(default_factory=dict)

    def note(self, source: str, ok: bool, now: float) -> float | None:
        """Record this poll's verdict; the last time `source` answered (None: never)."""
        if ok:
            self._at[source] = now
        return self._at.get(source)


@dataclass
class Derived(Generic[T]):
    """What a build made from a kept (`settled`) answer, for as long as that same answer
    object comes back: an hour of bucket rates is not re-interpolated at every poll."""

    _source: object = None
    _value: T | None = None

    def of(self, answer: object, make: Callable[[], T]) -> T:
        """`make()`'s value, made again only when `answer` is not the same object (a
        tuple: not the same objects) as the last time."""
        if not _same(answer, self._source) or self._value is None:
            self._source, self._value = answer, make()
        return self._value


def _same(a: object, b: object) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
    return a is b


@dataclass
class PollMemory:
    """All of the Poller's memory; a section that needs one more fact adds it here."""

    history: IncidentHistory = field(default_factory=IncidentHistory)
    last_ok: LastOk = field(default_factory=LastOk)
    incidents: MemoryIncidentStore | None = None
    """The incident record when there is no journal (made at the first poll)."""
    last_merge: LastMerge = field(default_factory=LastMerge)
    alerts: AlertReuse = field(default_factory=AlertReuse)
    """The last poll's alerts, re-used for the entries that did not change."""
    ranges: RangeCache = field(default_factory=RangeCache)
    """The `settled` range answers, until their step boundary moves on."""
    merges: MergeMemory = field(default_factory=MergeMemory)
    """Which instant queries answer scalars, and which must be asked alone."""
    range_merges: MergeMemory = field(default_factory=MergeMemory)
    """Which kept ranges must be asked alone (sources/settled_ranges.py)."""
    latency_history: Derived[dict[str, dict[str, tuple[Point, ...]]]] = field(
        default_factory=Derived
    )
    """The quantiles over the kept latency history (sections/latency.py)."""
    latency_quantiles: Known = field(default_factory=dict)
    """The quantiles of that history at each of its instants, re-used when it moves on."""
    runbook_growth: Derived[tuple[list[Sample], ...]] = field(default_factory=Derived)
    """The runbook counters' growth over their kept ranges (sections/runbooks.py)."""
