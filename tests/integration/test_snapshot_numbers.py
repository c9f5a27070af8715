"""The snapshot's numbers against what the real Prometheus itself answers.

The config names the exporter's metrics (none of them the defaults). Two views: the
`snapshot` command as a user runs it (quantiles within 5 % of Prometheus'
`histogram_quantile` at the snapshot's time), and the Poller at a fixed instant, where
the same expressions evaluated by Prometheus at that instant must agree exactly.
"""

from __future__ import annotations

import calendar
import json
import math
import time
from pathlib import Path
from typing import Any

import pytest

from integration import Stack, wait_until
from integration.exporter import (
    ALERT_CRITICAL,
    BREAKERS,
    FIRING_ALERTS,
    HISTOGRAM,
    RUNBOOK_CYCLE,
    RUNBOOK_ESCALATIONS,
    RUNBOOK_RUNS,
    SERVICES,
    TOTAL_ERROR_RATIO,
)
from integration.test_snapshot_cli import snapshot, write_config
from oncall_tui.config import load_config
from oncall_tui.model.snapshot import QUANTILES, Snapshot
from oncall_tui.poll import Poller

pytestmark = pytest.mark.servers

WINDOW = "15m"


def prom_at(stack: Stack, promql: str, at: float) -> list[dict[str, Any]]:
    """Prometheus' own answer to `promql` evaluated at `at`."""
    body = stack.http.get(
        stack.prom_url + "/api/v1/query", params={"query": promql, "time": f"{at:.3f}"}
    ).json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def prom_quantiles(stack: Stack, at: float, window: str) -> dict[str, dict[str, float]]:
    """service -> quantile name -> histogram_quantile as Prometheus computes it."""
    out: dict[str, dict[str, float]] = {}
    for name, q in QUANTILES:
        expr = f"histogram_quantile({q}, sum by (le, svc) (rate({HISTOGRAM}_bucket[{window}])))"
        for row in prom_at(stack, expr, at):
            out.setdefault(row["metric"]["svc"], {})[name] = float(row["value"][1])
    return out


def parse_rfc3339(text: str) -> float:
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))


def test_snapshot_command_quantiles_within_5_percent_of_prometheus(
    stack: Stack, tmp_path: Path
) -> None:
    config = write_config(tmp_path, stack.prom_url, stack.am_urls)
    # A window of many exporter cycles, so the second between our poll and the check
    # below cannot move the quantiles.
    text = config.read_text().replace('rate_window = "5s"', 'rate_window = "20s"')
    config.write_text(text)

    # Prometheus must have answers a second before any snapshot time (JSON times are
    # whole seconds).
    wait_until(
        lambda: len(prom_quantiles(stack, time.time() - 1.5, "20s")) == len(SERVICES),
        30,
        "rates in Prometheus",
    )

    def complete() -> dict[str, Any] | None:
        done = snapshot(tmp_path, config)
        assert done.returncode == 0, done.stderr
        data: dict[str, Any] = json.loads(done.stdout)
        have = {r["service"] for r in data["latency"] if r["quantiles"]["p50"] is not None}
        # Counts need two points of the counters' range (15 s apart in a 1 h window).
        counted = data["runbooks"]["success_rate"] is not None
        return data if have == set(SERVICES) and counted else None

    data = wait_until(complete, 45, "quantiles for every service and runbook counts")
    at = parse_rfc3339(data["taken_at"])
    theirs = prom_quantiles(stack, at, "20s")
    for row in data["latency"]:
        for name, _ in QUANTILES:
            ours = row["quantiles"][name]
            expected = theirs[row["service"]][name]
            assert ours == pytest.approx(expected, rel=0.05), (row["service"], name)

    breakers = {b["name"]: b for b in data["circuit_breakers"]}
    assert {n: b["state"] for n, b in breakers.items()} == {
        n: s.upper() for n, s in BREAKERS.items()
    }
    # Success rate: 3 of 4 restart-checkout runs succeed, every clear-cache run does.
    runs = {name: len(cycle) for name, cycle in RUNBOOK_CYCLE.items()}
    good = {name: sum(s == "success" for s, _ in cycle) for name, cycle in RUNBOOK_CYCLE.items()}
    assert data["runbooks"]["success_rate"] == pytest.approx(
        sum(good.values()) / sum(runs.values()), abs=0.02
    )
    top = {r["name"]: r for r in data["runbooks"]["top"]}
    assert top["restart-checkout"]["success_rate"] == pytest.approx(0.75, abs=0.02)
    assert top["clear-cache"]["success_rate"] == pytest.approx(1.0)
    firing = {a["labels"]["alertname"] for a in data["alerts"]}
    assert set(FIRING_ALERTS) <= firing
    critical = [i for i in data["incidents"] if i["alertname"] == ALERT_CRITICAL]
    assert critical and critical[0]["status"] == "firing"
    assert critical[0]["severity"] == "critical"


async def test_poller_at_a_fixed_instant_matches_prometheus_exactly(
    stack: Stack, tmp_path: Path
) -> None:
    path = write_config(tmp_path, stack.prom_url, stack.am_urls)
    config = load_config(str(path), {}, {})
    wait_until(lambda: prom_quantiles(stack, time.time() - 1, "5s"), 30, "rates")
    at = round(time.time() - 1.0, 3)  # a past instant: Prometheus has all its samples
    async with Poller(config, clock=lambda: at) as poller:
        snap: Snapshot = await poller.poll(15 * 60)

    theirs = prom_quantiles(stack, at, "5s")
    ours = {s.service: s.quantiles for s in snap.latency.services}
    assert set(ours) == set(SERVICES)
    for service, quantiles in ours.items():
        for name, _ in QUANTILES:
            value = quantiles[name]
            assert value is not None
            assert value == pytest.approx(theirs[service][name], rel=1e-9), (service, name)

    def scalar(expr: str) -> float:
        (row,) = prom_at(stack, expr, at)
        return float(row["value"][1])

    # Counts are the counters' growth between the window's first and last samples, as
    # Prometheus itself reads the counter at both ends (no extrapolation, as increase()
    # does): a short window that the exporter's series already cover.
    counts_window = 10.0
    counted = (RUNBOOK_RUNS, f'{RUNBOOK_RUNS}{{status="success"}}', RUNBOOK_ESCALATIONS)

    def window_end() -> float | None:
        # An end whose window has samples at both ends for every counter: a scrape that
        # timed out on a busy machine leaves a gap (stale series) Prometheus answers
        # nothing for, and the comparison would have nothing to compare.
        end = round(time.time() - 1.0, 3)
        both = (end - counts_window, end)
        return end if all(prom_at(stack, f"sum({e})", t) for e in counted for t in both) else None

    end = wait_until(window_end, 30, "a window with counter samples at both ends")
    start = end - counts_window
    async with Poller(config, clock=lambda: end) as poller:
        rb = (await poller.poll(counts_window)).runbooks

    def grown(expr: str) -> float:
        first, last = (prom_at(stack, f"sum({expr})", t)[0]["value"][1] for t in (start, end))
        return float(last) - float(first)

    assert rb.total == grown(RUNBOOK_RUNS) and rb.total == round(rb.total) > 0
    ok = grown(f'{RUNBOOK_RUNS}{{status="success"}}')
    assert rb.success_rate == pytest.approx(ok / rb.total)
    assert rb.escalations == grown(RUNBOOK_ESCALATIONS)
    assert snap.errors.value is not None
    assert snap.errors.value == pytest.approx(scalar(config.errors.query))
    assert math.isclose(snap.errors.value, TOTAL_ERROR_RATIO, abs_tol=0.03)
    states = {b.name: str(b.state) for b in snap.circuit_breakers.breakers}
    assert states == {n: s.upper() for n, s in BREAKERS.items()}
