"""SLOs, discovered SLOs and custom panels against a real Prometheus scraping an
exporter of exactly known rates (integration/slo_world.py), through the real Poller
and the real `snapshot` command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration import Stack, wait_until
from integration.slo_world import SLOTH_RULES, SloExporter
from integration.test_snapshot_cli import snapshot
from oncall_tui.config import load_config
from oncall_tui.demo import servers
from oncall_tui.demo.servers import Server
from oncall_tui.poll import Poller

pytestmark = pytest.mark.servers

CONFIG = """
[prometheus]
url = "{prom}"
timeout = "5s"

[alertmanager]
urls = {am}

[[slos]]
name = "orders availability"
objective = 0.99
errors = 'sum(rate(orders_failed_total[$window]))'
total = 'sum(rate(orders_total[$window]))'

[[slos]]
name = "orders latency"
objective = 0.99
period = "7d"
latency = {{ histogram = "orders_seconds", threshold = "300ms" }}

[[slos]]
name = "wrong bucket"
objective = 0.99
latency = {{ histogram = "orders_seconds", threshold = "250ms" }}

[[panels]]
title = "Cost per hour"
kind = "stat"
query = "sum(rate(llm_cost_usd_total[5s])) * 3600"
unit = "$"
thresholds = {{ warn = 20000, crit = 30000 }}

[[panels]]
title = "Errors by type"
kind = "bars"
query = "sum by (type) (rate(app_errors_total[5s]))"
label = "type"
top = 2

[[panels]]
title = "Per method"
kind = "table"

[[panels.columns]]
name = "calls/s"
query = "sum by (method) (rate(rpc_calls_total[5s]))"

[[panels.columns]]
name = "success"
query = '''1 - (sum by (method) (rate(rpc_failed_total[5s]))
  or sum by (method) (rate(rpc_calls_total[5s])) * 0)
  / sum by (method) (rate(rpc_calls_total[5s]))'''
unit = "ratio"
thresholds = {{ warn = 0.995, crit = 0.95, below = true }}

[[panels]]
title = "Cost by model"
kind = "chart"
query = "sum by (model) (rate(llm_cost_usd_total[5s]))"
unit = "$/s"

[[panels]]
title = "Broken"
kind = "stat"
query = "sum(rate(orders_total[5m]"
"""


@pytest.fixture(scope="module")
def world(servers_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    exporter = SloExporter()
    workdir = tmp_path_factory.mktemp("slo-world")
    config = servers.prometheus_config([exporter.target], rule_files=["sloth.yml"])
    prom = servers.start_prometheus(workdir, config, rules={"sloth.yml": SLOTH_RULES})
    try:
        # Six scrapes: the 5s rate windows are full (a young series reads low), and the
        # Sloth rules have run.
        query = prom.url + "/api/v1/query"
        import httpx

        def ready() -> bool:
            body = httpx.get(
                query, params={"query": "count_over_time(orders_total[10s]) >= 6"}
            ).json()
            rules = httpx.get(query, params={"query": "slo:sli_error:ratio_rate5m"}).json()
            return bool(body["data"]["result"]) and bool(rules["data"]["result"])

        wait_until(ready, 30, "six scrapes of the SLO exporter and Sloth's rules")
        yield prom
    finally:
        prom.stop()
        exporter.stop()


def config_file(tmp_path: Path, prom: Server, stack: Stack) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG.format(prom=prom.url, am=json.dumps(stack.am_urls[:1])))
    return path


async def test_slos_and_panels_through_the_poller(
    world: Server, stack: Stack, tmp_path: Path
) -> None:
    cfg = load_config(str(config_file(tmp_path, world, stack)), {})
    async with Poller(cfg) as poller:
        snap = await poller.poll(600.0)
    slos = {s.name: s for s in snap.slos.items}
    assert snap.slos.section.ok, snap.slos.section

    # 2 % errors at 99 %: burn 2 on every window, budget -100 %, ticket (3d and 6h >= 1).
    avail = slos["orders availability"]
    assert avail.error is None
    assert avail.error_ratio == pytest.approx(0.02, rel=1e-6)
    assert all(b == pytest.approx(2.0, rel=1e-6) for b in avail.burn_rates.values())
    assert avail.budget_remaining == pytest.approx(-1.0, rel=1e-5)
    assert (avail.alert, avail.met) == ("ticket", False)

    # 3 % over 300ms at 99 %: burn 3, so 1d and 2h reach 3 -> still ticket, budget -200 %.
    lat = slos["orders latency"]
    assert lat.burn_rates["1d"] == pytest.approx(3.0, rel=1e-6)
    assert lat.budget_remaining == pytest.approx(-2.0, rel=1e-5)
    assert lat.alert == "ticket"
    assert lat.period_s == 7 * 86400

    # 250ms is not a bucket bound: said so, not read as "no slow requests".
    wrong = slos["wrong bucket"]
    assert wrong.error and "no bucket at le=0.25" in wrong.error
    assert wrong.alert is None and wrong.met is None

    # Sloth's rules, evaluated by Prometheus: 3 % against a 98 % objective.
    sloth = slos["orders-latency"]
    assert sloth.source == "sloth"
    assert sloth.objective == pytest.approx(0.98)
    assert sloth.burn_rates["3d"] == pytest.approx(1.5, rel=1e-6)
    assert sloth.budget_remaining == pytest.approx(-0.5, rel=1e-5)
    assert (sloth.alert, sloth.met) == ("ticket", False)
    assert snap.slos.met_count == (0, 3)

    # Health counts the configured SLOs: two at ticket level, 10 points each.
    terms = {t.label: t.points for t in snap.health.terms}
    assert terms["SLO orders availability"] == -10
    assert terms["SLO orders latency"] == -10
    assert "SLO orders-latency" not in terms  # discovered ones do not move the score

    panels = {p.title: p for p in snap.panels.items}
    cost = panels["Cost per hour"]
    assert cost.ok and cost.values[0].value == pytest.approx(7.5 * 3600, rel=0.02)
    assert cost.values[0].level == "warn"
    bars = panels["Errors by type"]
    assert [v.name for v in bars.values] == ["timeout", "rate_limit"]  # top 2
    assert [v.value for v in bars.values] == [
        pytest.approx(30, rel=0.02),
        pytest.approx(10, rel=0.02),
    ]
    table = panels["Per method"]
    rows = {v.labels["method"]: v.cells for v in table.values}
    assert rows["GET"]["calls/s"] == pytest.approx(400.0, rel=0.02)
    assert rows["GET"]["success"] == pytest.approx(0.99, rel=1e-6)
    assert rows["POST"]["success"] == pytest.approx(1.0)
    assert {v.labels["method"]: v.levels["success"] for v in table.values} == {
        "GET": "warn",
        "POST": "ok",
    }
    chart = panels["Cost by model"]
    assert {v.name for v in chart.values} == {"model=gpt", "model=claude"}
    assert all(len(v.points) >= 2 for v in chart.values)

    broken = panels["Broken"]
    assert not broken.ok and broken.error and "parse error" in broken.error
    assert snap.panels.section.ok  # the others are untouched
    assert snap.sources["prometheus"].ok


def test_snapshot_json_and_text(world: Server, stack: Stack, tmp_path: Path) -> None:
    config = config_file(tmp_path, world, stack)
    done = snapshot(tmp_path, config)
    assert done.returncode == 0, done.stderr  # a broken panel query is not a down source
    data = json.loads(done.stdout)
    avail = next(s for s in data["slos"] if s["name"] == "orders availability")
    assert set(avail) >= {
        "name",
        "objective",
        "period_s",
        "error_ratio",
        "budget_remaining",
        "burn_rate",
        "alert",
        "met",
        "error",
    }
    assert set(avail["burn_rate"]) == {"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
    assert avail["burn_rate"]["1h"] == pytest.approx(2.0, rel=1e-6)
    assert (avail["alert"], avail["met"], avail["period_s"]) == ("ticket", False, 2592000.0)
    panels = {p["title"]: p for p in data["panels"]}
    assert set(panels["Cost per hour"]) >= {"title", "kind", "unit", "ok", "error", "values"}
    assert set(panels["Cost per hour"]["values"][0]) >= {"labels", "value"}
    assert "points" in panels["Cost by model"]["values"][0]
    assert panels["Broken"]["ok"] is False and "parse error" in panels["Broken"]["error"]

    text = snapshot(tmp_path, config, "text")
    assert text.returncode == 0, text.stderr
    out = text.stdout
    assert "SLOs  0 of 3 met" in out
    assert "orders availability" in out and "ticket" in out
    assert "Cost per hour" in out and "$2" in out
    assert "query failed: " in out and "parse error" in out
    assert "Runbook coverage" in out
