"""`oncall-tui snapshot` end to end: the real command against the real stack
(Prometheus + two clustered Alertmanagers + the known-metrics exporter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from integration import Stack, wait_until
from integration.exporter import (
    ALERT_CRITICAL,
    FIRING_ALERTS,
    HISTOGRAM,
    REQUESTS,
    RUNBOOK_ESCALATIONS,
    RUNBOOK_RUNS,
    RUNBOOK_SECONDS,
    SERVICES,
    UP,
)
from oncall_tui.demo.servers import free_port

pytestmark = pytest.mark.servers


def write_config(tmp_path: Path, prom_url: str, am_urls: list[str]) -> Path:
    """A config naming the exporter's (non-default) metrics, as a user would write it."""
    components = "\n".join(
        f'[[health.components]]\nname = "{c}"\nquery = \'{UP}{{component="{c}"}}\'\n'
        for c in ("api-gateway", "payments")
    )
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
user = "tester"

[prometheus]
url = "{prom_url}"
timeout = "3s"

[alertmanager]
urls = {json.dumps(am_urls)}
timeout = "3s"

{components}
[latency]
histogram = "{HISTOGRAM}"
group_by = "svc"
rate_window = "5s"
slo_p95 = "300ms"

[errors]
query = 'sum(rate({REQUESTS}{{code=~"5.."}}[5s])) / sum(rate({REQUESTS}[5s]))'
slo = 0.05

[runbook_stats]
executions = "{RUNBOOK_RUNS}"
duration = "{RUNBOOK_SECONDS}"
escalations = "{RUNBOOK_ESCALATIONS}"

[incidents]
lookback = "1h"
"""
    )
    return path


def snapshot(tmp_path: Path, config: Path, fmt: str = "json") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONCALL_TUI_")}
    # No user config and no journal from the machine running the tests.
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "XDG_STATE_HOME": str(tmp_path / "xdg")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "oncall_tui",
            "snapshot",
            "--config",
            str(config),
            "--format",
            fmt,
            "--window",
            "15m",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_snapshot_json_against_the_stack(stack: Stack, tmp_path: Path) -> None:
    config = write_config(tmp_path, stack.prom_url, stack.am_urls)

    def complete() -> dict[str, Any] | None:
        # rate() needs two scrapes inside its window: retry until every service shows.
        result = snapshot(tmp_path, config)
        assert result.returncode == 0, result.stderr + result.stdout[-2000:]
        data: dict[str, Any] = json.loads(result.stdout)
        services = {row["service"] for row in data["latency"]}
        return data if services == set(SERVICES) else None

    data = wait_until(complete, 30, "latency for every service in the snapshot")
    assert data["sources"]["prometheus"]["ok"] is True
    assert data["sources"]["alertmanager"]["ok"] is True
    assert 0 <= data["health"]["score"] <= 100
    availability = {c["name"]: c["availability"] for c in data["health"]["components"]}
    assert availability == {"api-gateway": 1.0, "payments": 0.0}
    for row in data["latency"]:
        assert set(row["quantiles"]) == {"p50", "p75", "p95", "p99", "max"}
        assert all(v is None or v > 0 for v in row["quantiles"].values())
    breakers = {b["name"]: b["state"] for b in data["circuit_breakers"]}
    assert breakers.get("payments") == "OPEN"
    assert {r["name"] for r in data["runbooks"]["top"]} >= {"restart-checkout"}
    alertnames = {a["labels"]["alertname"] for a in data["alerts"]}
    assert set(FIRING_ALERTS) <= alertnames
    for alert in data["alerts"]:
        assert alert["state"] in ("active", "silenced", "inhibited")
        assert isinstance(alert["fingerprint"], str) and alert["fingerprint"]
    assert {i["alertname"] for i in data["incidents"]} >= {ALERT_CRITICAL}
    for incident in data["incidents"]:
        assert incident["started_at"].endswith("Z")


def test_snapshot_text_against_the_stack(stack: Stack, tmp_path: Path) -> None:
    config = write_config(tmp_path, stack.prom_url, stack.am_urls)
    result = snapshot(tmp_path, config, fmt="text")
    assert result.returncode == 0, result.stderr
    for expected in ("Health", "Latency", "Circuit breakers", ALERT_CRITICAL, "payments"):
        assert expected in result.stdout
    assert "\x1b" not in result.stdout  # not a tty: no colour


def test_prometheus_down_still_prints_alertmanager_and_exits_1(
    stack: Stack, tmp_path: Path
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    config = write_config(tmp_path, closed, stack.am_urls)
    result = snapshot(tmp_path, config)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    prom = data["sources"]["prometheus"]
    assert prom["ok"] is False
    assert "refused" in prom["error"]  # the error in words
    assert data["sources"]["alertmanager"]["ok"] is True
    assert set(FIRING_ALERTS) <= {a["labels"]["alertname"] for a in data["alerts"]}
    assert data["latency"] == [] and data["sections"]["latency"]["stale"] is True
    assert data["health"]["score"] is None or 0 <= data["health"]["score"] <= 100
