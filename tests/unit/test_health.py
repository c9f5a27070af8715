"""The health score formula, term by term."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.config_types import HealthConfig
from oncall_tui.model.health import component_health, compute_health, severity_points
from oncall_tui.model.levels import score_level
from oncall_tui.model.series import Sample
from oncall_tui.model.snapshot import (
    QUANTILES,
    Alert,
    ComponentHealth,
    ErrorRate,
    Health,
    Latency,
    Section,
    ServiceLatency,
)

CFG = HealthConfig()  # critical 10, warning 3, info 0, cap 40, slo 10


def svc(name: str, p95: float | None) -> ServiceLatency:
    q: dict[str, float | None] = {n: None for n, _ in QUANTILES}
    q["p95"] = p95
    return ServiceLatency(name, q, {})


def alert(severity: str | None, silenced: bool = False, inhibited: bool = False) -> Alert:
    labels = {"alertname": "A"} | ({} if severity is None else {"severity": severity})
    return Alert(
        fingerprint="f",
        labels=labels,
        annotations={},
        state="suppressed" if silenced or inhibited else "active",
        starts_at=0.0,
        silenced_by=("s",) if silenced else (),
        inhibited_by=("i",) if inhibited else (),
    )


NO_LATENCY = Latency(slo_p95=None)
NO_ERRORS = ErrorRate(slo=None)


def term_sum(h: Health) -> float:
    return sum(t.points for t in h.terms)


def test_base_is_mean_of_measured_components() -> None:
    comps = [
        ComponentHealth("API Gateway", 0.99),
        ComponentHealth("DB", None, error="no data"),
        ComponentHealth("Cache", 0.95),
    ]
    h = compute_health(comps, NO_LATENCY, NO_ERRORS, [], CFG)
    assert h.score == pytest.approx(97.0)
    assert h.components == tuple(comps)
    base = h.terms[0]
    assert base.points == pytest.approx(97.0)
    assert "API Gateway 99.00 %" in base.explanation
    assert "DB" in base.explanation and "left out" in base.explanation
    assert h.score == pytest.approx(term_sum(h))


def test_no_components_starts_at_100() -> None:
    h = compute_health([], NO_LATENCY, NO_ERRORS, [], CFG)
    assert h.score == 100.0
    assert "No components configured" in h.terms[0].explanation


def test_latency_slo_names_the_worst_service_and_caps_at_2x() -> None:
    lat = Latency(services=(svc("api", 0.2), svc("checkout", 0.45), svc("idle", None)), slo_p95=0.3)
    h = compute_health([], lat, NO_ERRORS, [], CFG)
    (check,) = h.slo_checks
    assert (check.name, check.value, check.ok, check.unit) == ("p95 latency", 0.45, False, "s")
    assert check.penalty == pytest.approx(15.0)  # 10 x 1.5
    assert h.score == pytest.approx(85.0)
    assert "'checkout'" in h.terms[1].explanation
    far = Latency(services=(svc("api", 3.0),), slo_p95=0.3)
    assert compute_health([], far, NO_ERRORS, [], CFG).slo_checks[0].penalty == 20.0


@pytest.mark.parametrize(
    ("value", "slo", "ok", "penalty"),
    [
        (0.005, 0.01, True, 0.0),
        (0.01, 0.01, True, 0.0),  # at the target is within it
        (0.015, 0.01, False, 15.0),
        (0.5, 0.01, False, 20.0),
        (0.1, 0.0, False, 20.0),  # zero target: any error is the maximum
        (None, 0.01, None, 0.0),
        (math.nan, 0.01, None, 0.0),  # 0/0 from Prometheus with no traffic
        (math.inf, 0.01, None, 0.0),
    ],
)
def test_error_rate_check(value: float | None, slo: float, ok: bool | None, penalty: float) -> None:
    h = compute_health([], NO_LATENCY, ErrorRate(value=value, slo=slo), [], CFG)
    (check,) = h.slo_checks
    assert check.name == "error rate"
    assert check.ok is ok
    assert check.penalty == pytest.approx(penalty)
    assert h.score == pytest.approx(100 - penalty)
    if ok is None:
        # Never fetched (Prometheus down, no series): unknown, and the score says so.
        assert check.value is None
        assert h.terms[1].explanation.startswith("Unknown")
        assert h.unknown == ("error rate",)
    else:
        assert h.unknown == ()


@pytest.mark.parametrize("value", [None, math.nan])
def test_error_ratio_0_over_0_from_a_fresh_answer_is_no_traffic(value: float | None) -> None:
    fresh = ErrorRate(value=value, slo=0.01, section=Section("prometheus", fetched_at=5.0))
    h = compute_health([], NO_LATENCY, fresh, [], CFG)
    assert h.terms[1].explanation.startswith("No traffic")
    assert h.unknown == ()


def test_missing_data_is_unknown_never_healthy() -> None:
    """A latency histogram with no series, an error query with no series, a component
    with no series: each term is unknown, named, and the score is partial."""
    no_series = Section("prometheus", ok=False, error="no series for x_bucket")
    lat = Latency(slo_p95=0.3, section=no_series)
    errs = ErrorRate(slo=0.01, section=Section("prometheus", ok=False, error="no series for q"))
    comps = [ComponentHealth("API", 0.9), ComponentHealth("DB", None, error="no series for up")]
    h = compute_health(comps, lat, errs, [], CFG)
    assert h.unknown == ("DB", "p95 latency", "error rate")
    assert h.score == pytest.approx(90.0)  # what was measured, marked partial
    assert "no series for up" in h.terms[0].explanation
    assert "the score is partial" in h.terms[0].explanation
    assert h.terms[1].explanation.startswith("Unknown: no series for x_bucket")
    assert h.terms[2].explanation.startswith("Unknown: no series for q")
    assert score_level(h.score, partial=bool(h.unknown)) == "warn"


def s_(value: float, **labels: str) -> Sample:
    return Sample(labels, value, 0.0)


@pytest.mark.parametrize(("reduce", "expected"), [("min", 0.0), ("avg", 0.75), ("max", 1.0)])
def test_component_every_series_counts(reduce: str, expected: float) -> None:
    """avg_over_time(up[5m]) over four targets, one down: Prometheus answers 1, 1, 1, 0."""
    samples = [s_(1.0, instance=f"n{i}:9100", job="node") for i in range(1, 4)]
    samples.append(s_(0.0, __name__="up", instance="n4:9100", job="node"))
    c = component_health("All targets", "avg_over_time(up[5m])", samples, reduce)
    assert c.availability == pytest.approx(expected)
    assert c.series == 4
    assert c.worst == 0.0 and c.worst_labels == {"instance": "n4:9100", "job": "node"}
    assert c.breakdown == f'{reduce} of 4 series; worst {{instance="n4:9100", job="node"}} 0.00 %'
    h = compute_health([c], NO_LATENCY, NO_ERRORS, [], CFG)
    assert f"{reduce} of 4 series" in h.terms[0].explanation


def test_component_without_series_or_values_is_unknown() -> None:
    none = component_health("X", 'up{job="api"}', [], "min")
    assert none.availability is None and none.error == 'no series for up{job="api"}'
    nan = component_health("X", "q", [s_(math.nan)], "min")
    assert nan.availability is None and nan.error == "no finite value in 1 series of q"
    one = component_health("X", "q", [s_(0.5, job="a")], "min")
    assert one.availability == 0.5 and one.breakdown == ""


def test_unmeasurable_latency_is_listed_without_penalty() -> None:
    h = compute_health([], Latency(services=(svc("a", None),), slo_p95=0.3), NO_ERRORS, [], CFG)
    assert h.slo_checks[0].ok is None and h.slo_checks[0].penalty == 0.0


def test_alert_penalty_by_severity_silenced_counts_inhibited_not() -> None:
    alerts = [
        alert("critical"),
        alert("page", silenced=True),  # acked: still counts
        alert("warning"),
        alert("info"),
        alert(None),  # severity "none": counted as warning
        alert("CRITICAL", inhibited=True),  # inhibited: left out
    ]
    h = compute_health([], NO_LATENCY, NO_ERRORS, alerts, CFG)
    assert h.alert_penalty == pytest.approx(10 + 10 + 3 + 0 + 3)
    assert h.score == pytest.approx(74.0)
    text = h.terms[-1].explanation
    assert "muting does not heal" in text
    assert "1 inhibited" in text


def test_alert_penalty_is_capped() -> None:
    h = compute_health([], NO_LATENCY, NO_ERRORS, [alert("critical")] * 9, CFG)
    assert h.alert_penalty == 40.0
    assert "capped at 40" in h.terms[-1].explanation
    assert h.score == 60.0


def test_severity_points_mapping() -> None:
    cfg = HealthConfig(penalty_critical=7, penalty_warning=2, penalty_info=1)
    assert [severity_points(s, cfg) for s in ("critical", "Page", "warning", "info", "x")] == [
        7,
        7,
        2,
        1,
        2,
    ]


def test_score_clamped_at_zero() -> None:
    comps = [ComponentHealth("a", 0.2)]
    errs = ErrorRate(value=1.0, slo=0.01)
    lat = Latency(services=(svc("s", 9.0),), slo_p95=0.3)
    h = compute_health(comps, lat, errs, [alert("critical")] * 9, CFG)
    assert h.score == 0.0
    assert term_sum(h) == pytest.approx(20 - 20 - 20 - 40)


def test_score_none_only_when_nothing_is_measured() -> None:
    comps = [ComponentHealth("a", None)]
    lat = Latency(services=(svc("s", None),), slo_p95=0.3)
    errs = ErrorRate(value=None, slo=0.01)
    h = compute_health(comps, lat, errs, [], CFG, alerts_known=False)
    assert h.score is None
    assert "Alertmanager did not answer" in h.terms[-1].explanation
    assert compute_health(comps, lat, errs, [], CFG, alerts_known=True).score == 100.0
    known_errs = ErrorRate(value=0.0, slo=0.01)
    assert compute_health(comps, lat, known_errs, [], CFG, alerts_known=False).score == 100.0


ratios = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@given(
    st.lists(ratios, max_size=5),
    st.lists(ratios, max_size=5),
    st.one_of(st.none(), st.floats(min_value=0, max_value=10)),
    ratios,
    st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
    st.lists(st.sampled_from(["critical", "warning", "info", "page", "odd", None]), max_size=30),
    st.booleans(),
)
def test_score_always_within_0_and_100(
    avail: list[float | None],
    p95s: list[float | None],
    slo_p95: float | None,
    err: float | None,
    slo: float | None,
    sevs: list[str | None],
    known: bool,
) -> None:
    comps = [ComponentHealth(f"c{i}", a) for i, a in enumerate(avail)]
    lat = Latency(services=tuple(svc(f"s{i}", p) for i, p in enumerate(p95s)), slo_p95=slo_p95)
    h = compute_health(
        comps, lat, ErrorRate(value=err, slo=slo), [alert(s) for s in sevs], CFG, alerts_known=known
    )
    if h.score is not None:
        assert 0.0 <= h.score <= 100.0
        assert h.score == pytest.approx(min(100.0, max(0.0, term_sum(h))))
    assert all(math.isfinite(t.points) for t in h.terms)
