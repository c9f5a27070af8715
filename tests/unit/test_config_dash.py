"""`[[slos]]`, `[slo_discovery]` and `[[panels]]`: typed, checked, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.config import ConfigError, load_config
from oncall_tui.config_dash import LatencySli, Thresholds


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    f = tmp_path / "c.toml"
    f.write_text(text)
    return load_config(str(f), {})


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as e:
        load(tmp_path, text)
    return str(e.value)


def test_ratio_and_latency_slos(tmp_path: Path) -> None:
    cfg = load(
        tmp_path,
        """
[[slos]]
name = "api availability"
objective = 0.999
period = "28d"
errors = 'sum(rate(http_requests_total{code=~"5.."}[$window]))'
total = 'sum(rate(http_requests_total[$window]))'

[[slos]]
name = "api latency"
objective = 0.95
[slos.latency]
histogram = "http_request_duration_seconds"
threshold = "300ms"
selector = '{job="api"}'
""",
    )
    a, b = cfg.slos
    assert (a.objective, a.period_s, a.latency) == (0.999, 28 * 86400.0, None)
    assert a.errors is not None and "$window" in a.errors
    assert b.period_s == 30 * 86400.0
    assert b.latency == LatencySli("http_request_duration_seconds", 0.3, '{job="api"}')
    assert cfg.slo_discovery.enabled is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('objective = 1.0\nerrors = "e[$window]"\ntotal = "t[$window]"', "must be below 1"),
        ('objective = 1\nerrors = "e[$window]"\ntotal = "t[$window]"', "no error budget"),
        ('objective = 0\nerrors = "e[$window]"\ntotal = "t[$window]"', "must be above 0"),
        ('objective = 99\nerrors = "e[$window]"\ntotal = "t[$window]"', "between 0 and 1"),
        ('errors = "e[$window]"\ntotal = "t[$window]"', '"slos[0].objective": is required'),
        ('objective = 0.99\nerrors = "e[5m]"\ntotal = "t[$window]"', 'needs "$window"'),
        ('objective = 0.99\nerrors = "e[$window]"', '"slos[0].total": is required'),
        ("objective = 0.99", 'needs "errors" and "total"'),
        (
            'objective = 0.99\nerrors = "e[$window]"\ntotal = "t[$window]"\n'
            'latency = { histogram = "h", threshold = "1s" }',
            "not both",
        ),
        ('objective = 0.99\nlatency = { histogram = "h" }', '"slos[0].latency.threshold"'),
        ('objective = 0.99\nlatency = { histogram = "h", threshold = 3 }', "duration"),
        (
            'objective = 0.99\nperiod = "0s"\nlatency = { histogram = "h", threshold = "1s" }',
            "longer",
        ),
    ],
)
def test_slo_errors(tmp_path: Path, body: str, message: str) -> None:
    text = error(tmp_path, f'[[slos]]\nname = "x"\n{body}\n')
    assert message in text
    assert "c.toml" in text


def test_duplicate_slo_names(tmp_path: Path) -> None:
    one = '[[slos]]\nname = "x"\nobjective = 0.9\nlatency = { histogram = "h", threshold = "1s" }\n'
    assert 'duplicate SLO name "x"' in error(tmp_path, one + one)


def test_discovery_off(tmp_path: Path) -> None:
    assert load(tmp_path, "[slo_discovery]\nenabled = false\n").slo_discovery.enabled is False


def test_panels(tmp_path: Path) -> None:
    cfg = load(
        tmp_path,
        """
[[panels]]
title = "Cost per hour"
kind = "stat"
query = "sum(increase(llm_cost_usd_total[1h]))"
unit = "$"
thresholds = { warn = 5, crit = 10 }

[[panels]]
title = "Errors by type"
kind = "bars"
query = "sum by (type) (increase(errors_total[$window]))"
label = "type"
top = 5

[[panels]]
title = "Per method"
kind = "table"
join_on = ["method"]

[[panels.columns]]
name = "calls"
query = "sum by (method) (increase(calls_total[$window]))"

[[panels.columns]]
name = "success"
query = "x"
unit = "ratio"
thresholds = { warn = 0.99, crit = 0.95, below = true }
""",
    )
    cost, errors, table = cfg.panels
    assert cost.thresholds == Thresholds(5.0, 10.0)
    assert errors.legend == "{type}" and errors.top == 5
    assert table.join_on == ("method",)
    assert table.columns[1].thresholds == Thresholds(0.99, 0.95, below=True)
    assert Thresholds(0.99, 0.95, below=True).level(0.97) == "warn"
    assert Thresholds(0.99, 0.95, below=True).level(0.9) == "crit"
    assert Thresholds(5.0, 10.0).level(4.0) == "ok"
    assert Thresholds(5.0, 10.0).level(10.0) == "crit"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('kind = "pie"\nquery = "x"', 'stat, sparkline, bars, table, chart, got "pie"'),
        ('kind = "stat"', '"panels[0].query": is required'),
        ('kind = "table"\nquery = "x"', "columns"),
        ('kind = "table"', "a table needs columns"),
        ('kind = "stat"\nquery = "x"\njoin_on = ["a"]', 'only used by kind "table"'),
        ('kind = "stat"\nquery = "x"\nthresholds = { warn = 10, crit = 5 }', "add below = true"),
        ('kind = "stat"\nquery = "x"\nthresholds = { }', ""),
        ('kind = "stat"\nquery = "x"\nthresholds = { wrn = 1 }', 'did you mean "warn"'),
        ('kind = "stat"\nquery = "x"\nlegend = "{a-b}"', "not a label name"),
        ('kind = "bars"\nquery = "x"\nlabel = "a"\nlegend = "{a}"', "not both"),
        ('kind = "stat"\nquery = "x"\ntop = 0', "whole number"),
    ],
)
def test_panel_errors(tmp_path: Path, body: str, message: str) -> None:
    text = f'[[panels]]\ntitle = "P"\n{body}\n'
    if not message:  # an empty thresholds table is just "none"
        assert load(tmp_path, text).panels[0].thresholds is None
        return
    assert message in error(tmp_path, text)
