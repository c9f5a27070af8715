"""SLO maths against hand-computed cases, and the ratio's edge cases."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.model.slo import (
    NO_DATA,
    NO_TRAFFIC,
    PERIOD,
    alert_state,
    allowed_ratio,
    budget_remaining,
    burn_rate,
    error_ratio,
    from_ratios,
    slo_state,
)
from oncall_tui.model.snapshot import BURN_WINDOWS

WINDOWS = [k for k, _ in BURN_WINDOWS]


def flat(ratio: float) -> dict[str, float | None]:
    return {k: ratio for k in [*WINDOWS, PERIOD]}


def test_two_percent_errors_at_99_burns_2_overspends_budget_and_tickets() -> None:
    # 2 % errors against a 1 % budget: burning twice as fast as allowed, the period's
    # budget is spent twice over (remaining 1 - 2 = -1); 3d and 6h >= 1 -> ticket,
    # 1d and 2h are under 3 and nothing reaches 6 or 14.4.
    slo = from_ratios("api", 0.99, 30 * 86400.0, flat(0.02))
    assert slo.burn_rates == {k: pytest.approx(2.0) for k in WINDOWS}
    assert slo.budget_remaining == pytest.approx(-1.0)
    assert slo.error_ratio == pytest.approx(0.02)
    assert slo.alert == "ticket"
    assert slo.met is False
    assert slo.reasons == ("3d burn 2.00 and 6h burn 2.00 are both ≥ 1",)


def test_half_the_budget_spent() -> None:
    # 0.05 % errors at 99.9 %: burn 0.5, half the budget left, met, no alert.
    slo = from_ratios("api", 0.999, 30 * 86400.0, flat(0.0005))
    assert slo.burn_rates["1h"] == pytest.approx(0.5)
    assert slo.budget_remaining == pytest.approx(0.5)
    assert slo.met is True
    assert slo.alert == "none"


def test_page_needs_both_windows_of_a_rule() -> None:
    # A 5m spike alone (burn 20) does not page: the 1h window is at 2.
    ratios = flat(0.002) | {"5m": 0.02}
    assert from_ratios("x", 0.999, 86400.0 * 30, ratios).alert == "ticket"
    # 1h and 5m both at 15 x the budget -> page.
    ratios = flat(0.0) | {"1h": 0.015, "5m": 0.015}
    slo = from_ratios("x", 0.999, 86400.0 * 30, ratios)
    assert slo.alert == "page"
    assert slo.burn_rates["1h"] == pytest.approx(15.0)
    # 6h and 30m at 6 (exactly the threshold) -> page too.
    ratios = flat(0.0) | {"6h": 0.006, "30m": 0.006}
    assert from_ratios("x", 0.999, 86400.0 * 30, ratios).alert == "page"


def test_exact_thresholds_reach_despite_float_noise() -> None:
    # 1 - 0.99 is 0.010000000000000009; 3 % must still be a burn of (at least) 3.
    assert allowed_ratio(0.99) == 0.01
    ratios = flat(0.0) | {"1d": 0.03, "2h": 0.03}
    assert from_ratios("x", 0.99, 86400.0 * 30, ratios).alert == "ticket"


def test_no_data_at_all_is_unknown_never_none() -> None:
    assert alert_state(dict.fromkeys(WINDOWS, None))[0] is None
    slo = from_ratios("x", 0.99, 86400.0, {})
    assert slo.alert is None and slo.met is None


def test_a_known_low_window_settles_its_rule() -> None:
    burns: dict[str, float | None] = dict.fromkeys(WINDOWS, 0.1)
    burns["5m"] = None  # 1h is known and far below 14.4: the rule cannot fire
    state, _ = alert_state(burns)
    assert state == "none"
    burns = dict.fromkeys(WINDOWS, 20.0)
    burns["5m"] = None  # 6h/30m at 20 fires: page, whatever 5m is
    assert alert_state(burns)[0] == "page"
    burns = dict.fromkeys(WINDOWS, 0.1)
    burns["1h"] = 20.0
    burns["5m"] = None  # 1h over 14.4, 5m unknown: could be paging
    assert alert_state(burns)[0] is None


def test_no_traffic_burns_nothing() -> None:
    burns: dict[str, float | None] = dict.fromkeys(WINDOWS, 0.1)
    burns["5m"] = None
    burns["1h"] = 20.0
    assert alert_state(burns, frozenset({"5m"}))[0] == "none"


@pytest.mark.parametrize(
    ("bad", "total", "ratio", "why"),
    [
        (1.0, 50.0, 0.02, None),
        (None, 50.0, 0.0, None),  # no error series at all: nothing failed
        (0.0, 0.0, None, NO_TRAFFIC),
        (None, 0.0, None, NO_TRAFFIC),
        (1.0, None, None, NO_DATA),
        (math.nan, 50.0, None, "errors is not a usable rate (nan)"),
        (1.0, math.nan, None, "total is not a usable rate (nan)"),
        (1.0, math.inf, None, "total is not a usable rate (inf)"),
        (-1.0, 50.0, None, "errors is not a usable rate (-1.0)"),
        (60.0, 50.0, 1.0, None),  # scrape skew: capped
    ],
)
def test_error_ratio_cases(
    bad: float | None, total: float | None, ratio: float | None, why: str | None
) -> None:
    got = error_ratio(bad, total)
    assert got == (ratio, why) if ratio is None else (pytest.approx(ratio), why)


rates = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@given(bad=rates, total=rates)
def test_error_ratio_is_a_ratio_or_unknown_with_a_reason(
    bad: float | None, total: float | None
) -> None:
    ratio, why = error_ratio(bad, total)
    if ratio is None:
        assert why
    else:
        assert why is None
        assert 0.0 <= ratio <= 1.0


@given(
    ratio=st.one_of(st.none(), st.floats(0.0, 1.0)),
    objective=st.floats(0.5, 0.99999),
)
def test_budget_and_burn_agree(ratio: float | None, objective: float) -> None:
    burn = burn_rate(ratio, objective)
    budget = budget_remaining(ratio, objective)
    if ratio is None:
        assert burn is None and budget is None
    else:
        assert burn is not None and budget is not None
        assert budget == pytest.approx(1.0 - burn)
        assert burn >= 0


@given(
    st.dictionaries(
        st.sampled_from([*WINDOWS, PERIOD]),
        st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    ),
    st.floats(0.5, 0.9999),
)
def test_any_ratios_give_a_consistent_slo(ratios: dict[str, float | None], obj: float) -> None:
    slo = from_ratios("x", obj, 30 * 86400.0, ratios)
    assert slo.alert in ("page", "ticket", "none", None)
    if slo.error_ratio is None:
        assert slo.met is None and slo.budget_remaining is None
        assert slo.notes[PERIOD]
    for key in WINDOWS:
        b = slo.burn_rates[key]
        assert b is None or (math.isfinite(b) and b >= 0)


def test_slo_state_from_rates_keeps_them_for_the_explanation() -> None:
    bad = dict.fromkeys([*WINDOWS, PERIOD], 0.4)
    total = dict.fromkeys([*WINDOWS, PERIOD], 20.0)
    total["5m"] = 0.0
    slo = slo_state("api", 0.99, 86400.0, bad, total)
    assert slo.error_ratio == pytest.approx(0.02)
    assert slo.burn_rates["5m"] is None
    assert slo.notes["5m"] == NO_TRAFFIC
    assert slo.rates[PERIOD] == (0.4, 20.0)
    assert slo.alert == "ticket"


def test_a_failed_query_leaves_everything_unknown() -> None:
    slo = slo_state("api", 0.99, 86400.0, {}, {}, error="bad_data: parse error")
    assert slo.error == "bad_data: parse error"
    assert slo.alert is None and slo.met is None and slo.budget_remaining is None
    assert set(slo.burn_rates) == set(WINDOWS)


def test_health_counts_configured_slos_by_alert_state() -> None:
    from oncall_tui.config_types import HealthConfig
    from oncall_tui.model.health import compute_health
    from oncall_tui.model.snapshot import ErrorRate, Latency

    ticket = from_ratios("api", 0.99, 86400.0 * 30, flat(0.02))
    page = from_ratios("web", 0.999, 86400.0 * 30, flat(0.02))  # burn 20 everywhere
    quiet = from_ratios("db", 0.99, 86400.0 * 30, flat(0.0))
    unknown = from_ratios("new", 0.99, 86400.0 * 30, {})
    h = compute_health(
        (), Latency(), ErrorRate(), (), HealthConfig(), slos=[ticket, page, quiet, unknown]
    )
    assert h.score == pytest.approx(100 - 10 - 20)
    by_label = {t.label: t for t in h.terms}
    assert by_label["SLO api"].points == -10
    assert by_label["SLO web"].points == -20
    assert "page level" in by_label["SLO web"].explanation
    assert by_label["SLO db"].points == 0 and by_label["SLO new"].points == 0
    assert sum(t.points for t in h.terms) == pytest.approx(h.score)
    off = compute_health((), Latency(), ErrorRate(), (), HealthConfig(slo_terms=False), slos=[page])
    assert off.score == 100
