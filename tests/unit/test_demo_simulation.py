"""The demo's story, run in-process on simulated time: a degraded backend reads like a
real incident, a heal visibly heals and holds. Health is computed from the service's
own counters over the demo config's windows, with the demo's weights."""

from __future__ import annotations

import dataclasses
from collections import deque

from oncall_tui.config_types import HealthConfig
from oncall_tui.demo.assets import DEMO_HEALTH_WEIGHTS, ERROR_RATIO_THRESHOLD
from oncall_tui.demo.simulation import BACKENDS, GATEWAY, TICK_S, Simulation, Timing
from oncall_tui.model.health import compute_health
from oncall_tui.model.quantiles import bucket_quantile
from oncall_tui.model.snapshot import Alert, ComponentHealth, ErrorRate, Latency, ServiceLatency

BOUNDS = ("0.01", "0.025", "0.05", "0.1", "0.2", "0.3", "0.5", "0.75", "1.0", "2.5", "5.0")
Counters = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class Watch:
    """Steps a Simulation and keeps 2 minutes of counter samples, like Prometheus."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.samples: deque[tuple[float, Counters]] = deque()

    def run(self, seconds: float) -> None:
        for _ in range(round(seconds / TICK_S)):
            self.sim.step()
            if round(self.sim.now / TICK_S) % 8 == 0:  # a 2 s scrape
                self.samples.append((self.sim.now, self._read()))
                while self.samples[0][0] < self.sim.now - 125:
                    self.samples.popleft()

    def _read(self) -> Counters:
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in self.sim.metrics.registry.collect()
            for s in fam.samples
        }

    def growth(self, window: float, name: str, **match: str) -> float:
        old = next(c for t, c in self.samples if t >= self.sim.now - window)
        new = self.samples[-1][1]
        return sum(
            v - old.get(k, 0.0)
            for k, v in new.items()
            if k[0] == name and all(dict(k[1]).get(a) == b for a, b in match.items())
        )

    def errors(self, service: str, window: float) -> tuple[float, float]:
        total = self.growth(window, "http_requests_total", service=service)
        failed = sum(
            self.growth(window, "http_requests_total", service=service, code=c)
            for c in ("500", "502", "503")
        )
        return failed, total

    def health(self) -> float:
        comps = []
        for svc in (GATEWAY, *BACKENDS):
            failed, total = self.errors(svc, 120)
            comps.append(ComponentHealth(svc, 1 - failed / total if total else None))
        lats = []
        for svc in (GATEWAY, *BACKENDS):
            buckets = [
                (
                    float(le),
                    self.growth(60, "http_request_duration_seconds_bucket", service=svc, le=le),
                )
                for le in (*BOUNDS, "+Inf")
            ]
            p95 = bucket_quantile(0.95, buckets) if buckets[-1][1] else None
            lats.append(ServiceLatency(svc, {"p95": p95}, {}))
        failed, total = self.errors(GATEWAY, 60)
        alerts = []
        for b in BACKENDS:
            bad, all_ = self.errors(b, 60)
            if all_ and bad / all_ > ERROR_RATIO_THRESHOLD:
                alerts.append(Alert(b, {"severity": "critical"}, {}, "active", 0))
            if self.sim.backends[b].breaker.state != "closed":
                alerts.append(Alert(b + "-cb", {"severity": "warning"}, {}, "active", 0))
        cfg = dataclasses.replace(HealthConfig(), **DEMO_HEALTH_WEIGHTS)
        h = compute_health(
            comps, Latency(tuple(lats), 0.3), ErrorRate(failed / total, 0.01), alerts, cfg
        )
        assert h.score is not None
        return h.score


def test_one_degraded_backend_reads_like_an_incident_two_clearly_worse() -> None:
    w = Watch(Simulation(seed=3, auto_degrade=False))
    w.run(130)
    healthy = w.health()
    w.sim.degrade("search")
    w.run(130)
    one = w.health()
    w.sim.degrade("payments")
    w.run(130)
    two = w.health()
    assert healthy >= 95
    assert 55 <= one <= 90
    assert two <= one - 10


def test_a_degraded_breaker_stays_open_then_closes_soon_after_the_heal() -> None:
    w = Watch(Simulation(seed=5, auto_degrade=False))
    w.sim.degrade("inventory")
    w.run(20)
    closed_ticks = 0
    for _ in range(600):  # 150 s
        w.run(TICK_S)
        closed_ticks += w.sim.backends["inventory"].breaker.state == "closed"
    assert closed_ticks <= 8  # a closed blip now and then at most, not flapping
    w.sim.heal("inventory")
    waited = 0.0
    while w.sim.backends["inventory"].breaker.state != "closed":
        w.run(TICK_S)
        waited += TICK_S
    assert waited <= w.sim.timing.breaker_wait_s + 5


def test_after_a_heal_nothing_degrades_for_several_minutes() -> None:
    sim = Simulation(seed=1, timing=Timing(10.0))
    while not any(b.degraded for b in sim.backends.values()):
        sim.step()
    for name in BACKENDS:
        sim.heal(name)
    healed_at = sim.now
    while not any(b.degraded for b in sim.backends.values()):
        sim.step()
    assert sim.now - healed_at >= sim.timing.healthy_after_heal_s


def test_an_open_breaker_reports_the_rate_that_opened_it() -> None:
    from oncall_tui.demo.simulation import Breaker

    b = Breaker(wait_s=5.0)
    for i in range(Breaker.min_calls):
        b.record(failed=i % 4 != 0, now=float(i))  # 7 of 10 failed
    assert b.state == "open" and b.failure_rate() == 70.0
    assert b.permits(20.0) and b.state == "half_open" and b.failure_rate() == -1.0
