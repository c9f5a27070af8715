"""Integration tests against real Prometheus / Alertmanager processes.

`Stack` is what the session fixture `stack` (tests/conftest.py) yields; `start_stack`
builds it; `wait_until` / `async_wait_until` (from tests/waiting.py) poll a condition with
a deadline (never a bare sleep).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx

from integration.exporter import ALERT_RULES, FIRING_ALERTS, Exporter, start_exporter
from oncall_tui.demo import servers
from oncall_tui.demo.servers import Server
from waiting import async_wait_until, wait_until

__all__ = ["Peer", "Stack", "async_wait_until", "start_stack", "wait_until"]


@dataclass
class Stack:
    """A running exporter, two clustered Alertmanagers and a Prometheus scraping the
    exporter (every 1s) and evaluating ALERT_RULES (every 1s) into both Alertmanagers."""

    exporter: Exporter
    prometheus: Server
    alertmanagers: list[Server]
    workdir: Path
    owns_exporter: bool = False
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=5.0))

    @property
    def prom_url(self) -> str:
        return self.prometheus.url

    @property
    def am_urls(self) -> list[str]:
        return [am.url for am in self.alertmanagers]

    def query(self, promql: str) -> list[dict[str, object]]:
        """Instant query with a plain sync client: the fixtures' own probe."""
        body = self.http.get(self.prom_url + "/api/v1/query", params={"query": promql}).json()
        assert body["status"] == "success", body
        result: list[dict[str, object]] = body["data"]["result"]
        return result

    def am_alertnames(self, url: str) -> set[str]:
        alerts = self.http.get(url + "/api/v2/alerts").json()
        return {a["labels"]["alertname"] for a in alerts}

    def logs(self) -> str:
        parts = [f"--- {s.name} {s.url}\n{s.log_tail()}" for s in self.servers()]
        return "\n".join(parts)

    def servers(self) -> list[Server]:
        return [*self.alertmanagers, self.prometheus]

    def stop(self) -> None:
        for server in reversed(self.servers()):
            server.stop()
        if self.owns_exporter:
            self.exporter.stop()
        self.http.close()


def start_stack(workdir: Path, exporter: Exporter | None = None, timeout: float = 30.0) -> Stack:
    """Start everything (and an exporter unless given one) and wait until the firing
    alerts have reached both Alertmanagers. Call from the main thread: the servers die
    with the thread that started them."""
    owns_exporter = exporter is None
    exporter = exporter or start_exporter()
    started: list[Server] = []
    # Prometheus first: its service discovery waits ~5s before the first scrape and
    # the first alert delivery, so the Alertmanagers start during that wait.
    am_ports = [servers.free_port(), servers.free_port()]
    try:
        config = servers.prometheus_config(
            [exporter.target],
            alertmanagers=[f"127.0.0.1:{port}" for port in am_ports],
            rule_files=["rules.yml"],
        )
        prom = servers.start_prometheus(
            workdir / "prometheus", config, rules={"rules.yml": ALERT_RULES}
        )
        started.append(prom)
        am1 = servers.start_alertmanager(workdir / "am1", cluster=True, port=am_ports[0])
        started.append(am1)
        am2 = servers.start_alertmanager(
            workdir / "am2", peers=[str(am1.extra["cluster_address"])], port=am_ports[1]
        )
        started.append(am2)
    except BaseException:
        for server in started:
            server.stop()
        if owns_exporter:
            exporter.stop()
        raise
    stack = Stack(exporter, prom, [am1, am2], workdir, owns_exporter)
    try:
        _wait_ready(stack, timeout)
    except BaseException as e:
        logs = stack.logs()
        stack.stop()
        raise AssertionError(f"{e}\n{logs}") from None
    return stack


def _wait_ready(stack: Stack, timeout: float) -> None:
    wait_until(
        lambda: any(s["value"][1] == "1" for s in stack.query('up{job="app"}')),  # type: ignore[index]
        timeout,
        "Prometheus to scrape the exporter",
    )

    def firing() -> bool:
        series = stack.query('ALERTS{alertstate="firing"}')
        names = {s["metric"]["alertname"] for s in series}  # type: ignore[index]
        return set(FIRING_ALERTS) <= names

    wait_until(firing, timeout, f"ALERTS to show {', '.join(FIRING_ALERTS)} firing")
    for url in stack.am_urls:
        wait_until(
            lambda url=url: set(FIRING_ALERTS) <= stack.am_alertnames(url),  # type: ignore[misc]
            timeout,
            f"Alertmanager {url} to receive the firing alerts",
        )

    def clustered() -> bool:
        return all(
            len(stack.http.get(u + "/api/v2/status").json()["cluster"]["peers"]) == 2
            for u in stack.am_urls
        )

    wait_until(clustered, timeout, "both Alertmanagers to see each other")


class Peer:
    """One real Alertmanager that a test may stop and restart on the same port and
    storage (its silences persist across restarts, its alerts do not)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.server = servers.start_alertmanager(workdir)
        self.started = [self.server]

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()

    def restart(self, workdir: Path | None = None) -> None:
        """On the same port; with `workdir`, on fresh storage (all silences lost)."""
        self.workdir = workdir or self.workdir
        self.server = servers.start_alertmanager(self.workdir, port=self.server.port)
        self.started.append(self.server)

    def close(self) -> None:
        for server in self.started:
            server.stop()
