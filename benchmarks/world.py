"""The worlds the server benchmarks run against: real Prometheus + Alertmanager on free
loopback ports in a temp dir, always stopped by the `world()` context manager.

- "demo": exactly what `oncall-tui demo` starts (oncall_tui.demo.run.start_stack) with
  its 7 days of backfilled history: the scale the budgets are written for.
- "large": benchmarks/exporter.py (20 services x 12 buckets, 50 breakers, 20 runbooks,
  10 components), 200 firing alerts posted to Alertmanager's API (20 of them
  silenced), and 7 days of ALERTS history for 500 alert series backfilled with promtool.
"""

from __future__ import annotations

import contextlib
import json
import random
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

from benchmarks import exporter as big
from benchmarks.synthetic import alert_labels
from oncall_tui.config_types import (
    AlertmanagerConfig,
    Component,
    Config,
    HealthConfig,
    LatencyConfig,
    PrometheusConfig,
)
from oncall_tui.demo import servers
from oncall_tui.demo.run import find_promtool
from oncall_tui.demo.run import start_stack as start_demo_stack

T = TypeVar("T")

FIRING = 200
SILENCED_EVERY = 10
HISTORY_SERIES = 500
HISTORY_STEP_S = 60
LOOKBACK_S = 7 * 86400


@dataclass
class World:
    name: str
    description: str
    config: Config
    workdir: Path
    stoppers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def prom_url(self) -> str:
        return self.config.prometheus.url

    @property
    def am_url(self) -> str:
        return self.config.alertmanager.urls[0]

    def stop(self) -> None:
        for stop in reversed(self.stoppers):
            with contextlib.suppress(Exception):
                stop()


def wait_until(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll `probe` until it returns something truthy, or raise naming `what`."""
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        try:
            result = probe()
            if result:
                return result
        except Exception as e:  # servers may still be starting
            last = f" (last error: {type(e).__name__}: {e})"
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:g}s waiting for {what}{last}")
        time.sleep(0.2)


def _query(client: httpx.Client, prom: str, promql: str) -> list[object]:
    body = client.get(prom + "/api/v1/query", params={"query": promql}).json()
    result: list[object] = body["data"]["result"]
    return result


def _wait_for_rates(prom: str, histogram: str, timeout: float = 60.0) -> None:
    """A fresh Prometheus needs two scrapes before rate() answers: wait for them so
    the first measured poll is a normal one."""
    with httpx.Client(timeout=5.0) as c:
        wait_until(
            lambda: _query(c, prom, f"sum(rate({histogram}_bucket[1m]))"),
            timeout,
            "rate() over the latency histogram",
        )


@contextlib.contextmanager
def world(name: str) -> Iterator[World]:
    """Start world `name` ("demo" or "large"); everything stops on exit."""
    with tempfile.TemporaryDirectory(prefix=f"oncall-bench-{name}-") as tmp:
        w = _start_demo(Path(tmp)) if name == "demo" else _start_large(Path(tmp))
        try:
            yield w
        finally:
            w.stop()


def _start_demo(workdir: Path) -> World:
    stack = start_demo_stack(workdir, Config(), speed=1.0, history_days=7)
    w = World(
        "demo",
        "`oncall-tui demo` (demo service, 7 d backfilled history, speed 1)",
        stack.config,
        workdir,
        [stack.stop],
    )
    try:
        _wait_for_rates(w.prom_url, stack.config.latency.histogram)
    except BaseException:
        w.stop()
        raise
    return w


def _history_openmetrics(end: float) -> str:
    """ALERTS{alertstate="firing"} for HISTORY_SERIES alerts over 7 days at a 60 s
    resolution: three incidents each; the first FIRING still fire at `end`."""
    rng = random.Random(11)
    start = end - LOOKBACK_S
    lines = ["# TYPE ALERTS gauge"]
    for i in range(HISTORY_SERIES):
        labels = {"alertname": alert_labels(i)["alertname"], "alertstate": "firing"}
        labels.update({k: v for k, v in alert_labels(i).items() if k != "alertname"})
        key = ",".join(f'{k}="{v}"' for k, v in labels.items())
        stamps: list[int] = []
        for third in range(3):
            lo = start + third * LOOKBACK_S / 3
            first = int(lo + rng.uniform(0, LOOKBACK_S / 3 - 8000))
            length = int(rng.uniform(600, 7200))
            if third == 2 and i < FIRING:
                first = int(end) - length
            first -= first % HISTORY_STEP_S
            stamps += range(first, min(first + length, int(end)), HISTORY_STEP_S)
        lines += [f"ALERTS{{{key}}} 1 {ts}" for ts in stamps]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _backfill(data_dir: Path, end: float) -> None:
    promtool = find_promtool(
        servers.find_binary(servers.PROMETHEUS_NAMES, "ONCALL_TUI_PROMETHEUS_BIN")
    )
    if promtool is None:
        raise RuntimeError("promtool not found: the large world needs it for its history")
    data_dir.mkdir(parents=True, exist_ok=True)
    source = data_dir.parent / "history.om"
    source.write_text(_history_openmetrics(end))
    subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--quiet",
            str(source),
            str(data_dir),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )


def _rfc3339(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _post_alerts_and_silences(am: str, history_end: float) -> None:
    rng = random.Random(5)
    now = time.time()
    alerts = []
    for i in range(FIRING):
        labels = alert_labels(i)
        alerts.append(
            {
                "labels": labels,
                "annotations": {
                    "summary": f"{labels['service']} on {labels['instance']} is unhappy",
                    "runbook": f"restart-{labels['service']}",
                },
                "startsAt": _rfc3339(history_end - rng.uniform(600, 3000)),
                "endsAt": _rfc3339(now + 6 * 3600),
                "generatorURL": "http://127.0.0.1/graph",
            }
        )
    with httpx.Client(timeout=10.0) as c:
        c.post(am + "/api/v2/alerts", json=alerts).raise_for_status()
        for i in range(0, FIRING, SILENCED_EVERY):
            matchers = [
                {"name": k, "value": v, "isRegex": False, "isEqual": True}
                for k, v in alert_labels(i).items()
            ]
            silence = {
                "matchers": matchers,
                "startsAt": _rfc3339(now - 60),
                "endsAt": _rfc3339(now + 3600),
                "createdBy": "bench@host",
                "comment": "benchmark silence",
            }
            c.post(am + "/api/v2/silences", json=silence).raise_for_status()
        wait_until(
            lambda: len(c.get(am + "/api/v2/alerts").json()) >= FIRING,
            30,
            f"Alertmanager to hold {FIRING} alerts",
        )


def _start_large(workdir: Path) -> World:
    stoppers: list[Callable[[], None]] = []
    try:
        ex = big.start_big_exporter()
        stoppers.append(ex.stop)
        history_end = float(int(time.time()) - 120)
        _backfill(workdir / "prometheus" / "data", history_end)
        prom = servers.start_prometheus(
            workdir / "prometheus", servers.prometheus_config([ex.target], interval="1s")
        )
        stoppers.append(prom.stop)
        am = servers.start_alertmanager(workdir / "alertmanager")
        stoppers.append(am.stop)
        _post_alerts_and_silences(am.url, history_end)
        components = tuple(
            Component(c, f'avg_over_time({big.UP}{{component="{c}"}}[5m])')
            for c in big.component_names()
        )
        config = Config(
            refresh_s=2.0,
            prometheus=PrometheusConfig(url=prom.url),
            alertmanager=AlertmanagerConfig(urls=(am.url,)),
            health=HealthConfig(components=components),
            latency=LatencyConfig(rate_window_s=60.0),
        )
        w = World(
            "large",
            f"{big.SERVICES} services x 12 buckets, {big.BREAKERS} breakers, "
            f"{big.RUNBOOKS} runbooks, {big.COMPONENTS} components, {FIRING} firing alerts "
            f"({FIRING // SILENCED_EVERY} silenced), {HISTORY_SERIES} ALERTS series over 7 d",
            config,
            workdir,
            stoppers,
        )
        _wait_for_rates(prom.url, config.latency.histogram)
        return w
    except BaseException:
        for stop in reversed(stoppers):
            with contextlib.suppress(Exception):
                stop()
        raise


def config_toml(config: Config) -> str:
    """The parts of `config` the real CLI needs as a TOML file (sources and queries).
    Strings go out as JSON strings, which TOML reads as basic strings."""

    def s(value: str) -> str:
        return json.dumps(value)

    lat = config.latency
    lines = [
        f"refresh = {s(f'{config.refresh_s:g}s')}",
        "[prometheus]",
        f"url = {s(config.prometheus.url)}",
        "[alertmanager]",
        f"urls = [{', '.join(s(u) for u in config.alertmanager.urls)}]",
        "[latency]",
        f"histogram = {s(lat.histogram)}",
        f"selector = {s(lat.selector)}",
        f"group_by = {s(lat.group_by)}",
        f"rate_window = {s(f'{lat.rate_window_s:g}s')}",
    ]
    if lat.slo_p95_s is not None:
        lines.append(f"slo_p95 = {s(f'{lat.slo_p95_s * 1000:g}ms')}")
    lines += ["[errors]", f"query = {s(config.errors.query)}"]
    if config.errors.slo is not None:
        lines.append(f"slo = {config.errors.slo!r}")
    for c in config.health.components:
        lines += ["[[health.components]]", f"name = {s(c.name)}", f"query = {s(c.query)}"]
    return "\n".join(lines) + "\n"
