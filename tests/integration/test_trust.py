"""What a team can trust, against real servers: a colleague's silence is not an ack and
`u` does not expire it unasked; every series of a component counts; missing data is
unknown, never healthy; native histograms; no ALERTS history said in words.

The world (one module fixture): an Alertmanager; a Prometheus 2.42 started with
`--enable-feature=native-histograms` and no alert rules (so `ALERTS` has no series),
scraping four "fleet" targets of which one is dead, and a protobuf exporter of one
native histogram. Silences are made the ways a team makes them: `amtool silence add`
and the v2 API by a second author.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, start_http_server

from integration import wait_until
from integration.native_exporter import NATIVE, SERVICE, NativeExporter
from integration.test_snapshot_cli import snapshot
from oncall_tui.actions.silences import unack_choices
from oncall_tui.demo import servers
from oncall_tui.demo.servers import Server
from oncall_tui.model.alerts import parse_alerts, parse_silences

pytestmark = pytest.mark.servers


@dataclass
class World:
    prometheus: Server
    alertmanager: Server
    dead_target: str
    http: httpx.Client

    def query(self, promql: str, at: float | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"query": promql}
        if at is not None:
            params["time"] = at
        body = self.http.get(self.prometheus.url + "/api/v1/query", params=params).json()
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    try:
        servers.find_binary(servers.PROMETHEUS_NAMES, "ONCALL_TUI_PROMETHEUS_BIN")
        servers.find_binary(servers.ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN")
    except servers.MissingBinary as e:
        pytest.skip(f"real servers needed: {e}")
    workdir = tmp_path_factory.mktemp("trust")
    fleet = []
    for _ in range(3):
        port = servers.free_port()
        server, thread = start_http_server(port, addr="127.0.0.1", registry=CollectorRegistry())
        fleet.append((server, thread, f"127.0.0.1:{port}"))
    dead = f"127.0.0.1:{servers.free_port()}"
    native = NativeExporter()
    targets = ", ".join(f"'{t}'" for t in [*(f[2] for f in fleet), dead])
    config = (
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        f"  - job_name: fleet\n    static_configs:\n      - targets: [{targets}]\n"
        f"  - job_name: native\n    static_configs:\n      - targets: ['{native.target}']\n"
    )
    prom = servers.start_prometheus(
        workdir / "prom", config, extra_args=["--enable-feature=native-histograms"]
    )
    am = servers.start_alertmanager(workdir / "am")
    w = World(prom, am, dead, httpx.Client(timeout=5.0))
    try:
        wait_until(lambda: len(w.query('up{job="fleet"}')) == 4, 30, "four fleet targets")
        # The tests read rates over 5s windows ending at a snapshot's `taken_at` (whole
        # seconds): the series must be older than that, or rate() reads a partial window.
        wait_until(
            lambda: w.query(f"histogram_count({NATIVE} offset 6s)", at=time.time() - 1),
            30,
            "the native histogram to span a whole 5s window",
        )
        yield w
    finally:
        w.http.close()
        am.stop()
        prom.stop()
        native.stop()
        for server, thread, _ in fleet:
            server.shutdown()
            thread.join(timeout=5)


def write_config(tmp: Path, w: World, extra: str = "") -> Path:
    path = tmp / "config.toml"
    path.write_text(
        f"""
user = "alice@ops"

[prometheus]
url = "{w.prometheus.url}"
timeout = "3s"

[alertmanager]
urls = ["{w.alertmanager.url}"]
timeout = "3s"

[incidents]
lookback = "1h"
{extra}
"""
    )
    return path


def run_snapshot(tmp: Path, config: Path) -> dict[str, Any]:
    result = snapshot(tmp, config)
    assert result.returncode == 0, result.stderr + result.stdout[-2000:]
    data: dict[str, Any] = json.loads(result.stdout)
    return data


# -- acks and silences ---------------------------------------------------------------


def _post_alerts(w: World, alerts: list[dict[str, str]]) -> None:
    now = datetime.now(UTC).isoformat()
    body = [{"labels": labels, "startsAt": now} for labels in alerts]
    w.http.post(w.alertmanager.url + "/api/v2/alerts", json=body).raise_for_status()


def _api_silence(w: World, matchers: dict[str, str], by: str, comment: str) -> str:
    now = datetime.now(UTC)
    body = {
        "matchers": [
            {"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in matchers.items()
        ],
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
        "createdBy": by,
        "comment": comment,
    }
    reply = w.http.post(w.alertmanager.url + "/api/v2/silences", json=body)
    reply.raise_for_status()
    sid: str = reply.json()["silenceID"]
    return sid


def _amtool(w: World, *args: str) -> str:
    done = subprocess.run(
        ["amtool", f"--alertmanager.url={w.alertmanager.url}", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def team(world: World) -> dict[str, Any]:
    """8 ManyGroups1x alerts plus an Other; Bob's maintenance silence over the 8 (regex,
    amtool), Alice's ack of ManyGroups10 (API, "ACK!"), Carol's plain API silence of
    ManyGroups11 ("deploying", not an ack)."""
    tag = uuid.uuid4().hex[:8]
    many = [{"alertname": f"ManyGroups1{i}", "severity": "warning", "t": tag} for i in range(8)]
    other = {"alertname": "OtherAlert", "severity": "critical", "t": tag}
    _post_alerts(world, [*many, other])
    bob = _amtool(
        world,
        "silence",
        "add",
        "-a",
        "bob@ops",
        "-c",
        "maintenance CHG-123",
        'alertname=~"ManyGroups1[0-9]"',
        f"t={tag}",
    )
    alice = _api_silence(world, many[0], "alice@ops", "ACK! on it")
    carol = _api_silence(world, many[1], "carol@ops", "deploying")

    def muted() -> bool:
        raw = world.http.get(world.alertmanager.url + "/api/v2/alerts").json()
        by_name = {a["labels"]["alertname"]: a for a in raw if a["labels"].get("t") == tag}
        return len(by_name) == 9 and len(by_name["ManyGroups10"]["status"]["silencedBy"]) == 2

    wait_until(muted, 20, "the Alertmanager to apply the silences")
    return {"tag": tag, "bob": bob, "alice": alice, "carol": carol}


def test_a_colleagues_silence_is_not_an_ack(
    world: World, team: dict[str, Any], tmp_path: Path
) -> None:
    data = run_snapshot(tmp_path, write_config(tmp_path, world))
    mine = {
        a["labels"]["alertname"]: a for a in data["alerts"] if a["labels"].get("t") == team["tag"]
    }
    assert mine["ManyGroups10"]["acked"] is True
    assert mine["ManyGroups10"]["acked_by"] == "alice@ops"
    for name in ("ManyGroups11", "ManyGroups12", "ManyGroups17"):
        assert mine[name]["acked"] is False, name
        assert mine[name]["acked_by"] is None
        assert mine[name]["state"] == "silenced"
    assert mine["OtherAlert"]["state"] == "active" and not mine["OtherAlert"]["silenced_by"]
    bob = {
        "id": team["bob"],
        "created_by": "bob@ops",
        "comment": "maintenance CHG-123",
        "ack": False,
    }
    by = {s["id"]: s for s in mine["ManyGroups11"]["silenced_by"]}
    assert {k: by[team["bob"]][k] for k in bob} == bob
    assert by[team["carol"]]["ack"] is False and by[team["carol"]]["comment"] == "deploying"
    assert by[team["bob"]]["ends_at"].endswith("Z")
    assert {s["ack"] for s in mine["ManyGroups10"]["silenced_by"]} == {True, False}
    # The silences list: Bob's regex silence mutes his 8 alerts, no more.
    silences = {s["id"]: s for s in data["silences"]}
    assert silences[team["bob"]]["mutes"] == 8
    assert silences[team["bob"]]["matchers"] == (
        f'{{alertname=~"ManyGroups1[0-9]", t="{team["tag"]}"}}'
    )
    # TTA counts acks only: ManyGroups10 has one, the others none.
    incidents = {
        i["alertname"]: i for i in data["incidents"] if i["labels"].get("t") == team["tag"]
    }
    assert incidents["ManyGroups10"]["acked_by"] == "alice@ops"
    assert incidents["ManyGroups10"]["tta_s"] is not None
    assert all(incidents[f"ManyGroups1{i}"]["acked_by"] is None for i in range(1, 8)), (
        "a maintenance silence fed the TTA"
    )


def test_u_expires_at_once_only_this_alerts_ack(world: World, team: dict[str, Any]) -> None:
    silences = parse_silences(world.http.get(world.alertmanager.url + "/api/v2/silences").json())
    raw = world.http.get(world.alertmanager.url + "/api/v2/alerts").json()
    alerts = parse_alerts(raw, silences)
    by_name = {a.alertname: a for a in alerts if a.labels.get("t") == team["tag"]}
    choices = {c.silence.id: c for c in unack_choices(by_name["ManyGroups10"], alerts)}
    assert choices[team["alice"]].safe
    bob = choices[team["bob"]]
    assert not bob.safe and len(bob.mutes) == 8
    assert any("not an ack" in r for r in bob.reasons)
    assert any("not exact" in r for r in bob.reasons)
    eleven = {c.silence.id: c for c in unack_choices(by_name["ManyGroups11"], alerts)}
    assert set(eleven) == {team["bob"], team["carol"]}
    assert not eleven[team["carol"]].safe  # a plain API silence by Carol: not an ack


# -- every series counts; missing data is unknown --------------------------------------


def test_every_series_of_a_component_counts(world: World, tmp_path: Path) -> None:
    """avg_over_time(up[...]) over four targets, one dead: Prometheus answers 1, 1, 1, 0."""
    answer = sorted(float(s["value"][1]) for s in world.query('up{job="fleet"}'))
    assert answer == [0.0, 1.0, 1.0, 1.0]
    extra = "".join(
        f'[[health.components]]\nname = "fleet {r}"\nquery = \'up{{job="fleet"}}\'\n'
        f'reduce = "{r}"\n'
        for r in ("min", "avg", "max")
    )
    data = run_snapshot(tmp_path, write_config(tmp_path, world, extra))
    comps = {c["name"]: c for c in data["health"]["components"]}
    assert comps["fleet min"]["availability"] == 0.0
    assert comps["fleet avg"]["availability"] == 0.75
    assert comps["fleet max"]["availability"] == 1.0
    for c in comps.values():
        assert c["series"] == 4
        assert c["worst_labels"]["instance"] == world.dead_target
    explanation = data["health"]["terms"][0]["explanation"]
    assert "min of 4 series" in explanation and world.dead_target in explanation


def test_missing_data_is_unknown_never_healthy(world: World, tmp_path: Path) -> None:
    extra = """
[[health.components]]
name = "typo"
query = 'up{job="no-such-job"}'

[latency]
histogram = "no_such_histogram_seconds"
slo_p95 = "300ms"

[errors]
query = 'sum(rate(no_such_requests_total{code=~"5.."}[1m])) / sum(rate(no_such_requests_total[1m]))'
slo = 0.01
"""
    data = run_snapshot(tmp_path, write_config(tmp_path, world, extra))
    assert data["sections"]["latency"]["ok"] is False
    assert data["sections"]["latency"]["error"].startswith(
        "no series for no_such_histogram_seconds_bucket"
    )
    errors = data["sections"]["error_rate"]["error"]
    assert errors.startswith("no series for sum(rate(no_such_requests_total")
    (typo,) = data["health"]["components"]
    assert typo["availability"] is None and typo["error"] == 'no series for up{job="no-such-job"}'
    assert data["health"]["unknown"] == ["typo", "p95 latency", "error rate"]
    terms = {t["label"]: t["explanation"] for t in data["health"]["terms"]}
    assert terms["p95 latency SLO"].startswith("Unknown: no series for")
    assert terms["Error rate SLO"].startswith("Unknown: no series for")
    assert all(c["penalty"] == 0 for c in data["health"]["slo_checks"])
    text = snapshot(tmp_path, write_config(tmp_path, world, extra), fmt="text").stdout
    assert "partial: typo, p95 latency, error rate unknown" in text


def test_native_histogram_auto_and_native(world: World, tmp_path: Path) -> None:
    """auto: no `_bucket` series, so the native query path; the quantiles are
    Prometheus' own histogram_quantile over the native histogram."""
    for kind in ("auto", "native"):
        extra = f"""
[latency]
histogram = "{NATIVE}"
histogram_type = "{kind}"
group_by = "svc"
rate_window = "5s"
"""
        data = run_snapshot(tmp_path, write_config(tmp_path, world, extra))
        assert data["sections"]["latency"]["ok"] is True, data["sections"]["latency"]
        (row,) = data["latency"]
        assert row["service"] == SERVICE
        at = datetime.fromisoformat(data["taken_at"].replace("Z", "+00:00")).timestamp()
        rates = f"sum by (svc) (rate({NATIVE}[5s]))"
        for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
            (expected,) = world.query(f"histogram_quantile({q}, {rates})", at=at)
            got = row["quantiles"][name]
            # The snapshot polls a fraction of a second after `taken_at` is stamped.
            assert got == pytest.approx(float(expected["value"][1]), rel=0.05), name
        assert row["requests_per_s"] == pytest.approx(100.0, rel=0.15)
    classic = extra.replace(f'histogram_type = "{kind}"', 'histogram_type = "classic"')
    data = run_snapshot(tmp_path, write_config(tmp_path, world, classic))
    assert data["sections"]["latency"]["error"].startswith(f"no series for {NATIVE}_bucket")


def test_no_alerts_history_is_said_in_words(
    world: World, team: dict[str, Any], tmp_path: Path
) -> None:
    """The Alertmanager has the team's alerts, this Prometheus evaluates no rules."""
    assert world.query("ALERTS") == []
    data = run_snapshot(tmp_path, write_config(tmp_path, world))
    note = data["incident_stats"]["note"]
    assert note.startswith("no ALERTS series in the last 1h")
    assert "evaluated elsewhere" in note
    text = snapshot(tmp_path, write_config(tmp_path, world), fmt="text").stdout
    assert "no ALERTS series" in text
