"""A bigger exporter than the tests': the app's DEFAULT metric names, so the real CLI
needs no query config, at a scale above the demo's.

SERVICES services x 12 latency buckets, BREAKERS resilience4j breakers (a few flip
state while it runs, so the state history has transitions), RUNBOOKS runbooks with
executions / durations / escalations, and COMPONENTS availability gauges. A feeder
thread observes traffic every TICK_S seconds.
"""

from __future__ import annotations

import random
import threading
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

SERVICES = 20
BREAKERS = 50
RUNBOOKS = 20
COMPONENTS = 10
TICK_S = 0.25
FLIP_EVERY_TICKS = 40
"""Every 10 s some breakers change state."""
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""11 finite bounds + the +Inf bucket = 12 bucket series per service."""
STATES = ("closed", "open", "half_open", "forced_open", "disabled", "metrics_only")
UP = "bench_up"


def service_names() -> list[str]:
    return [f"svc-{i:02d}" for i in range(SERVICES)]


def component_names() -> list[str]:
    return [f"component-{i:02d}" for i in range(COMPONENTS)]


@dataclass
class BigExporter:
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
    escalations: Counter
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    ticks: int = 0
    _server: WSGIServer | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def set_breaker(self, name: str, state: str) -> None:
        for s in STATES:
            self.breaker_state.labels(name=name, state=s).set(1.0 if s == state else 0.0)

    def tick(self) -> None:
        rng = self.rng
        for i, svc in enumerate(service_names()):
            for _ in range(5):
                # Slower services further down the list, with a long tail.
                value = rng.expovariate(1.0 / (0.02 + 0.02 * i))
                self.latency.labels(service=svc).observe(value)
                code = "500" if rng.random() < 0.01 * (i % 4) else "200"
                self.requests.labels(service=svc, code=code).inc()
        for b in range(BREAKERS):
            name = f"breaker-{b:02d}"
            failed = rng.random() < 0.1
            self.breaker_calls.labels(name=name, kind="failed" if failed else "successful").observe(
                0.01
            )
        if self.ticks % 8 == 0:
            for r in range(RUNBOOKS):
                ok = rng.random() > 0.1
                name = f"runbook-{r:02d}"
                self.runbook_runs.labels(runbook=name, status="success" if ok else "failure").inc()
                self.runbook_seconds.labels(runbook=name).observe(rng.uniform(1, 60))
                if not ok:
                    self.escalations.labels(runbook=name).inc()
        if self.ticks % FLIP_EVERY_TICKS == 0:
            for b in rng.sample(range(BREAKERS), 5):
                self.set_breaker(f"breaker-{b:02d}", rng.choice(STATES[:3]))
        self.ticks += 1

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            self.tick()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def start_big_exporter() -> BigExporter:
    reg = CollectorRegistry()
    ex = BigExporter(
        port=free_port(),
        registry=reg,
        latency=Histogram(
            "http_request_duration_seconds", "Latency.", ["service"], buckets=BUCKETS, registry=reg
        ),
        requests=Counter("http_requests", "Requests.", ["service", "code"], registry=reg),
        up=Gauge(UP, "Component availability.", ["component"], registry=reg),
        breaker_state=Gauge(
            "resilience4j_circuitbreaker_state", "State.", ["name", "state"], registry=reg
        ),
        breaker_calls=Summary(
            "resilience4j_circuitbreaker_calls_seconds", "Calls.", ["name", "kind"], registry=reg
        ),
        breaker_failure_rate=Gauge(
            "resilience4j_circuitbreaker_failure_rate", "Failure rate.", ["name"], registry=reg
        ),
        runbook_runs=Counter(
            "runbook_executions", "Runbook runs.", ["runbook", "status"], registry=reg
        ),
        runbook_seconds=Histogram(
            "runbook_duration_seconds",
            "Runbook duration.",
            ["runbook"],
            buckets=(1, 5, 10, 30, 60, 120),
            registry=reg,
        ),
        escalations=Counter("runbook_escalations", "Escalations.", ["runbook"], registry=reg),
    )
    for i, c in enumerate(component_names()):
        ex.up.labels(component=c).set(0.0 if i == 3 else 1.0)
    rng = random.Random(3)
    for b in range(BREAKERS):
        name = f"breaker-{b:02d}"
        ex.set_breaker(name, rng.choice(STATES[:3]))
        ex.breaker_failure_rate.labels(name=name).set(rng.choice((-1.0, 5.0, 60.0)))
    ex.tick()  # every labelled series exists from the first scrape
    ex._server, _ = start_http_server(ex.port, addr="127.0.0.1", registry=reg)
    ex._thread = threading.Thread(target=ex._run, name="bench-exporter", daemon=True)
    ex._thread.start()
    return ex
