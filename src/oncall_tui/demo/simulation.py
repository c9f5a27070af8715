"""The demo's simulated system: an API gateway calling three backends through
resilience4j-style circuit breakers, exported as Prometheus metrics.

Every few minutes (of `Timing`) one backend degrades (slow, failing), its breaker opens
and alerts fire; left alone it stays broken. The simulation advances in fixed ticks of
simulated time and draws from one seeded random generator, so a seed gives the same story.
"""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary

GATEWAY = "api-gateway"
BACKENDS = ("payments", "inventory", "search")
BACKEND_WEIGHTS = (0.3, 0.4, 0.3)
BACKEND_MEDIAN_S = {"payments": 0.06, "inventory": 0.03, "search": 0.08}
BREAKER_STATES = ("closed", "open", "half_open", "forced_open", "disabled", "metrics_only")
AUTOMATION = ("autoscale-gateway", "rotate-logs", "warm-search-index")
"""Runbooks an automation system runs on its own; they show in the stats."""
TICK_S = 0.25
MAX_DEGRADED = 2
DEGRADED_FAILURE = 0.8
"""A degraded backend fails most calls (most of its instances crash-loop), so its
breaker's half-open trials fail too and it stays open, as a real one would."""
DEGRADED_SLOWDOWN = 3.0
FALLBACK_SHARE = 0.9
"""Share of the calls a breaker refuses (or a backend fails) that the gateway still
answers from its fallback (cached results): a breaker exists so that one broken backend
degrades the site instead of taking it down."""


@dataclass(frozen=True)
class Timing:
    """The demo's schedule in seconds, compressed by `speed` (tests run it fast)."""

    speed: float = 1.0

    def scaled(self, seconds: float, floor: float = 1.0) -> float:
        return max(floor, seconds / self.speed)

    @property
    def breaker_wait_s(self) -> float:
        return self.scaled(10.0)

    @property
    def first_degrade_s(self) -> float:
        # Soon after start: a newcomer should see a firing alert within half a minute.
        return self.scaled(3.0)

    @property
    def degrade_every_s(self) -> float:
        return self.scaled(240.0)

    @property
    def healthy_after_heal_s(self) -> float:
        # A fix must be seen to hold: nothing degrades for a while after a heal.
        return self.scaled(300.0)

    @property
    def automation_every_s(self) -> float:
        return self.scaled(45.0)

    @property
    def escalate_after_s(self) -> float:
        return self.scaled(90.0)


class Breaker:
    """Count-based resilience4j circuit breaker: a window of the last calls opens it at
    50 % failures; after `wait_s` it lets a few trial calls through (half-open)."""

    window_size = 20
    min_calls = 10
    threshold = 50.0
    trial_calls = 10  # resilience4j's permittedNumberOfCallsInHalfOpenState default

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        self.state = "closed"
        self.window: deque[bool] = deque(maxlen=self.window_size)
        self.opened_at = 0.0
        self.trials = 0
        self.open_rate = -1.0  # the rate that opened it, reported while open

    def permits(self, now: float) -> bool:
        if self.state == "open" and now - self.opened_at >= self.wait_s:
            self.state, self.trials = "half_open", 0
            self.window.clear()
        if self.state == "open":
            return False
        if self.state == "half_open":
            if self.trials >= self.trial_calls:
                return False
            self.trials += 1
        return True

    def record(self, failed: bool, now: float) -> None:
        self.window.append(failed)
        rate = self.failure_rate()
        if self.state == "closed" and rate >= self.threshold:
            self.state, self.opened_at, self.open_rate = "open", now, rate
            self.window.clear()
        elif self.state == "half_open" and len(self.window) >= self.trial_calls:
            if rate >= self.threshold:
                self.state, self.opened_at, self.open_rate = "open", now, rate
            else:
                self.state = "closed"
            self.window.clear()

    def failure_rate(self) -> float:
        """Percent of failed calls in the window; -1 until enough calls (resilience4j).
        An open breaker keeps the metrics that opened it, as resilience4j's does."""
        if self.state == "open":
            return self.open_rate
        needed = self.trial_calls if self.state == "half_open" else self.min_calls
        if len(self.window) < needed:
            return -1.0
        return 100.0 * sum(self.window) / len(self.window)


@dataclass
class Backend:
    name: str
    breaker: Breaker
    degraded: bool = False
    degraded_at: float = 0.0
    failover_tried: bool = False
    escalated_at: float | None = None


class Metrics:
    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Request latency by service.",
            ["service"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0),
            registry=r,
        )
        self.requests = Counter(
            "http_requests", "Requests by service and code.", ["service", "code"], registry=r
        )
        self.breaker_state = Gauge(
            "resilience4j_circuitbreaker_state",
            "1 for the current state.",
            ["name", "state"],
            registry=r,
        )
        self.breaker_calls = Summary(
            "resilience4j_circuitbreaker_calls_seconds",
            "Calls through the breaker.",
            ["name", "kind"],
            registry=r,
        )
        self.breaker_failure_rate = Gauge(
            "resilience4j_circuitbreaker_failure_rate",
            "Failure rate in percent.",
            ["name"],
            registry=r,
        )
        self.not_permitted = Counter(
            "resilience4j_circuitbreaker_not_permitted_calls",
            "Calls refused by an open breaker.",
            ["name", "kind"],
            registry=r,
        )
        self.runbook_runs = Counter(
            "runbook_executions", "Runbook executions.", ["runbook", "status"], registry=r
        )
        self.runbook_duration = Histogram(
            "runbook_duration_seconds",
            "Runbook durations.",
            ["runbook"],
            buckets=(1, 2, 5, 10, 30, 60, 120, 300),
            registry=r,
        )
        self.escalations = Counter(
            "runbook_escalations", "Runs handed to a human.", ["runbook"], registry=r
        )
        self.degraded = Gauge("demo_backend_degraded", "1 while degraded.", ["backend"], registry=r)
        for svc in (GATEWAY, *BACKENDS):
            self.latency.labels(svc)
            for code in ("200", "404", "500", "502", "503"):
                self.requests.labels(svc, code)
        for b in BACKENDS:
            for kind in ("successful", "failed"):
                self.breaker_calls.labels(b, kind)
            self.not_permitted.labels(b, "not_permitted")
        for name in (*runbook_names(), "flaky-cache-clear"):
            for status in ("success", "failure"):
                self.runbook_runs.labels(name, status)
            self.runbook_duration.labels(name)
            self.escalations.labels(name)


def runbook_names() -> tuple[str, ...]:
    return (
        *(f"restart-{b}" for b in BACKENDS),
        *(f"failover-{b}" for b in BACKENDS),
        *AUTOMATION,
        "page-backend-owner",
    )


@dataclass
class Simulation:
    seed: int = 1
    timing: Timing = field(default_factory=Timing)
    auto_degrade: bool = True
    now: float = 0.0
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()
        self.backends = {b: Backend(b, Breaker(self.timing.breaker_wait_s)) for b in BACKENDS}
        self.next_degrade = self.timing.first_degrade_s
        self.next_automation = self.timing.automation_every_s / 2
        self._export_breakers()

    # -- the story ----------------------------------------------------------------
    def step(self, dt: float = TICK_S) -> None:
        with self.lock:
            self.now += dt
            if self.auto_degrade and self.now >= self.next_degrade:
                self._degrade_someone()
                self.next_degrade += self.timing.degrade_every_s * self.rng.uniform(0.8, 1.2)
            if self.now >= self.next_automation:
                self._automation()
                self.next_automation += self.timing.automation_every_s
            # ~20 requests a second, in slow waves like a day's traffic, so sparklines move.
            for _ in range(round(self.rng.randint(3, 7) * self._load())):
                self._request()
            self._export_breakers()

    def _load(self) -> float:
        """Traffic relative to average: a 10-minute wave (compressed by speed)."""
        period = 600.0 / self.timing.speed
        return 1.0 + 0.35 * math.sin(2 * math.pi * self.now / period)

    def _degrade_someone(self) -> None:
        healthy = [b for b in BACKENDS if not self.backends[b].degraded]
        if len(BACKENDS) - len(healthy) < MAX_DEGRADED and healthy:
            self._set_degraded(self.rng.choice(healthy), True)

    def _set_degraded(self, name: str, degraded: bool) -> None:
        b = self.backends[name]
        b.degraded, b.degraded_at = degraded, self.now
        b.failover_tried, b.escalated_at = False, None
        self.metrics.degraded.labels(name).set(1 if degraded else 0)

    def _request(self) -> None:
        name = self.rng.choices(BACKENDS, BACKEND_WEIGHTS)[0]
        b = self.backends[name]
        m = self.metrics
        if not b.breaker.permits(self.now):
            m.not_permitted.labels(name, "not_permitted").inc()
            code = "200" if self.rng.random() < FALLBACK_SHARE else "503"
            self._observe(GATEWAY, code, self.rng.uniform(0.002, 0.008))
            return
        # Busier is a little slower, even when healthy.
        slowdown = DEGRADED_SLOWDOWN if b.degraded else 1.0
        median = BACKEND_MEDIAN_S[name] * slowdown * self._load() ** 0.5
        latency = min(9.0, self.rng.lognormvariate(math.log(median), 0.45))
        failed = self.rng.random() < (DEGRADED_FAILURE if b.degraded else 0.003)
        code = "500" if failed else ("404" if self.rng.random() < 0.01 else "200")
        self._observe(name, code, latency)
        b.breaker.record(failed, self.now)
        m.breaker_calls.labels(name, "failed" if failed else "successful").observe(latency)
        if failed:
            code = "200" if self.rng.random() < FALLBACK_SHARE else "502"
        self._observe(GATEWAY, code, latency + self.rng.uniform(0.003, 0.01))

    def _observe(self, service: str, code: str, latency: float) -> None:
        self.metrics.requests.labels(service, code).inc()
        self.metrics.latency.labels(service).observe(latency)

    def _automation(self) -> None:
        """Scheduled automation, plus a failover attempt and a human escalation for a
        backend that stays broken."""
        name = self.rng.choice(AUTOMATION)
        self.record_run(name, self.rng.random() > 0.05, self.rng.uniform(2.0, 20.0))
        for b in self.backends.values():
            if not b.degraded:
                continue
            if not b.failover_tried:
                b.failover_tried = True
                self.record_run(f"failover-{b.name}", False, self.rng.uniform(20.0, 60.0))
            if self.now - b.degraded_at >= self.timing.escalate_after_s and (
                b.escalated_at is None or self.now - b.escalated_at >= self.timing.escalate_after_s
            ):
                b.escalated_at = self.now
                self.metrics.escalations.labels(f"failover-{b.name}").inc()

    def record_run(self, runbook: str, ok: bool, duration_s: float) -> None:
        self.metrics.runbook_runs.labels(runbook, "success" if ok else "failure").inc()
        self.metrics.runbook_duration.labels(runbook).observe(duration_s)

    def _export_breakers(self) -> None:
        for name, b in self.backends.items():
            for state in BREAKER_STATES:
                self.metrics.breaker_state.labels(name, state).set(
                    1 if b.breaker.state == state else 0
                )
            self.metrics.breaker_failure_rate.labels(name).set(b.breaker.failure_rate())

    # -- control ------------------------------------------------------------------
    def degrade(self, name: str) -> None:
        with self.lock:
            self._set_degraded(name, True)

    def heal(self, name: str) -> bool:
        """Restore the backend; True when it was degraded. The next degradation waits at
        least `healthy_after_heal_s`, so the fix is seen to hold."""
        with self.lock:
            was = self.backends[name].degraded
            self._set_degraded(name, False)
            self.next_degrade = max(self.next_degrade, self.now + self.timing.healthy_after_heal_s)
            return was

    def cache_clear(self) -> bool:
        with self.lock:
            return self.rng.random() >= 0.35

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "t": round(self.now, 2),
                "speed": self.timing.speed,
                "backends": {
                    n: {
                        "degraded": b.degraded,
                        "breaker": b.breaker.state.upper(),
                        "failure_rate": b.breaker.failure_rate(),
                    }
                    for n, b in self.backends.items()
                },
            }
