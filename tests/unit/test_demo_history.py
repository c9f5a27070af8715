"""The demo's backfilled past: a coherent story, valid OpenMetrics that promtool accepts,
and a real Prometheus that then answers ALERTS and runbook counters for past times."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from oncall_tui.demo.history import History, backfill, make_history, openmetrics, seed_journal
from oncall_tui.demo.servers import Server, prometheus_config, start_prometheus

NOW = 1_790_000_000.0


def test_history_is_deterministic_and_coherent() -> None:
    h = make_history(NOW, days=7, seed=3)
    assert h == make_history(NOW, days=7, seed=3)
    assert h != make_history(NOW, days=7, seed=4)
    assert h.end < NOW and h.end - h.start == 7 * 86400
    assert len(h.incidents) >= 7  # about one or more a day
    assert all(h.start <= r.at < h.end for r in h.runs)
    for inc in h.incidents:
        # Each incident ends with a successful restart of its own backend.
        healed = [
            r
            for r in h.runs
            if r.runbook == f"restart-{inc.backend}" and r.ok and inc.start < r.at <= inc.end
        ]
        assert healed, inc
    # The stats have something to show: failures, and escalations for long incidents.
    assert 0 < sum(not r.ok for r in h.runs) < len(h.runs)
    long_ones = [i for i in h.incidents if i.escalated]
    assert sum(r.escalated for r in h.runs) == len(long_ones)


def test_openmetrics_text_is_small_and_well_formed() -> None:
    text = openmetrics(make_history(NOW, days=7, seed=1))
    assert text.endswith("# EOF\n")
    assert len(text) < 8_000_000  # "a few MB"
    families: list[str] = []
    last_ts: dict[str, float] = {}
    for line in text.splitlines()[:-1]:
        if line.startswith("# TYPE "):
            families.append(line.split()[2])
            continue
        series, value, ts = line.rsplit(" ", 2)
        float(value)
        assert float(ts) >= last_ts.get(series, 0.0), "samples of a series in time order"
        last_ts[series] = float(ts)
    assert len(families) == len(set(families)), "each family once, contiguous"
    assert {"ALERTS", "runbook_executions", "runbook_escalations"} <= set(families)


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[History, Server]]:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed")
    workdir = tmp_path_factory.mktemp("history")
    t0 = time.monotonic()
    h = backfill(workdir / "data", promtool, time.time(), days=2, seed=5)
    assert time.monotonic() - t0 < 30
    server = start_prometheus(
        workdir, prometheus_config([], interval="15s"), storage=workdir / "data"
    )
    yield h, server
    server.stop()


def query(server: Server, promql: str, at: float) -> list[dict[str, object]]:
    r = httpx.get(server.url + "/api/v1/query", params={"query": promql, "time": at}, timeout=10)
    r.raise_for_status()
    result: list[dict[str, object]] = r.json()["data"]["result"]
    return result


@pytest.mark.servers
def test_prometheus_answers_alerts_for_a_past_incident(
    backfilled: tuple[History, Server],
) -> None:
    h, server = backfilled
    inc = next(i for i in h.incidents if i.end - i.start > 600)
    middle = (inc.start + inc.end) / 2
    metrics = [s["metric"] for s in query(server, 'ALERTS{alertstate="firing"}', middle)]
    assert {
        "__name__": "ALERTS",
        "alertname": "BackendHighErrorRate",
        "alertstate": "firing",
        "backend": inc.backend,
        "service": inc.backend,
        "severity": "critical",
    } in metrics
    assert any(m.get("alertname") == "CircuitBreakerOpen" for m in metrics)
    # And nothing fires at a quiet time well before the first incident.
    first = min(i.start for i in h.incidents)
    if first - h.start > 900:
        assert query(server, "ALERTS", h.start + 300) == []


@pytest.mark.servers
def test_prometheus_answers_runbook_counters_for_the_past(
    backfilled: tuple[History, Server],
) -> None:
    h, server = backfilled
    result = query(server, "sum(increase(runbook_executions_total[1d]))", h.end)
    recent = sum(1 for r in h.runs if r.at > h.end - 86400)
    value = float(result[0]["value"][1])  # type: ignore[index]
    # increase() extrapolates at the window's edges; within a few runs of the truth.
    assert abs(value - recent) <= max(3.0, 0.1 * recent)


def test_seeded_journal_acks_each_incident_inactive_and_records_restarts(tmp_path: Path) -> None:
    from oncall_tui.journal import Journal
    from oncall_tui.model.fingerprint import fingerprint

    h = make_history(NOW, days=3, seed=2)
    seed_journal(tmp_path / "j.sqlite3", h)
    with Journal(tmp_path / "j.sqlite3") as journal:
        acks = journal.acks_by_fingerprint(0)
        acked = [i for i in h.incidents if i.start + 30 + i.acked_after_s < i.end]
        assert acked
        for inc in acked:
            crit, _ = inc.alert_labels()
            at = inc.start + 30 + inc.acked_after_s
            assert (at, inc.acked_by) in acks[fingerprint(crit)]
            assert inc.start < at < inc.end
        assert journal.acks.active_until_resolved() == []
        assert all(not a.active for fp in acks for a in journal.acks.of(fp))
        runs = journal.runs.since(0)
        assert runs and all(r.runbook.startswith("restart-") and r.ended_at for r in runs)
        counts = journal.local_run_counts(0)
        assert sum(n for n, _ in counts.values()) == len(runs)
