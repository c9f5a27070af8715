"""The incident record against a real Prometheus + Alertmanager whose alert the test
fires and resolves (a gauge it sets): rows survive deleting ALERTS, a flap within the
grace period is one incident, TTA / TTR are the known times across polls and restarts,
export parses back, the report's numbers are the incidents', and `snapshot` agrees."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, Gauge, start_http_server

from integration import wait_until
from oncall_tui.config import load_config
from oncall_tui.config_types import Config
from oncall_tui.demo import servers
from oncall_tui.demo.servers import Server, free_port
from oncall_tui.durations import format_duration
from oncall_tui.journal import Journal
from oncall_tui.model.alerts import parse_time
from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.snapshot import Incident, Snapshot
from oncall_tui.poll import Poller
from oncall_tui.render.json_out import rfc3339
from oncall_tui.ui.app import make_app
from waiting import until

pytestmark = pytest.mark.servers

ALERT = "H13Toggle"
RULES = f"""\
groups:
  - name: toggle
    interval: 1s
    rules:
      - alert: {ALERT}
        expr: h13_toggle == 1
        labels:
          severity: critical
"""


@dataclass
class World:
    prometheus: Server
    alertmanager: Server
    gauge: Gauge
    stop_exporter: object
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=5.0))

    def set(self, name: str, value: int) -> None:
        self.gauge.labels(name=name).set(value)

    def am_alerts(self, name: str) -> list[dict[str, object]]:
        alerts = self.http.get(self.alertmanager.url + "/api/v2/alerts").json()
        return [a for a in alerts if a["labels"].get("name") == name]

    def fire(self, name: str) -> None:
        self.set(name, 1)
        wait_until(lambda: self.am_alerts(name), 20, f"{name} firing in Alertmanager")

    def resolve(self, name: str) -> None:
        self.set(name, 0)
        wait_until(lambda: not self.am_alerts(name), 20, f"{name} gone from Alertmanager")

    def alerts_series(self, name: str) -> list[object]:
        r = self.http.get(
            self.prometheus.url + "/api/v1/query",
            params={"query": f'max_over_time(ALERTS{{name="{name}"}}[1h])'},
        ).json()
        return list(r["data"]["result"])

    def delete_alerts(self, name: str) -> None:
        r = self.http.post(
            self.prometheus.url + "/api/v1/admin/tsdb/delete_series",
            params={"match[]": f'ALERTS{{name="{name}"}}'},
        )
        assert r.status_code == 204, r.text


@pytest.fixture(scope="module")
def world(servers_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    registry = CollectorRegistry()
    gauge = Gauge("h13_toggle", "1 = the test alert fires", ["name"], registry=registry)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    workdir = tmp_path_factory.mktemp("h13")
    am = servers.start_alertmanager(workdir / "am")
    try:
        config = servers.prometheus_config(
            [f"127.0.0.1:{port}"],
            alertmanagers=[am.url.removeprefix("http://")],
            rule_files=["rules.yml"],
        )
        prom = servers.start_prometheus(workdir / "prom", config, rules={"rules.yml": RULES})
    except BaseException:
        am.stop()
        server.shutdown()
        raise
    w = World(prom, am, gauge, server)
    try:
        wait_until(
            lambda: (
                w.http.get(prom.url + "/api/v1/query", params={"query": "h13_toggle"}).json()[
                    "data"
                ]["result"]
                or (w.set("warmup", 0) or None)
            ),
            30,
            "Prometheus to scrape the toggle",
        )
        yield w
    finally:
        w.http.close()
        prom.stop()
        am.stop()
        server.shutdown()
        thread.join(5)


def make_config(world: World, journal: Path, tmp_path: Path) -> tuple[Config, Path]:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
refresh = "1s"
user = "tester"
journal = "{journal}"
[prometheus]
url = "{world.prometheus.url}"
[alertmanager]
urls = ["{world.alertmanager.url}"]
[incidents]
lookback = "1h"
refresh = "1s"
grace = "10s"
"""
    )
    return load_config(path, {}, {}), path


class Clock:
    """time.time, remembering each poll's `now`."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self) -> float:
        self.times.append(time.time())
        return self.times[-1]


def poll(config: Config, journal: Journal, clock: Clock | None = None) -> Snapshot:
    async def once() -> Snapshot:
        async with Poller(config, journal=journal, clock=clock or time.time) as p:
            return await p.poll()

    return asyncio.run(once())


def named(snap: Snapshot, name: str) -> list[Incident]:
    return [i for i in snap.incidents.items if i.labels.get("name") == name]


def test_the_record_is_exact_survives_alerts_deletion_and_restarts(
    world: World, tmp_path: Path
) -> None:
    jpath = tmp_path / "journal.sqlite3"
    config, _ = make_config(world, jpath, tmp_path)
    clock = Clock()
    with Journal(jpath) as journal:
        world.fire("exact")
        (am_alert,) = world.am_alerts("exact")
        started = parse_time(str(am_alert["startsAt"]))
        (inc,) = named(poll(config, journal, clock), "exact")
        assert (inc.status, inc.started_at, inc.seen) == ("firing", started, "live")
        ack_at = time.time()
        fp = fingerprint(dict(am_alert["labels"]))  # type: ignore[arg-type]
        journal.acks.record(fp, "sid-exact", "alice", ack_at, None, False, {})
        poll(config, journal, clock)
        last_seen = clock.times[-1]
        world.resolve("exact")
        (inc,) = named(poll(config, journal, clock), "exact")
        assert inc.status == "resolved"
        assert inc.tta_s == pytest.approx(ack_at - started, abs=1e-6)
        assert inc.ttr_s == pytest.approx(last_seen - started, abs=1e-6)
        assert inc.acked_by == "alice"
        # Prometheus forgets: the record does not.
        world.delete_alerts("exact")
        wait_until(lambda: not world.alerts_series("exact"), 10, "ALERTS deleted")
        for _ in range(2):
            (again,) = named(poll(config, journal), "exact")
            assert again == inc
    with Journal(jpath) as journal:  # a restart: same file, new process state
        (again,) = named(poll(config, journal), "exact")
        assert again == inc


def test_a_flap_within_grace_is_one_incident_later_a_new_one(world: World, tmp_path: Path) -> None:
    jpath = tmp_path / "journal.sqlite3"
    config, _ = make_config(world, jpath, tmp_path)
    with Journal(jpath) as journal:
        world.fire("flap")
        poll(config, journal)
        world.resolve("flap")
        (first,) = named(poll(config, journal), "flap")
        assert first.status == "resolved"
        world.fire("flap")  # seconds later: within the 10 s grace
        (same,) = named(poll(config, journal), "flap")
        assert (same.status, same.started_at, same.id) == ("firing", first.started_at, first.id)
        world.resolve("flap")
        (done,) = named(poll(config, journal), "flap")
        assert done.resolved_at is not None
        # Past the grace period, a new incident.
        wait_until(lambda: time.time() > done.resolved_at + 11, 30, "the grace to pass")  # type: ignore[operator]
        world.fire("flap")
        newer, older = named(poll(config, journal), "flap")
        assert older == done
        assert newer.status == "firing" and newer.id != done.id
        world.resolve("flap")


def test_history_fills_the_gap_and_exports_and_report_agree(world: World, tmp_path: Path) -> None:
    jpath = tmp_path / "journal.sqlite3"
    config, config_path = make_config(world, jpath, tmp_path)
    step = 15.0  # incidents_step of the 1h lookback: history ends on a multiple of it
    with Journal(jpath) as journal:
        poll(config, journal)  # recording begins
        world.fire("gap")  # fires and resolves while no copy polls
        world.resolve("gap")
        gone = time.time()
        wait_until(lambda: time.time() // step * step > gone + 1, 20, "a history boundary")
        world.fire("live")
        (live_alert,) = world.am_alerts("live")
        labels = dict(live_alert["labels"])  # type: ignore[call-overload]
        journal.acks.record(fingerprint(labels), "sid-live", "bob", time.time(), None, False, {})
        snap = poll(config, journal)
    (gap,) = named(snap, "gap")
    assert (gap.seen, gap.status) == ("history", "resolved")
    (live,) = named(snap, "live")
    assert (live.seen, live.acked_by) == ("live", "bob")
    env = {**os.environ, "ONCALL_TUI_CONFIG": str(config_path)}

    def cli(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "oncall_tui", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert out.returncode in (0, 1), out.stderr
        return out.stdout

    period = ("--since", "1h", "--offline")
    exported = json.loads(cli("incidents", "export", *period, "--format", "json"))
    rows = list(csv.DictReader(io.StringIO(cli("incidents", "export", *period))))
    by_id = {i["id"]: i for i in exported["incidents"]}
    assert {int(r["id"]) for r in rows} == set(by_id) and len(rows) == exported["count"] >= 2
    for r in rows:
        j = by_id[int(r["id"])]
        assert (r["alertname"], r["status"], r["seen"]) == (j["alertname"], j["status"], j["seen"])
        assert (r["started_at"], r["acked_by"] or None) == (j["started_at"], j["acked_by"])
        for key in ("tta_s", "ttr_s"):  # CSV: milliseconds
            assert (float(r[key]) if r[key] else None) == pytest.approx(j[key], abs=1e-3)
        assert json.loads(r["labels"]) == j["labels"]
    seen = {i["labels"]["name"]: i["seen"] for i in exported["incidents"]}
    assert (seen["gap"], seen["live"]) == ("history", "live")
    # `snapshot` polls again and shows the same rows.
    snapshot = json.loads(cli("snapshot", "--format", "json"))
    snap_by_id = {i["id"]: i for i in snapshot["incidents"]}
    for i in exported["incidents"]:
        s = snap_by_id[i["id"]]
        assert (s["started_at"], s["acked_at"], s["tta_s"]) == (
            i["started_at"],
            i["acked_at"],
            i["tta_s"],
        )
        if i["status"] == "resolved":
            assert (s["resolved_at"], s["ttr_s"]) == (i["resolved_at"], i["ttr_s"])
    # The report's numbers are the export's.
    report = cli("report", *period)
    items = exported["incidents"]
    firing = sum(1 for i in items if i["status"] == "firing")
    acked = sum(1 for i in items if i["tta_s"] is not None)
    resolved = sum(1 for i in items if i["ttr_s"] is not None)
    assert f"- Incidents: {exported['count']} ({firing} still firing)" in report
    assert f"- MTTA: {format_duration(exported['mtta_s'])} over {acked} acked" in report
    assert f"- MTTR: {format_duration(exported['mttr_s'])} over {resolved} resolved" in report
    assert "| bob | 1 |" in report
    world.resolve("live")


async def test_record_keeps_the_journal_and_the_tui_shows_what_snapshot_says(
    world: World, tmp_path: Path
) -> None:
    jpath = tmp_path / "journal.sqlite3"
    config, config_path = make_config(world, jpath, tmp_path)
    recorder = subprocess.Popen(
        [sys.executable, "-m", "oncall_tui", "record", "--config", str(config_path)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def row(ended: bool) -> bool:
            if not jpath.exists():
                return False
            db = sqlite3.connect(jpath)
            try:
                found = db.execute(
                    'SELECT ended_at FROM incidents WHERE labels LIKE \'%"name": "rec"%\''
                ).fetchall()
            except sqlite3.OperationalError:  # not migrated yet
                return False
            finally:
                db.close()
            return bool(found) and (found[0][0] is not None) == ended

        world.fire("rec")
        wait_until(lambda: row(ended=False), 20, "the recorder to open the incident")
        world.resolve("rec")
        wait_until(lambda: row(ended=True), 20, "the recorder to resolve it")
    finally:
        recorder.send_signal(signal.SIGTERM)
        _, log = recorder.communicate(timeout=20)
    assert recorder.returncode == 0, log
    assert "firing: H13Toggle (critical)" in log and "resolved: H13Toggle (critical)" in log
    # The TUI's incidents screen shows the numbers `snapshot` prints.
    with Journal(jpath) as journal:
        app = make_app(config, Poller(config, journal=journal))
        app.owns_poller = True
        async with app.run_test(size=(160, 40)) as pilot:
            await until(lambda: app.view is not None, pilot, 20, "the first poll")
            await pilot.press("I")
            await until(
                lambda: type(app.screen).__name__ == "IncidentsScreen",
                pilot,
                10,
                "the incidents screen",
            )
            # The page lists rows once the full poll's record is read and the table is
            # laid out; the first poll's early view has no record yet.
            await until(
                lambda: any(
                    i.labels.get("name") == "rec"
                    for i in app.screen.shown  # type: ignore[attr-defined]
                ),
                pilot,
                20,
                "the incidents screen to list the recorded incident",
            )
            shown = app.screen.shown  # type: ignore[attr-defined]
            # `snapshot` after the TUI's poll, which journals what it sees: the other way
            # round, a history step ending between the two (slow on a busy machine) gave
            # the TUI an incident the earlier `snapshot` could not have printed.
            out = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "oncall_tui", "snapshot", "--config", str(config_path)],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            printed = {i["id"]: i for i in json.loads(out.stdout)["incidents"]}
            rec = [i for i in shown if i.labels.get("name") == "rec"]
            assert len(rec) == 1 and rec[0].id in printed and rec[0].seen == "live"
            # Compared: the incidents a copy journaled live. Those read from Prometheus'
            # history (other tests' alerts, in 15 s steps) may still be settling between
            # the two reads: under load a just-ended one read ttr 0 s, then 15 s.
            for i in (i for i in shown if i.seen == "live"):
                p = printed[i.id]
                assert (p["tta_s"], p["started_at"], p["seen"]) == (
                    i.tta_s,
                    rfc3339(i.started_at),
                    i.seen,
                )
                if i.status == "resolved":
                    assert p["ttr_s"] == i.ttr_s
