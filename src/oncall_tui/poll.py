"""One poll cycle: every query of every section at once, then each section's build step
-> Snapshot.

    plan     each section's `queries(ctx)`  (sections/<name>.py)
    fetch    all of them concurrently, each one timed      (this module)
    build    each section's `build(ctx, results)` in a worker thread, a section after
             the ones it `needs`, then the sources' status  (this module)

The Poller is long-lived (one HTTP connection pool per source, the memory of
sections/memory.py) and never raises for a source's trouble: a failed query leaves its
section `ok=False` with the error in words, and the rest of the Snapshot is still
filled. Keeping the last good data on screen is the UI's business; the poller reports
what this cycle learned. What a section asks and how it reads the answers is the
section's business: this module knows no section by name except the alerts, which the
UI may refresh alone (`poll_alerts`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar, cast

import httpx

from oncall_tui.config_types import Config, HttpAuth
from oncall_tui.cpu_lane import in_lane
from oncall_tui.model.series import Series
from oncall_tui.model.snapshot import Alerts, Snapshot, SourceStatus
from oncall_tui.sections import ALERTS, EARLY, SECTIONS
from oncall_tui.sections.memory import PollMemory
from oncall_tui.sections.spec import (
    AlertmanagerGet,
    BuildContext,
    Instant,
    JournalView,
    Outcome,
    Part,
    Query,
    QueryContext,
    Range,
    Results,
    SectionSpec,
    timed,
)
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.errors import AuthSetupError, BadResponse, Unreachable
from oncall_tui.sources.http import make_http_client, redact
from oncall_tui.sources.merged_instant import Answer, ask_merged
from oncall_tui.sources.prometheus import PrometheusClient, choose_step
from oncall_tui.sources.settled_ranges import SettledRanges

__all__ = ["JournalView", "Outcome", "Poller"]

P = TypeVar("P", bound=Part)

SOURCES = ("prometheus", "alertmanager")
"""In the order the Snapshot lists them."""

_Fetched = dict[str, dict[str, Outcome[Any]]]  # section name -> query name -> outcome


class Poller:
    """`async with Poller(config) as p: snap = await p.poll(window_s)`."""

    def __init__(
        self,
        config: Config,
        *,
        journal: JournalView | None = None,
        clock: Callable[[], float] = time.time,
        sections: Sequence[SectionSpec[Any]] = SECTIONS,
    ) -> None:
        self.config = config
        self.journal = journal
        self.clock = clock
        # Built with needs first; asked (and listed per source) in the declared order.
        self._build_order = build_order(sections)
        names = {s.name for s in sections}
        self.sections = (*sections, *(s for s in self._build_order if s.name not in names))
        self.memory = PollMemory()
        prom, am = config.prometheus, config.alertmanager
        self._prom_http: httpx.AsyncClient = _client("prometheus", prom.auth, (prom.url,))
        self._am_http: httpx.AsyncClient = _client("alertmanager", am.auth, am.urls)
        self.prometheus = PrometheusClient(config.prometheus.url, self._prom_http)
        self.alertmanager = AlertmanagerClient(config.alertmanager.urls, self._am_http)
        # A poll cancelled by R still finishes its build in its thread: one at a time,
        # so two builds never update the memory at once.
        self._build_lock = threading.Lock()

    async def __aenter__(self) -> Poller:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await asyncio.gather(self._prom_http.aclose(), self._am_http.aclose())

    def invalidate_history(self) -> None:
        """Make the next poll re-read the incident history (e.g. on `R`)."""
        self.memory.history.invalidate()

    async def poll(self, window_s: float | None = None) -> Snapshot:
        window = window_s or self.config.ui.window_s
        now = self.clock()
        started = time.perf_counter()
        fetched, by_source = await self._fetch(self.sections, now, window)
        # The model (and the journal reads) in a thread: at 10,000 series it takes long
        # enough to stall the TUI's event loop, which must keep answering keys.
        return await asyncio.to_thread(
            in_lane, self._snapshot, fetched, by_source, now, window, started
        )

    async def poll_section(self, spec: SectionSpec[P], window_s: float | None = None) -> P:
        """One section alone (and the sections it needs); sources' status untouched."""
        return cast(P, (await self.poll_parts([spec], window_s))[spec.name])

    async def poll_parts(
        self,
        specs: Sequence[SectionSpec[Any]],
        window_s: float | None = None,
        *,
        trends: bool = True,
    ) -> dict[str, Any]:
        """Some sections alone (and those they need), by name; sources' status untouched.
        `trends=False` leaves their `settled` ranges out (answered empty, not asked)."""
        window = window_s or self.config.ui.window_s
        now = self.clock()
        ordered = build_order(specs)
        fetched, _ = await self._fetch(ordered, now, window, trends=trends)
        return await asyncio.to_thread(in_lane, self._build, ordered, fetched, now, window)

    async def poll_early(self, window_s: float | None = None) -> dict[str, Any]:
        """The first poll's cheap sections (sections.EARLY), by Snapshot field name: their
        numbers now, without their trends. Decoding an hour of a histogram's buckets is
        most of a cold first poll's time (~10,000 points on the demo); the full poll
        brings the trends a moment later."""
        return await self.poll_parts(EARLY, window_s, trends=False)

    def early_ready(self, window_s: float) -> None:
        """Nothing is asked before this poller asks (the head start is the app's:
        actions/deferred.py)."""
        return None

    async def poll_alerts(self) -> Alerts:
        """Only the Alertmanager's part. While a full poll waits on a slow or hanging
        Prometheus, the app keeps the alert list current with this."""
        return await self.poll_section(ALERTS)

    # -- fetch -------------------------------------------------------------------------

    async def _fetch(
        self, specs: Iterable[SectionSpec[Any]], now: float, window: float, trends: bool = True
    ) -> tuple[_Fetched, dict[str, list[Outcome[Any]]]]:
        ctx = QueryContext(self.config, now, window, self.memory)
        planned = [(s.name, name, q) for s in specs for name, q in s.queries(ctx).items()]
        skip = [not trends and isinstance(q, Range) and q.settled for _, _, q in planned]
        # Every instant query goes in one request (sources/merged_instant.py), with the
        # now of each kept `fresh_end` range (its tail).
        tails = [
            None if skipped else self._tail(q, window)
            for (_, _, q), skipped in zip(planned, skip, strict=True)
        ]
        instants = [q.promql for _, _, q in planned if isinstance(q, Instant) and q.promql]
        instants += [tail for tail in tails if tail is not None]
        # Kept ranges whose grid moved are asked together, by `settled.run()`.
        settled = SettledRanges(self.prometheus, self.memory.ranges, self.memory.range_merges, now)
        asking = [
            _nothing() if skipped else self._ask(q, now, window, settled)
            for (_, _, q), skipped in zip(planned, skip, strict=True)
            if not _merged(q)
        ]
        merged, _, *asked = await asyncio.gather(
            self._instants(instants, now), settled.run(), *asking
        )
        answered = iter(asked)
        outcomes: list[Outcome[Any]] = []
        for (_, _, q), tail in zip(planned, tails, strict=True):
            if _merged(q):
                outcomes.append(_own(merged[cast(Instant, q).promql or ""]))
            elif tail is not None:
                span = window if cast(Range, q).back_s is None else cast(Range, q).back_s
                outcomes.append(ending_now(next(answered), merged[tail], now, span or window))
            else:
                outcomes.append(next(answered))
        fetched: _Fetched = {s.name: {} for s in specs}
        by_source: dict[str, list[Outcome[Any]]] = {name: [] for name in SOURCES}
        for (section, name, query), outcome in zip(planned, outcomes, strict=True):
            fetched[section][name] = outcome
            by_source.setdefault(query.source, []).append(outcome)
        return fetched, by_source

    async def _instants(self, queries: list[str], now: float) -> dict[str, Outcome[Any]]:
        """Each distinct query's outcome, asked merged where they can be."""
        if not queries:
            return {}
        answers = await ask_merged(
            queries,
            lambda q: self.prometheus.instant_answer(q, at=now),
            self.memory.merges,
            now,
        )
        return {q: Outcome(value, error, seconds) for q, (value, error, seconds) in answers.items()}

    def _kept_step(self, q: Range, window: float) -> float | None:
        """The step of a `settled` range whose answer is kept, else None."""
        if not q.settled or q.end is not None:
            return None
        chosen = choose_step(0.0, window if q.back_s is None else q.back_s, q.step_s)
        # A step no longer than the refresh moves at every poll: nothing to keep.
        return chosen if chosen > self.config.refresh_s else None

    def _tail(self, q: Query, window: float) -> str | None:
        """The instant query giving a kept `fresh_end` range its newest point."""
        if isinstance(q, Range) and q.fresh_end and self._kept_step(q, window) is not None:
            return q.promql
        return None

    def _ask(
        self, q: Query, now: float, window: float, settled: SettledRanges
    ) -> Awaitable[Outcome[Any]]:
        prom, am = self.prometheus, self.alertmanager
        match q:
            case Instant():
                return _nothing()  # an empty one: asked ones go through `_instants`
            case Range(promql=promql, back_s=back, step_s=step, end=end):
                until = now if end is None else end
                span = window if back is None else back
                kept = self._kept_step(q, window)
                if kept is not None:
                    return _outcome(settled.ask(promql, span, kept))
                start = until - span
                return timed(lambda: prom.range(promql, start, until, step))
            case AlertmanagerGet(what="alerts"):
                return timed(am.alert_entries)
            case AlertmanagerGet(what="silences"):
                return timed(am.silences)
        raise TypeError(f"no source answers {q!r}")

    # -- build -------------------------------------------------------------------------

    def _build(
        self, specs: Iterable[SectionSpec[Any]], fetched: _Fetched, now: float, window: float
    ) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        ctx = BuildContext(self.config, now, window, self.memory, self.journal, parts)
        for spec in specs:
            parts[spec.name] = spec.build(ctx, Results(fetched[spec.name]))
        return parts

    def _snapshot(
        self,
        fetched: _Fetched,
        by_source: dict[str, list[Outcome[Any]]],
        now: float,
        window: float,
        started: float,
    ) -> Snapshot:
        with self._build_lock:
            parts = self._build(self._build_order, fetched, now, window)
            sources = {name: self._status(name, o, now) for name, o in by_source.items()}
        return Snapshot(
            taken_at=now,
            window_s=window,
            sources=sources,
            poll_duration_s=time.perf_counter() - started,
            **parts,
        )

    def _status(self, name: str, outcomes: list[Outcome[Any]], now: float) -> SourceStatus:
        # Only transport trouble means the source is down; a refused query is a section error.
        down = [o.error for o in outcomes if isinstance(o.error, Unreachable | BadResponse)]
        url, detail = self._where(name)
        return SourceStatus(
            name=name,
            ok=not down,
            error=str(down[0]) if down else None,
            latency_s=max((o.seconds for o in outcomes), default=None),
            checked_at=now,
            last_ok_at=self.memory.last_ok.note(name, not down, now),
            url=url,
            detail=detail,
        )

    def _where(self, source: str) -> tuple[str | None, str | None]:
        """(url, detail) of a source for its status line, secrets removed."""
        if source == "prometheus":
            return redact(self.config.prometheus.url), None
        am = self.alertmanager
        url = redact(am.last_peer) if am.last_peer else None
        errs = {u: e for u, e in am.peer_errors.items() if e}
        detail = redact("; ".join(f"{u}: {e}" for u, e in errs.items())) if errs else None
        return url, detail


def build_order(specs: Iterable[SectionSpec[Any]]) -> tuple[SectionSpec[Any], ...]:
    """`specs` with each one's `needs` before it (added when missing), else in order."""
    order: list[SectionSpec[Any]] = []
    seen: set[str] = set()

    def visit(spec: SectionSpec[Any], path: tuple[str, ...]) -> None:
        if spec.name in path:
            raise ValueError(f"sections need each other: {' -> '.join((*path, spec.name))}")
        if spec.name in seen:
            return
        for need in spec.needs:
            visit(need, (*path, spec.name))
        seen.add(spec.name)
        order.append(spec)

    for spec in specs:
        visit(spec, ())
    return tuple(order)


def _merged(q: Query) -> bool:
    """Asked in the poll's merged instant request."""
    return isinstance(q, Instant) and bool(q.promql)


def ending_now(kept: Outcome[Any], tail: Outcome[Any], now: float, span: float) -> Outcome[Any]:
    """A kept range with the instant answer at `now` as each series' newest point (a
    series only now seen: that point alone), its points before `now - span` left out."""
    if kept.error is not None or tail.error is not None:
        return Outcome(error=kept.error or tail.error, seconds=max(kept.seconds, tail.seconds))
    start = now - span
    newest = {_key(s.labels): s for s in tail.value or ()}
    out: list[Series] = []
    for series in kept.value or ():
        points = tuple(p for p in series.points if p[0] >= start)
        sample = newest.pop(_key(series.labels), None)
        if sample is not None:
            points = (*points, (sample.at, sample.value))
        out.append(Series(series.labels, points))
    out += [Series(s.labels, ((s.at, s.value),)) for s in newest.values()]
    return Outcome(value=out, seconds=max(kept.seconds, tail.seconds))


def _key(labels: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


def _own(o: Outcome[Any]) -> Outcome[Any]:
    """A copy of a shared answer: two sections may ask the same query."""
    return Outcome(None if o.value is None else list(o.value), o.error, o.seconds)


async def _outcome(answer: Awaitable[Answer[Any]]) -> Outcome[Any]:
    value, error, seconds = await answer
    return Outcome(value, error, seconds)


async def _nothing() -> Outcome[Any]:
    return Outcome(value=[])


def _client(source: str, auth: HttpAuth, urls: Sequence[str]) -> httpx.AsyncClient:
    """The source's HTTP client; a missing token or CA file says which source needs it."""
    try:
        return make_http_client(auth, urls)
    except AuthSetupError as e:
        raise AuthSetupError(f"{source}: {e}") from None
