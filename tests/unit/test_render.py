"""render: snapshot -> JSON keys PRODUCT.md promises, and literal, compact text."""

from __future__ import annotations

import io
import json
import math

import orjson
import pytest

from oncall_tui.model.snapshot import (
    Alert,
    Alerts,
    BreakerState,
    CircuitBreaker,
    CircuitBreakers,
    ComponentHealth,
    ErrorRate,
    Health,
    HealthTerm,
    Incident,
    Incidents,
    Latency,
    RunbookStat,
    RunbookStats,
    Section,
    ServiceLatency,
    SloCheck,
    Snapshot,
    SourceStatus,
)
from oncall_tui.render import make_console, snapshot_to_json, snapshot_to_text, to_json

NOW = 1_795_000_000.0  # 2026-11-18T11:06:40Z
EVIL = "[bold red]boom[/] \x1b[2J\x1b]0;pwned\x07"


def make_snapshot(*, prometheus_ok: bool = True, evil: str = "api") -> Snapshot:
    prom_section = Section(
        "prometheus",
        ok=prometheus_ok,
        error=None if prometheus_ok else "connection refused",
        fetched_at=NOW - (0 if prometheus_ok else 120),
    )
    quantiles = {"p50": 0.012, "p75": 0.02, "p95": 0.41, "p99": math.nan, "max": math.inf}
    return Snapshot(
        taken_at=NOW,
        window_s=3600.0,
        poll_duration_s=0.123,
        health=Health(
            score=81.5,
            components=(
                ComponentHealth("API Gateway", 0.992),
                ComponentHealth(evil, None, error="no data"),
            ),
            slo_checks=(
                SloCheck("p95 latency", 0.41, 0.3, "s", False, 12.3),
                SloCheck("error rate", 0.004, 0.01, "ratio", True, 0.0),
            ),
            alert_penalty=6.2,
            terms=(HealthTerm("components", 99.2, "mean availability"),),
            section=prom_section,
        ),
        latency=Latency(
            services=(
                ServiceLatency(evil, quantiles, {"p95": ((NOW, 0.41),)}, requests_per_s=12.5),
            ),
            slo_p95=0.3,
            section=prom_section,
        ),
        errors=ErrorRate(value=0.004, slo=0.01, section=prom_section),
        circuit_breakers=CircuitBreakers(
            breakers=(
                CircuitBreaker("payments", BreakerState.OPEN, 42.0, 63.5, NOW - 90),
                CircuitBreaker(evil, BreakerState.CLOSED, 0.0, None, None),
            ),
            section=prom_section,
        ),
        runbooks=RunbookStats(
            total=12.0,
            success_rate=0.75,
            avg_duration_s=8.5,
            escalations=2.0,
            top=(RunbookStat("restart-api", 8.0, 0.875, 4.0, 1.0, 3),),
            section=prom_section,
        ),
        incidents=Incidents(
            items=(
                Incident(
                    "HighLatency",
                    "critical",
                    "firing",
                    NOW - 600,
                    None,
                    acked_at=NOW - 500,
                    acked_by="alice@host",
                ),
                Incident(evil, "warning", "resolved", NOW - 7200, NOW - 3600),
            ),
            mtta_s=100.0,
            mttr_s=3600.0,
            section=prom_section,
        ),
        alerts=Alerts(
            items=(
                Alert(
                    "f1",
                    {"alertname": "HighLatency", "severity": "critical", "service": evil},
                    {"summary": evil},
                    "active",
                    NOW - 600,
                ),
                Alert(
                    "f2",
                    {"alertname": "Disk", "severity": "warning"},
                    {},
                    "suppressed",
                    NOW - 60,
                    silenced_by=("s1",),
                    acked_by="bob@host",
                ),
                Alert(
                    "f3", {"alertname": "Child"}, {}, "suppressed", NOW - 30, inhibited_by=("f1",)
                ),
            ),
            section=Section("alertmanager", fetched_at=NOW),
        ),
        sources={
            "prometheus": SourceStatus(
                "prometheus",
                ok=prometheus_ok,
                error=None if prometheus_ok else "connection refused",
                latency_s=0.004,
                checked_at=NOW,
                url="http://127.0.0.1:9090",
            ),
            "alertmanager": SourceStatus(
                "alertmanager",
                ok=True,
                latency_s=0.002,
                checked_at=NOW,
                url="http://127.0.0.1:9093",
            ),
        },
    )


def test_json_has_every_promised_key() -> None:
    data = snapshot_to_json(make_snapshot())
    assert 0 <= data["health"]["score"] <= 100
    assert data["health"]["components"][0] == {
        "name": "API Gateway",
        "availability": 0.992,
        "error": None,
        "reduce": "min",
        "series": 0,
        "worst_labels": {},
        "worst": None,
    }
    assert data["health"]["unknown"] == []
    lat = data["latency"][0]
    assert lat["service"] == "api"
    assert set(lat["quantiles"]) == {"p50", "p75", "p95", "p99", "max"}
    assert lat["quantiles"]["p95"] == 0.41
    breaker = data["circuit_breakers"][0]
    assert {k: breaker[k] for k in ("name", "state", "failures", "failure_rate")} == {
        "name": "payments",
        "state": "OPEN",
        "failures": 42.0,
        "failure_rate": 63.5,
    }
    rb = data["runbooks"]
    assert (rb["total"], rb["success_rate"], rb["avg_duration_s"], rb["escalations"]) == (
        12.0,
        0.75,
        8.5,
        2.0,
    )
    assert rb["top"][0]["name"] == "restart-api" and rb["top"][0]["runs"] == 8.0
    assert {"name", "runs", "success_rate"} <= set(rb["top"][0])
    inc = data["incidents"][0]
    assert inc["alertname"] == "HighLatency" and inc["severity"] == "critical"
    assert inc["status"] == "firing" and inc["resolved_at"] is None
    assert inc["started_at"] == "2026-11-18T10:56:40Z"
    assert data["incidents"][1]["resolved_at"] == "2026-11-18T10:06:40Z"
    assert inc["acked_by"] == "alice@host" and inc["tta_s"] == 100.0
    alerts = data["alerts"]
    assert [a["state"] for a in alerts] == ["active", "silenced", "inhibited"]
    assert [a["acked"] for a in alerts] == [False, True, False]
    assert {"fingerprint", "labels", "state", "acked"} <= set(alerts[0])
    for name in ("prometheus", "alertmanager"):
        assert data["sources"][name]["ok"] is True and data["sources"][name]["error"] is None
    assert data["incident_stats"]["mtta_s"] == 100.0
    assert data["taken_at"] == "2026-11-18T11:06:40Z"


def test_nan_and_inf_become_null_and_dump_as_strict_json() -> None:
    data = snapshot_to_json(make_snapshot())
    q = data["latency"][0]["quantiles"]
    assert q["p99"] is None and q["max"] is None
    assert data["health"]["components"][1]["availability"] is None
    dumped = orjson.dumps(data, option=orjson.OPT_INDENT_2)

    # The stdlib parser refuses NaN/Infinity only when asked to: make it.
    def refuse(name: str) -> float:
        raise AssertionError(f"{name} in JSON output")

    json.loads(dumped, parse_constant=refuse)


def test_down_source_and_stale_sections() -> None:
    data = to_json(make_snapshot(prometheus_ok=False))
    prom = data["sources"]["prometheus"]
    assert (prom["ok"], prom["error"]) == (False, "connection refused")
    assert data["sections"]["latency"]["stale"] is True
    assert data["sections"]["latency"]["age_s"] == 120.0
    assert data["sections"]["alerts"]["stale"] is False
    assert data["latency"][0]["quantiles"]["p95"] == 0.41  # last good data still shown


def test_outside_text_stays_verbatim_in_json() -> None:
    data = snapshot_to_json(make_snapshot(evil=EVIL))
    assert data["latency"][0]["service"] == EVIL
    assert b"\\u001b" in orjson.dumps(data)  # escaped by JSON, never raw
    assert b"\x1b" not in orjson.dumps(data)


def render(snap: Snapshot, width: int = 120, max_rows: int = 20) -> str:
    console = make_console(io.StringIO(), width=width)
    console.record = True
    console.print(snapshot_to_text(snap, max_rows=max_rows), crop=False)
    return console.export_text()


def test_text_shows_every_section() -> None:
    out = render(make_snapshot())
    for expected in (
        "oncall-tui snapshot",
        "2026-11-18 11:06 UTC",
        "window 1h",
        "Health",
        "82 %",
        "API Gateway",
        "99.2 %",
        "p95 latency",
        "410ms",
        "-12.3",
        "alert penalty",
        "-6.2",
        "Latency",
        "p95 target 300 ms",
        "410",
        "12.5",
        "Error rate",
        "0.40 %",
        "target ≤ 1.00 %",
        "Circuit breakers",
        "payments",
        "OPEN",
        "63.5 %",
        "1m 30s",
        "Runbooks",
        "12 runs",
        "75.0 % ok",
        "restart-api",
        "87.5 %",
        "Incidents",
        "MTTA 1m 40s",
        "MTTR 1h",
        "alice@host",
        "firing",
        "Alerts",
        "3: 1 active, 1 silenced, 1 inhibited",
        "HighLatency",
        "bob@host",
        "Sources",
        "prometheus",
        "http://127.0.0.1:9093",
    ):
        assert expected in out, expected


def test_markup_and_escapes_in_labels_stay_literal() -> None:
    out = render(make_snapshot(evil=EVIL), width=200)
    assert "[bold red]boom[/]" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "pwned" not in out  # the OSC payload is dropped with its sequence


def test_no_colour_without_a_tty_and_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.StringIO()
    make_console(buf, width=120).print(snapshot_to_text(make_snapshot()))
    assert "\x1b" not in buf.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    buf = io.StringIO()
    console = make_console(buf, width=120)
    console.print(snapshot_to_text(make_snapshot()))
    assert "\x1b[3" not in buf.getvalue() and "\x1b[9" not in buf.getvalue()


def test_stale_sections_say_so_in_text() -> None:
    out = render(make_snapshot(prometheus_ok=False))
    assert "stale, fetched 2m ago: connection refused" in out
    assert "DOWN" in out


def test_long_lists_are_cut() -> None:
    snap = make_snapshot()
    many = tuple(Alert(f"f{i}", {"alertname": f"A{i}"}, {}, "active", NOW - i) for i in range(30))
    from dataclasses import replace

    out = render(replace(snap, alerts=Alerts(items=many)), max_rows=5)
    assert "A4" in out and "A5 " not in out
    assert "… 25 more" in out


def test_fits_80_columns() -> None:
    out = render(make_snapshot(), width=80)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_json_output_does_not_load_rich() -> None:
    import subprocess
    import sys

    code = "import sys, oncall_tui.render; print('rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_text_never_breaks_a_word_or_a_url() -> None:
    from dataclasses import replace

    url = "https://runbooks.example.com/backends/search/high-error-rate-with-a-long-path"
    alert = Alert(
        "f9",
        {
            "alertname": "BackendHighErrorRate",
            "severity": "critical",
            "instance": "demo-service.internal.example.com:8080",
            "runbook_url": url,
        },
        {"summary": "search fails 80 % of requests " * 4},
        "active",
        NOW - 456,
        acked_by="root@vm",
        acked_until=NOW + 3590,
    )
    snap = make_snapshot()
    out = render(replace(snap, alerts=Alerts(items=(alert,))), width=60)
    lines = out.splitlines()
    assert any(
        "BackendHighErrorRate" in line and "root@vm (59m 50s left)" in line for line in lines
    )
    assert any(f"runbook_url={url}" in line for line in lines)  # whole, on one line
    assert any("instance=demo-service.internal.example.com:8080" in line for line in lines)
    summary = [line.strip() for line in lines if "requests" in line]
    assert len(summary) > 1 and all(len(line) <= 56 for line in summary)  # wrapped at spaces
    assert " ".join(summary).split() == ("search fails 80 % of requests " * 4).split()


def test_breaker_since_and_the_last_rate_below_min_calls() -> None:
    from dataclasses import replace

    snap = make_snapshot()
    open_b = CircuitBreaker(
        "search", BreakerState.OPEN, 7.0, 80.0, NOW - 20, since=NOW - 456,
        rate_below_min_calls=True,
    )  # fmt: skip
    steady = CircuitBreaker("inventory", BreakerState.CLOSED, 0.0, 0.0, None, since_over_s=3600.0)
    out = render(replace(snap, circuit_breakers=CircuitBreakers(breakers=(open_b, steady))))
    assert "80.0 % below min calls" in out
    assert "7m 36s" in out and "> 1h" in out


def test_max_is_labelled_as_a_bucket_bound() -> None:
    from dataclasses import replace

    snap = make_snapshot()
    q = {"p50": 0.1, "p75": 0.2, "p95": 0.4, "p99": 0.9, "max": 2.5}
    svc = (
        ServiceLatency("api", q, {}, 3.0),
        ServiceLatency("web", {**q, "max": 5.0}, {}, 3.0, max_unbounded=True),
    )
    out = render(replace(snap, latency=Latency(services=svc, slo_p95=0.3)))
    assert "≤2500" in out and ">5000" in out
