"""An in-process exporter with metrics whose names and values the tests know.

A background thread plays a fixed CYCLE every CYCLE_S seconds: for each service it
observes the values of LATENCY_CYCLE[svc] in `shop_request_seconds` and counts each as
one request with the code at the same position in CODE_CYCLE[svc]; it also counts
RUNBOOK_CYCLE runs and BREAKER_CALLS_PER_CYCLE calls. Rates and ratios are therefore
stable and exact over whole cycles, and quantiles follow from the known distributions
(`expected_quantile`). Metric names are deliberately NOT the app's defaults, so tests
must pass them through config.

Also defined here, because the rules are part of the known world: ALERT_RULES and the
alert names that the `stack` fixture loads into Prometheus.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Summary,
    start_http_server,
)

from oncall_tui.demo.servers import free_port

# ---- latency and requests ---------------------------------------------------------

HISTOGRAM = "shop_request_seconds"
"""Base name of the latency histogram (label `svc`)."""
REQUESTS = "shop_requests_total"
"""Requests counter, labels `svc`, `code`."""
BUCKETS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SERVICES: tuple[str, ...] = ("checkout", "search")

CYCLE_S = 0.5
"""One full cycle of observations per service takes this long."""
LATENCY_CYCLE: dict[str, tuple[float, ...]] = {
    "checkout": (0.005, 0.02, 0.02, 0.04, 0.04, 0.04, 0.08, 0.08, 0.2, 0.7),
    "search": (0.005, 0.005, 0.008, 0.015, 0.015, 0.03, 0.03, 0.06, 0.12, 0.3),
}
CODE_CYCLE: dict[str, tuple[str, ...]] = {
    "checkout": ("200",) * 8 + ("500", "503"),
    "search": ("200",) * 9 + ("404",),
}
REQUESTS_PER_S: dict[str, float] = {s: len(LATENCY_CYCLE[s]) / CYCLE_S for s in SERVICES}
"""20 requests/s per service."""
ERROR_RATIO: dict[str, float] = {
    s: sum(c.startswith("5") for c in CODE_CYCLE[s]) / len(CODE_CYCLE[s]) for s in SERVICES
}
"""5xx / all, per service: checkout 0.2, search 0.0."""
TOTAL_ERROR_RATIO = sum(ERROR_RATIO[s] * REQUESTS_PER_S[s] for s in SERVICES) / sum(
    REQUESTS_PER_S.values()
)
"""5xx / all over both services: 0.1."""

# ---- availability -------------------------------------------------------------------

UP = "shop_up"
"""Gauge `shop_up{component}`: 1 up, 0 down."""
COMPONENTS: dict[str, float] = {"api-gateway": 1.0, "checkout": 1.0, "payments": 0.0}

# ---- circuit breakers (real resilience4j names) -------------------------------------

BREAKER_STATES: tuple[str, ...] = (
    "closed",
    "open",
    "half_open",
    "forced_open",
    "disabled",
    "metrics_only",
)
BREAKERS: dict[str, str] = {"payments": "open", "inventory": "closed", "search": "half_open"}
"""Initial state per breaker (resilience4j's lower-case state label values)."""
BREAKER_CALLS_PER_CYCLE: dict[str, dict[str, int]] = {
    "payments": {"successful": 1, "failed": 3},
    "inventory": {"successful": 5, "failed": 0},
    "search": {"successful": 1, "failed": 1},
}
BREAKER_FAILURE_RATE: dict[str, float] = {"payments": 75.0, "inventory": -1.0, "search": 50.0}
"""Percent; -1 is resilience4j's "not enough calls yet"."""

# ---- runbooks (non-default names) ---------------------------------------------------

RUNBOOK_RUNS = "ops_runbook_runs_total"
"""Counter, labels `runbook`, `status` (success / failure)."""
RUNBOOK_SECONDS = "ops_runbook_seconds"
"""Histogram of run durations, label `runbook`."""
RUNBOOK_ESCALATIONS = "ops_runbook_escalations_total"
"""Counter, label `runbook`."""
RUNBOOK_CYCLE: dict[str, tuple[tuple[str, float], ...]] = {
    "restart-checkout": (("success", 2.0), ("success", 2.0), ("success", 2.0), ("failure", 8.0)),
    "clear-cache": (("success", 0.5),),
}
"""Runs per cycle: (status, duration seconds). restart-checkout 75 % success, avg 3.5 s."""
RUNBOOK_ESCALATIONS_PER_CYCLE: dict[str, int] = {"restart-checkout": 1, "clear-cache": 0}

# ---- alert rules loaded by the `stack` fixture ----------------------------------------

ALERT_CRITICAL = "ShopAlwaysCritical"
"""Fires from the first evaluation: `vector(1)`, severity critical, runbook label."""
ALERT_ERRORS = "ShopHighErrorRatio"
"""Warning: the 5xx ratio of all requests so far (TOTAL_ERROR_RATIO, 0.1) is above 0.05.
Counters, not rate(), so it fires from the first scrape (the stack starts faster)."""
ALERT_NEVER = "ShopNeverFires"
FIRING_ALERTS: tuple[str, ...] = (ALERT_CRITICAL, ALERT_ERRORS)
CRITICAL_RUNBOOK = "restart-checkout"

ALERT_RULES = f"""\
groups:
  - name: shop
    interval: 1s
    rules:
      - alert: {ALERT_CRITICAL}
        expr: vector(1)
        labels:
          severity: critical
          service: checkout
          runbook: {CRITICAL_RUNBOOK}
        annotations:
          summary: "Checkout is always critical (test alert)"
          runbook: {CRITICAL_RUNBOOK}
      - alert: {ALERT_ERRORS}
        expr: sum({REQUESTS}{{code=~"5.."}}) / sum({REQUESTS}) > 0.05
        labels:
          severity: warning
          service: shop
        annotations:
          summary: "5xx ratio is {{{{ $value }}}}"
      - alert: {ALERT_NEVER}
        expr: vector(1) == 0
        labels:
          severity: info
"""


def expected_quantile(svc: str, q: float) -> float:
    """`histogram_quantile(q, ...)` over whole cycles of `svc`, computed independently
    of the app's code: linear interpolation inside the bucket, as Prometheus does."""
    values = LATENCY_CYCLE[svc]
    bounds = (*BUCKETS, math.inf)
    cumulative = [sum(v <= le for v in values) for le in bounds]
    rank = q * len(values)
    for i, (le, count) in enumerate(zip(bounds, cumulative, strict=True)):
        if count >= rank and count > 0:
            if le == math.inf:
                return BUCKETS[-1]
            lower = 0.0 if i == 0 else bounds[i - 1]
            below = 0 if i == 0 else cumulative[i - 1]
            return lower + (le - lower) * (rank - below) / (count - below)
    return math.nan


@dataclass
class Exporter:
    """The running exporter: `url` is its /metrics, `target` what Prometheus scrapes."""

    port: int
    registry: CollectorRegistry
    latency: Histogram
    requests: Counter
    up: Gauge
    breaker_state: Gauge
    breaker_calls: Summary
    breaker_failure_rate: Gauge
    runbook_runs: Counter
    runbook_seconds: Histogram
    runbook_escalations: Counter
    cycles: int = 0
    _server: WSGIServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"

    def set_breaker_state(self, name: str, state: str) -> None:
        """Make `state` (e.g. "open") the one current state of breaker `name`."""
        if state not in BREAKER_STATES:
            raise ValueError(f"unknown resilience4j state {state!r}")
        with self._lock:
            for s in BREAKER_STATES:
                self.breaker_state.labels(name=name, state=s).set(1.0 if s == state else 0.0)

    def set_up(self, component: str, value: float) -> None:
        """Set `shop_up{component}` (1 up, 0 down)."""
        self.up.labels(component=component).set(value)

    def play_cycle(self) -> None:
        """One cycle's worth of observations (the background thread calls this)."""
        with self._lock:
            for svc in SERVICES:
                for value, code in zip(LATENCY_CYCLE[svc], CODE_CYCLE[svc], strict=True):
                    self.latency.labels(svc=svc).observe(value)
                    self.requests.labels(svc=svc, code=code).inc()
            for name, calls in BREAKER_CALLS_PER_CYCLE.items():
                for kind, n in calls.items():
                    for _ in range(n):
                        self.breaker_calls.labels(name=name, kind=kind).observe(0.01)
            for runbook, runs in RUNBOOK_CYCLE.items():
                for status, seconds in runs:
                    self.runbook_runs.labels(runbook=runbook, status=status).inc()
                    self.runbook_seconds.labels(runbook=runbook).observe(seconds)
                self.runbook_escalations.labels(runbook=runbook).inc(
                    RUNBOOK_ESCALATIONS_PER_CYCLE[runbook]
                )
            self.cycles += 1

    def _run(self) -> None:
        # Deadline-based, so the long-run rate stays exact even when a tick is late.
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.play_cycle()
            next_at += CYCLE_S
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def start_exporter(port: int | None = None, *, feed: bool = True) -> Exporter:
    """Serve the known metrics on 127.0.0.1 and (with `feed`) start the cycle thread."""
    reg = CollectorRegistry()
    exporter = Exporter(
        port=port or free_port(),
        registry=reg,
        latency=Histogram(HISTOGRAM, "Shop latency.", ["svc"], buckets=BUCKETS, registry=reg),
        requests=Counter(REQUESTS, "Shop requests.", ["svc", "code"], registry=reg),
        up=Gauge(UP, "Component availability.", ["component"], registry=reg),
        breaker_state=Gauge(
            "resilience4j_circuitbreaker_state",
            "The states of the circuit breaker.",
            ["name", "state"],
            registry=reg,
        ),
        breaker_calls=Summary(
            "resilience4j_circuitbreaker_calls_seconds",
            "Total number of calls which finished.",
            ["name", "kind"],
            registry=reg,
        ),
        breaker_failure_rate=Gauge(
            "resilience4j_circuitbreaker_failure_rate",
            "The failure rate of the circuit breaker.",
            ["name"],
            registry=reg,
        ),
        runbook_runs=Counter(RUNBOOK_RUNS, "Runbook runs.", ["runbook", "status"], registry=reg),
        runbook_seconds=Histogram(
            RUNBOOK_SECONDS,
            "Runbook duration.",
            ["runbook"],
            buckets=(0.5, 1, 2, 5, 10, 30),
            registry=reg,
        ),
        runbook_escalations=Counter(
            RUNBOOK_ESCALATIONS, "Escalations to a human.", ["runbook"], registry=reg
        ),
    )
    for component, value in COMPONENTS.items():
        exporter.set_up(component, value)
    for name, state in BREAKERS.items():
        exporter.set_breaker_state(name, state)
        exporter.breaker_failure_rate.labels(name=name).set(BREAKER_FAILURE_RATE[name])
    exporter._server, _ = start_http_server(exporter.port, addr="127.0.0.1", registry=reg)
    if feed:
        exporter._thread = threading.Thread(target=exporter._run, name="exporter", daemon=True)
        exporter._thread.start()
    else:
        exporter.play_cycle()  # every labelled series exists from the first scrape
    return exporter
