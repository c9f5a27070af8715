"""Runbook stats from Prometheus counters merged with the journal's own runs."""

from __future__ import annotations

import math

import pytest

from oncall_tui.config_types import RunbookStatsConfig
from oncall_tui.model.runbook_stats import runbook_stats
from oncall_tui.model.series import Sample

CFG = RunbookStatsConfig(top=3)


def ex(runbook: str, status: str, n: float) -> Sample:
    return Sample({"runbook": runbook, "status": status}, n)


def per(runbook: str | None, n: float) -> Sample:
    return Sample({} if runbook is None else {"runbook": runbook}, n)


EXECUTIONS = [
    ex("restart", "success", 8.0),
    ex("restart", "FAILED", 2.0),
    ex("flush", "OK", 1.5),  # increases are fractional; kept as floats
    ex("flush", "error", 1.5),
    ex("rotate", "succeeded", 4.0),
    ex("scale", "failure", 4.0),
    ex("bad", "success", math.nan),  # NaN: ignored
    Sample({"status": "success"}, 100.0),  # no runbook label: ignored
]


def test_totals_rates_and_top() -> None:
    stats = runbook_stats(
        EXECUTIONS,
        duration_sum=[per("restart", 30.0), per("flush", 6.0)],
        duration_count=[per("restart", 10.0), per("flush", 3.0)],
        escalations=[per("restart", 1.0), per(None, 2.0)],
        cfg=CFG,
    )
    assert stats.total == 21.0
    assert stats.success_rate == pytest.approx((8 + 1.5 + 4) / 21)
    assert stats.avg_duration_s == pytest.approx(36 / 13)
    assert stats.escalations == 3.0
    assert [(r.name, r.runs) for r in stats.top] == [
        ("restart", 10.0),
        ("rotate", 4.0),
        ("scale", 4.0),
    ]
    restart = stats.top[0]
    assert restart.success_rate == 0.8
    assert restart.avg_duration_s == 3.0
    assert restart.escalations == 1.0
    assert restart.local_runs == 0
    assert stats.top[2].success_rate == 0.0
    assert stats.top[1].avg_duration_s is None


def test_empty_inputs() -> None:
    stats = runbook_stats([], [], [], [], CFG)
    assert (stats.total, stats.success_rate, stats.avg_duration_s, stats.escalations) == (
        0.0,
        None,
        None,
        0.0,
    )
    assert stats.top == ()


def test_zero_increase_gives_none_rates() -> None:
    stats = runbook_stats(
        [ex("idle", "success", 0.0)], [per("idle", 0.0)], [per("idle", 0.0)], [], CFG
    )
    assert stats.total == 0.0 and stats.success_rate is None and stats.avg_duration_s is None
    (idle,) = stats.top
    assert (idle.runs, idle.success_rate, idle.avg_duration_s) == (0.0, None, None)


def test_merge_keeps_prometheus_numbers_and_adds_unknown_runbooks() -> None:
    local = {"restart": (3, 1), "manual-fix": (2, 1), "never": (0, 0)}
    stats = runbook_stats(EXECUTIONS, [], [], [], RunbookStatsConfig(top=10), local_runs=local)
    by_name = {r.name: r for r in stats.top}
    # Prometheus already counts "restart" (our 3 runs included): its numbers stay.
    assert (by_name["restart"].runs, by_name["restart"].success_rate) == (10.0, 0.8)
    assert by_name["restart"].local_runs == 3
    # Prometheus does not know "manual-fix": taken from the journal.
    assert (by_name["manual-fix"].runs, by_name["manual-fix"].success_rate) == (2.0, 0.5)
    assert by_name["manual-fix"].local_runs == 2
    assert "never" not in by_name
    assert stats.total == 23.0
    assert stats.success_rate == pytest.approx((13.5 + 1) / 23)


def test_success_values_are_configurable_and_case_insensitive() -> None:
    cfg = RunbookStatsConfig(success_values=("Done",), runbook_label="rb", status_label="st")
    stats = runbook_stats(
        [Sample({"rb": "a", "st": "DONE"}, 1.0), Sample({"rb": "a", "st": "success"}, 1.0)],
        [],
        [],
        [],
        cfg,
    )
    assert stats.success_rate == 0.5


def test_top_ties_broken_by_name_and_top_zero() -> None:
    execs = [ex(n, "success", 1.0) for n in ("c", "a", "b")]
    assert [r.name for r in runbook_stats(execs, [], [], [], CFG).top] == ["a", "b", "c"]
    assert runbook_stats(execs, [], [], [], RunbookStatsConfig(top=0)).top == ()


def test_negative_and_infinite_values_are_ignored() -> None:
    stats = runbook_stats(
        [ex("a", "success", -5.0), ex("a", "success", math.inf), ex("a", "success", 2.0)],
        [per("a", math.inf)],
        [per("a", 1.0)],
        [per("a", -1.0)],
        CFG,
    )
    assert stats.total == 2.0
    assert stats.avg_duration_s == 0.0
    assert stats.escalations == 0.0


def test_10000_series() -> None:
    execs = [ex(f"rb-{i}", "success" if i % 2 else "failed", float(i % 5)) for i in range(10_000)]
    stats = runbook_stats(execs, [], [], [], CFG)
    assert stats.total == sum(float(i % 5) for i in range(10_000))
    assert len(stats.top) == 3 and all(r.runs == 4.0 for r in stats.top)
