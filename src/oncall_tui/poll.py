"""One poll cycle: every query of every source at once, then the model -> Snapshot.

The Poller is long-lived (one HTTP connection pool per source) and never raises for
a source's trouble: a failed query leaves its section `ok=False` with the error in
words, and the rest of the Snapshot is still filled. Keeping the last good data on
screen is the UI's business; the poller reports what this cycle learned.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

import httpx

from oncall_tui.config_types import Config, HttpAuth
from oncall_tui.incident_log import IncidentLog, IncidentStore, MemoryIncidentStore, history_bounds
from oncall_tui.model import alerts as alerts_model
from oncall_tui.model.breakers import breakers_from
from oncall_tui.model.health import compute_health
from oncall_tui.model.incident_record import History, history_from
from oncall_tui.model.quantiles import latency_from_buckets
from oncall_tui.model.runbook_stats import runbook_stats
from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import (
    Alerts,
    CircuitBreakers,
    ComponentHealth,
    ErrorRate,
    Incidents,
    Latency,
    RunbookStats,
    Section,
    Snapshot,
    SourceStatus,
)
from oncall_tui.queries import (
    alerts_history,
    breaker_queries,
    latency_queries,
    runbook_queries,
)
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.errors import AuthSetupError, BadResponse, SourceError, Unreachable
from oncall_tui.sources.http import make_http_client, redact
from oncall_tui.sources.prometheus import PrometheusClient

T = TypeVar("T")


class JournalView(Protocol):
    """What the poller reads from the journal (acks, local runs, pending acks)."""

    def acks_by_fingerprint(self, since: float) -> dict[str, list[tuple[float, str]]]: ...
    def local_run_counts(self, since: float) -> dict[str, tuple[int, int]]: ...
    def pending_fingerprints(self) -> set[str]: ...
    @property
    def incidents(self) -> IncidentStore: ...


@dataclass
class Outcome(Generic[T]):
    """A query's result or its error, with how long it took."""

    value: T | None = None
    error: SourceError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


async def _timed(call: Callable[[], Awaitable[T]]) -> Outcome[T]:
    # A factory, not a coroutine: a poll cancelled before this task ran (R, a window
    # key) then leaves no never-awaited coroutine behind.
    start = time.perf_counter()
    try:
        value = await call()
    except SourceError as e:
        return Outcome(error=e, seconds=time.perf_counter() - start)
    return Outcome(value=value, seconds=time.perf_counter() - start)


def _first_error(outcomes: list[Outcome[Any]]) -> str | None:
    for o in outcomes:
        if o.error is not None:
            return str(o.error)
    return None


def _section(source: str, outcomes: list[Outcome[Any]], now: float) -> Section:
    err = _first_error(outcomes)
    return Section(source, ok=err is None, error=err, fetched_at=None if err else now)


def _source_status(
    name: str, outcomes: list[Outcome[Any]], now: float, url: str | None, detail: str | None
) -> SourceStatus:
    # Only transport trouble means the source is down; a refused query is a section error.
    down = [o.error for o in outcomes if isinstance(o.error, Unreachable | BadResponse)]
    return SourceStatus(
        name=name,
        ok=not down,
        error=str(down[0]) if down else None,
        latency_s=max((o.seconds for o in outcomes), default=None),
        checked_at=now,
        last_ok_at=now if not down else None,
        url=url,
        detail=detail,
    )


@dataclass
class _IncidentCache:
    """ALERTS history changes slowly; it is re-read at most every `refresh_s`."""

    fetched_at: float = 0.0
    error: SourceError | None = None
    fresh: History | None = None  # read by this poll, not yet merged into the record


class Poller:
    """`async with Poller(config) as p: snap = await p.poll(window_s)`."""

    def __init__(
        self,
        config: Config,
        *,
        journal: JournalView | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.journal = journal
        self.clock = clock
        self._prom_http: httpx.AsyncClient = _client("prometheus", config.prometheus.auth)
        self._am_http: httpx.AsyncClient = _client("alertmanager", config.alertmanager.auth)
        self.prometheus = PrometheusClient(config.prometheus.url, self._prom_http)
        self.alertmanager = AlertmanagerClient(config.alertmanager.urls, self._am_http)
        self._incidents = _IncidentCache()
        store = journal.incidents if journal is not None else MemoryIncidentStore(clock())
        self.incident_log = IncidentLog(config, store)
        self._last_ok: dict[str, float] = {}

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
        self._incidents.fetched_at = 0.0

    async def poll(self, window_s: float | None = None) -> Snapshot:
        cfg = self.config
        window = window_s or cfg.ui.window_s
        now = self.clock()
        started = time.perf_counter()
        prom = self.prometheus
        lq = latency_queries(cfg)
        bq = breaker_queries(cfg, window)
        rq = runbook_queries(cfg, window)
        start = now - window

        async def nothing() -> list[Sample]:
            return []

        def inst(q: str | None) -> Awaitable[Outcome[Any]]:
            return _timed(lambda: prom.instant(q, at=now) if q else nothing())

        def rng(q: str) -> Awaitable[Outcome[Any]]:
            return _timed(lambda: prom.range(q, start, now))

        components_f = [inst(c.query) for c in cfg.health.components]
        latency_f = [inst(lq.buckets), rng(lq.buckets), inst(lq.rps)]
        errors_f = [inst(cfg.errors.query), rng(cfg.errors.query)]
        breakers_f = [rng(bq.states), inst(bq.failures), inst(bq.failure_rate)]
        runbooks_f = [
            inst(rq.executions),
            inst(rq.duration_sum),
            inst(rq.duration_count),
            inst(rq.escalations),
        ]
        refresh_incidents = now - self._incidents.fetched_at >= cfg.incidents.refresh_s
        incidents_f: list[Awaitable[Outcome[Any]]] = (
            [self._fetch_incidents(now)] if refresh_incidents else []
        )
        am_f: list[Awaitable[Outcome[Any]]] = [
            _timed(self.alertmanager.alerts),
            _timed(self.alertmanager.silences),
        ]

        groups = [components_f, latency_f, errors_f, breakers_f, runbooks_f, incidents_f, am_f]
        flat = [f for g in groups for f in g]
        results: list[Outcome[Any]] = list(await asyncio.gather(*flat))
        it = iter(results)
        comp_o = [next(it) for _ in components_f]
        lat_o = [next(it) for _ in latency_f]
        err_o = [next(it) for _ in errors_f]
        cb_o = [next(it) for _ in breakers_f]
        rb_o = [next(it) for _ in runbooks_f]
        inc_o = [next(it) for _ in incidents_f]
        am_o = [next(it) for _ in am_f]
        # The model (and the journal reads) in a thread: at 10,000 series it takes long
        # enough to stall the TUI's event loop, which must keep answering keys.
        return await asyncio.to_thread(
            self._assemble, now, window, started, comp_o, lat_o, err_o, cb_o, rb_o, inc_o, am_o
        )

    def _assemble(
        self,
        now: float,
        window: float,
        started: float,
        comp_o: list[Outcome[Any]],
        lat_o: list[Outcome[Any]],
        err_o: list[Outcome[Any]],
        cb_o: list[Outcome[Any]],
        rb_o: list[Outcome[Any]],
        inc_o: list[Outcome[Any]],
        am_o: list[Outcome[Any]],
    ) -> Snapshot:
        cfg = self.config
        alerts = self._alerts(am_o, now)
        components = tuple(
            ComponentHealth(c.name, _ratio(o.value), str(o.error) if o.error else None)
            for c, o in zip(cfg.health.components, comp_o, strict=True)
        )
        latency = self._latency(lat_o, now)
        errors = self._errors(err_o, now)
        health = compute_health(
            components,
            latency,
            errors,
            alerts.items,
            cfg.health,
            alerts_known=alerts.section.ok,
        )
        prom_outcomes = comp_o + lat_o + err_o + cb_o + rb_o + inc_o
        health_err = _first_error(comp_o + lat_o + err_o)
        health = replace(
            health,
            section=Section("prometheus", ok=health_err is None, error=health_err, fetched_at=now),
        )
        sources = {
            "prometheus": self._status(
                "prometheus", prom_outcomes, now, redact(cfg.prometheus.url), None
            ),
            "alertmanager": self._status(
                "alertmanager",
                am_o,
                now,
                redact(self.alertmanager.last_peer) if self.alertmanager.last_peer else None,
                self._peer_detail(),
            ),
        }
        return Snapshot(
            taken_at=now,
            window_s=window,
            health=health,
            latency=latency,
            errors=errors,
            circuit_breakers=self._breakers(cb_o, now),
            runbooks=self._runbooks(rb_o, now, window),
            incidents=self._incidents_section(now, alerts),
            alerts=alerts,
            sources=sources,
            poll_duration_s=time.perf_counter() - started,
        )

    async def poll_alerts(self) -> Alerts:
        """Only the Alertmanager's part. While a full poll waits on a slow or hanging
        Prometheus, the app keeps the alert list current with this."""
        now = self.clock()
        am_o: list[Outcome[Any]] = list(
            await asyncio.gather(
                _timed(self.alertmanager.alerts), _timed(self.alertmanager.silences)
            )
        )
        return await asyncio.to_thread(self._alerts, am_o, now)

    # -- per section -------------------------------------------------------------------

    async def _fetch_incidents(self, now: float) -> Outcome[list[Series]]:
        start, end, step = history_bounds(now, self.config.incidents.lookback_s)
        o = await _timed(lambda: self.prometheus.range(alerts_history(step), start, end, step))
        cache = self._incidents
        cache.error = o.error
        if o.ok and o.value is not None:
            cache.fetched_at = now
            cache.fresh = history_from(o.value, step, end)
        return o

    def _incidents_section(self, now: float, alerts: Alerts) -> Incidents:
        cache = self._incidents
        lookback = self.config.incidents.lookback_s
        acks: Mapping[str, list[tuple[float, str]]] = {}
        if self.journal is not None:
            acks = self.journal.acks_by_fingerprint(now - lookback)
        acks = _merge_silence_acks(acks, alerts)
        history, cache.fresh = cache.fresh, None
        err = str(cache.error) if cache.error else None
        fetched = cache.fetched_at or None
        section = Section("prometheus", ok=err is None, error=err, fetched_at=fetched)
        return self.incident_log.observe(now, alerts, history, acks, section)

    def _alerts(self, am_o: list[Outcome[Any]], now: float) -> Alerts:
        alerts_o, silences_o = am_o
        section = _section("alertmanager", am_o, now)
        if not section.ok:
            return Alerts(section=section)
        silences = alerts_model.parse_silences(silences_o.value or [])
        pending = self.journal.pending_fingerprints() if self.journal else set()
        items = alerts_model.parse_alerts(alerts_o.value or [], silences, pending)
        return Alerts(items=items, silences=silences, section=section)

    def _latency(self, o: list[Outcome[Any]], now: float) -> Latency:
        now_o, hist_o, rps_o = o
        slo = self.config.latency.slo_p95_s
        section = _section("prometheus", o, now)
        if not section.ok:
            return Latency(slo_p95=slo, section=section)
        services = latency_from_buckets(
            now_o.value or [], hist_o.value or [], self.config.latency.group_by, rps_o.value
        )
        return Latency(services=services, slo_p95=slo, section=section)

    def _errors(self, o: list[Outcome[Any]], now: float) -> ErrorRate:
        now_o, hist_o = o
        section = _section("prometheus", o, now)
        slo = self.config.errors.slo
        if not section.ok:
            return ErrorRate(slo=slo, section=section)
        history: tuple[tuple[float, float], ...] = ()
        if hist_o.value:
            history = tuple(p for p in hist_o.value[0].points if p[1] == p[1])  # drop NaN
        return ErrorRate(value=_ratio(now_o.value), slo=slo, history=history, section=section)

    def _breakers(self, o: list[Outcome[Any]], now: float) -> CircuitBreakers:
        section = _section("prometheus", o, now)
        if not section.ok:
            return CircuitBreakers(section=section)
        states_o, failures_o, rate_o = o
        cb = self.config.circuit_breakers
        breakers = breakers_from(
            states_o.value or [],
            failures_o.value or [],
            rate_o.value or [],
            cb.name_label,
            cb.state_label,
        )
        return CircuitBreakers(breakers=breakers, section=section)

    def _runbooks(self, o: list[Outcome[Any]], now: float, window: float) -> RunbookStats:
        section = _section("prometheus", o, now)
        local = self.journal.local_run_counts(now - window) if self.journal else {}
        if not section.ok:
            return RunbookStats(section=section)
        ex, dsum, dcount, esc = (x.value or [] for x in o)
        stats = runbook_stats(ex, dsum, dcount, esc, self.config.runbook_stats, local)
        return replace(stats, section=section)

    def _status(
        self, name: str, o: list[Outcome[Any]], now: float, url: str | None, detail: str | None
    ) -> SourceStatus:
        status = _source_status(name, o, now, url, detail)
        if status.ok:
            self._last_ok[name] = now
        last = self._last_ok.get(name)
        return SourceStatus(
            name=status.name,
            ok=status.ok,
            error=status.error,
            latency_s=status.latency_s,
            checked_at=now,
            last_ok_at=last,
            url=status.url,
            detail=status.detail,
        )

    def _peer_detail(self) -> str | None:
        errs = {u: e for u, e in self.alertmanager.peer_errors.items() if e}
        if not errs:
            return None
        return redact("; ".join(f"{u}: {e}" for u, e in errs.items()))


def _client(source: str, auth: HttpAuth) -> httpx.AsyncClient:
    """The source's HTTP client; a missing token or CA file says which source needs it."""
    try:
        return make_http_client(auth)
    except AuthSetupError as e:
        raise AuthSetupError(f"{source}: {e}") from None


def _ratio(samples: list[Sample] | None) -> float | None:
    """The single value of a ratio query; NaN (0/0) and no result mean "unknown"."""
    if not samples:
        return None
    v = samples[0].value
    if v != v or v in (float("inf"), float("-inf")):
        return None
    return v


def _merge_silence_acks(
    acks: Mapping[str, list[tuple[float, str]]], alerts: Alerts
) -> dict[str, list[tuple[float, str]]]:
    """Acks also come from silences made elsewhere (amtool, the web UI, other copies)."""
    merged = {k: list(v) for k, v in acks.items()}
    by_id = {s.id: s for s in alerts.silences}
    for a in alerts.items:
        for sid in a.silenced_by:
            s = by_id.get(sid)
            if s is not None:
                merged.setdefault(a.fingerprint, []).append((s.starts_at, s.created_by))
    for v in merged.values():
        v.sort()
    return merged
