"""Custom panels, Sloth/Pyrra discovery, runbook coverage and unit formatting."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.config_dash import PanelColumn, PanelConfig
from oncall_tui.config_types import Runbook
from oncall_tui.model.coverage import AnyLinked, linked_runbooks, runbook_coverage
from oncall_tui.model.panels import failed, instant_panel, series_name, series_panel, table_panel
from oncall_tui.model.series import Sample, Series
from oncall_tui.model.slo import PERIOD
from oncall_tui.model.slo_discovery import discover
from oncall_tui.model.snapshot import Alert, Incident
from oncall_tui.units import format_value


def s(value: float, **labels: str) -> Sample:
    return Sample(labels, value)


def test_series_names() -> None:
    assert series_name({"__name__": "x", "method": "GET", "code": "200"}) == "code=200 method=GET"
    assert series_name({"method": "GET"}, "{method} ({missing})") == "GET ()"
    assert series_name({}) == "value"


def test_bars_are_top_k_largest_first_unknown_last() -> None:
    cfg = PanelConfig("Errors by type", "bars", "q", legend="{type}", top=3)
    data = instant_panel(
        cfg, [s(1, type="a"), s(math.nan, type="n"), s(5, type="b"), s(3, type="c"), s(2, type="d")]
    )
    assert [v.name for v in data.values] == ["b", "c", "d"]
    data = instant_panel(PanelConfig("E", "bars", "q", top=10), [s(math.nan, t="n"), s(1, t="a")])
    assert [v.value for v in data.values] == [1.0, None]


def test_sparkline_pairs_values_with_history_and_chart_takes_the_last_point() -> None:
    hist = [Series({"m": "a"}, ((1.0, 2.0), (2.0, math.nan), (3.0, 4.0)))]
    data = series_panel(PanelConfig("S", "sparkline", "q"), hist, [s(4.0, m="a")])
    assert data.values[0].points == ((1.0, 2.0), (3.0, 4.0))
    chart = series_panel(PanelConfig("C", "chart", "q"), hist)
    assert chart.values[0].value == 4.0


def test_table_joins_columns_on_labels() -> None:
    cfg = PanelConfig(
        "Per method",
        "table",
        columns=(PanelColumn("calls", "c"), PanelColumn("p95", "p", "s"), PanelColumn("ok", "o")),
    )
    data = table_panel(
        cfg,
        [
            [s(100, method="GET"), s(40, method="POST")],
            [s(0.2, method="POST"), s(0.1, method="GET")],
            [s(0.99, method="GET")],  # POST has no success series
        ],
    )
    assert data.label_columns == ("method",)
    assert data.columns == ("calls", "p95", "ok")
    rows = {v.labels["method"]: v.cells for v in data.values}
    assert rows == {
        "GET": {"calls": 100.0, "p95": 0.1, "ok": 0.99},
        "POST": {"calls": 40.0, "p95": 0.2, "ok": None},
    }
    assert [v.labels["method"] for v in data.values] == ["GET", "POST"]


def test_failed_panel_keeps_prometheus_error() -> None:
    data = failed(PanelConfig("P", "stat", "q"), "bad_data: 1:5: parse error: unexpected")
    assert not data.ok and data.error == "bad_data: 1:5: parse error: unexpected"


def test_sloth_and_pyrra_discovery() -> None:
    sloth = {"sloth_id": "api-availability", "sloth_service": "api", "sloth_slo": "availability"}
    samples = [
        Sample({"__name__": "slo:objective:ratio", **sloth}, 0.99),
        Sample({"__name__": "slo:time_period:days", **sloth}, 30),
        *(
            Sample({"__name__": f"slo:sli_error:ratio_rate{w}", **sloth, "sloth_window": w}, 0.02)
            for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")
        ),
        Sample({"__name__": "pyrra_objective", "slo": "web"}, 0.995),
        Sample({"__name__": "pyrra_window", "slo": "web"}, 28 * 86400),
        Sample({"__name__": "pyrra_availability", "slo": "web"}, 0.999),
        *(
            Sample({"__name__": f"http_requests:burnrate{w}", "slo": "web"}, 0.001)
            for w in ("5m", "30m", "1h", "2h", "6h", "1d", "4d")
        ),
        Sample({"__name__": "pyrra_objective", "slo": "configured"}, 0.9),
    ]
    api, web = discover(samples, configured={"configured"})
    assert (api.name, api.source, api.objective) == ("api-availability", "sloth", 0.99)
    assert api.burn_rates["3d"] == pytest.approx(2.0)
    assert api.budget_remaining == pytest.approx(-1.0)
    assert api.alert == "ticket"
    assert (web.name, web.source, web.period_s) == ("web", "pyrra", 28 * 86400.0)
    assert web.error_ratio == pytest.approx(0.001)
    assert web.burn_rates["3d"] == pytest.approx(0.2)
    assert web.notes["3d"] == "from the 4d rule"
    assert web.met is True and web.alert == "none"
    assert web.ratios[PERIOD] == pytest.approx(0.001)


def incident(name: str, start: float, end: float | None, **labels: str) -> Incident:
    return Incident(name, "warning", "firing" if end is None else "resolved", start, end, labels)


def alert(name: str, **annotations: str) -> Alert:
    return Alert("f" + name, {"alertname": name}, annotations, "active", 0.0)


def test_runbook_coverage() -> None:
    catalogue = (
        Runbook("restart", "exec", ("true",), alerts=("HighErrors",)),
        Runbook("drain", "exec", ("true",)),
    )
    cov = runbook_coverage(
        1000.0,
        600.0,
        [
            incident("HighErrors", 500, 700),
            incident("Old", 100, 200),  # resolved before the window
            incident("DiskFull", 900, None, runbook="drain"),
            incident("NoBook", 950, None),
        ],
        [alert("Latency", runbook="drain"), alert("Lonely")],
        catalogue,
    )
    assert cov.seen == ("DiskFull", "HighErrors", "Latency", "Lonely", "NoBook")
    assert cov.covered == ("DiskFull", "HighErrors", "Latency")
    assert cov.uncovered == ("Lonely", "NoBook")
    assert cov.ratio == pytest.approx(0.6)
    assert runbook_coverage(0, 60, [], [], catalogue).ratio is None


NAMES = st.sampled_from(["A", "B", "restart", "drain", "", "a"])


@given(
    books=st.lists(st.tuples(NAMES, st.lists(NAMES, max_size=3)), max_size=4),
    alertname=NAMES,
    label=st.none() | NAMES,
    annotation=st.none() | NAMES,
)
def test_any_linked_is_linked_runbooks_rule(
    books: list[tuple[str, list[str]]], alertname: str, label: str | None, annotation: str | None
) -> None:
    catalogue = [Runbook(n, "exec", ("true",), alerts=tuple(a)) for n, a in books]
    labels = {"runbook": label} if label is not None else {}
    annotations = {"runbook": annotation} if annotation is not None else {}
    expected = bool(linked_runbooks(alertname, labels, annotations, catalogue))
    assert AnyLinked(catalogue)(alertname, labels, annotations) == expected


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (0.0234, "ratio", "2.34%"),
        (0.985, "%", "98.5%"),
        (85.2, "percent", "85.2%"),
        (0.25, "s", "250ms"),
        (250, "ms", "250ms"),
        (1536, "bytes", "1.5 KiB"),
        (12345, "", "12.3k"),
        (7.0, "", "7"),
        (2_500_000, "", "2.5M"),
        (0.01234, "", "0.0123"),
        (12.345, "$", "$12.35"),
        (3.5, "$/h", "$3.50/h"),
        (42, "tok/s", "42 tok/s"),
        (math.nan, "s", "—"),
        (None, "", "—"),
    ],
)
def test_format_value(value: float | None, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("value", "text"), [(9.3, "9"), (0.2, "<1"), (0.0, "0"), (12345.6, "12,346")]
)
def test_counts_are_whole(value: float, text: str) -> None:
    assert format_value(value, "count") == text
