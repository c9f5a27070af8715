"""The overview's second page (SLOs, runbook coverage, custom panels) and the chart
detail views: Pilot tests and SVG snapshots at 80x24 and 160x48.

Update with `pytest tests/ui/test_dashboard.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual.pilot import Pilot

from oncall_tui.config_dash import PanelColumn, PanelConfig
from oncall_tui.config_types import Config
from oncall_tui.model.slo import PERIOD, from_ratios, slo_state
from oncall_tui.model.snapshot import (
    BURN_WINDOWS,
    PanelData,
    Panels,
    PanelValue,
    RunbookCoverage,
    Section,
    Slos,
    Snapshot,
)
from oncall_tui.ui.app import OncallApp, make_app
from oncall_tui.ui.screens.charts import ErrorChartScreen, LatencyChartScreen
from oncall_tui.ui.screens.coverage import CoverageScreen
from oncall_tui.ui.screens.dashboard import DashboardScreen
from oncall_tui.ui.screens.slo import SloDetailScreen
from waiting import until

from .conftest import FakeClock, FakePoller
from .factories import NOW, series, snapshot

SnapCompare = Callable[..., bool]
WINDOWS = [k for k, _ in BURN_WINDOWS]

PANELS = (
    PanelConfig("Cost per hour", "stat", "q", unit="$"),
    PanelConfig("Errors by type", "bars", "q", unit="count"),
    PanelConfig(
        "Per method",
        "table",
        columns=(PanelColumn("calls", "q", "count"), PanelColumn("success", "q", "ratio")),
    ),
    PanelConfig("Tokens by model", "chart", "q", unit="tok/s"),
    PanelConfig("Broken", "stat", "sum(rate(x[5m]"),
)


def dashboard_snapshot(now: float = NOW) -> Snapshot:
    fresh = Section("prometheus", ok=True, fetched_at=now)
    flat = dict.fromkeys([*WINDOWS, PERIOD], 0.02)
    slos = (
        from_ratios("checkout availability", 0.99, 30 * 86400.0, flat),
        from_ratios(
            "search latency 300ms",
            0.999,
            30 * 86400.0,
            dict.fromkeys([*WINDOWS, PERIOD], 0.0002) | {"1h": 0.02, "5m": 0.03},
        ),
        slo_state(
            "payments availability",
            0.995,
            7 * 86400.0,
            dict.fromkeys([*WINDOWS, PERIOD], 0.01),
            dict.fromkeys([*WINDOWS, PERIOD], 10.0) | {"5m": 0.0},
        ),
        slo_state("new api", 0.99, 30 * 86400.0, {}, {}, error="bad_data: parse error"),
    )
    panels = (
        PanelData("Cost per hour", "stat", "$", True, values=(PanelValue({}, 12.5, "value"),)),
        PanelData(
            "Errors by type",
            "bars",
            "count",
            True,
            values=tuple(
                PanelValue({"type": t}, v, t, level=lvl)
                for t, v, lvl in (("timeout", 42.0, "crit"), ("rate_limit", 17.0, "warn"))
            ),
        ),
        PanelData(
            "Per method",
            "table",
            "",
            True,
            values=tuple(
                PanelValue(
                    {"method": m},
                    calls,
                    m,
                    cells={"calls": calls, "success": ok},
                    levels={"calls": None, "success": lvl},
                )
                for m, calls, ok, lvl in (
                    ("GET", 1200.0, 0.998, "ok"),
                    ("POST", 310.0, 0.93, "crit"),
                )
            ),
            columns=("calls", "success"),
            column_units=("count", "ratio"),
            label_columns=("method",),
        ),
        PanelData(
            "Tokens by model",
            "chart",
            "tok/s",
            True,
            values=(
                PanelValue({"model": "gpt"}, 120.0, "gpt", series(100, 30, now=now)),
                PanelValue({"model": "claude"}, 60.0, "claude", series(60, 20, now=now)),
            ),
        ),
        PanelData(
            "Broken",
            "stat",
            "",
            False,
            error="bad_data: 1:15: parse error: unclosed left parenthesis",
        ),
    )
    coverage = RunbookCoverage(
        seen=("DiskFull", "HighErrors", "Latency", "NoBook"),
        covered=("DiskFull", "HighErrors", "Latency"),
        section=fresh,
    )
    return replace(
        snapshot(now),
        slos=Slos(items=slos, section=fresh),
        panels=Panels(items=panels, section=fresh),
        coverage=coverage,
    )


def app_with_dashboard(config: Config) -> OncallApp:
    cfg = replace(config, panels=PANELS)
    return make_app(cfg, FakePoller([dashboard_snapshot()]), clock=FakeClock(NOW))


async def on_dashboard(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, OncallApp)
    await until(lambda: app.view is not None and not app.polling, pilot, 10, "the first poll")
    await pilot.press("right_square_bracket")
    await until(
        lambda: isinstance(app.screen, DashboardScreen) and app.screen.page.slos.table.row_count,
        pilot,
        10,
        "the dashboard's SLO rows",
    )
    await settle(pilot)


async def settle(pilot: Pilot[Any]) -> None:
    """Background work done and the messages it posted handled (no fixed pause)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_dashboard_80x24(snap_compare: SnapCompare, config: Config) -> None:
    app = app_with_dashboard(config)
    assert snap_compare(app, terminal_size=(80, 24), run_before=on_dashboard)


def test_dashboard_160x48(snap_compare: SnapCompare, config: Config) -> None:
    app = app_with_dashboard(config)
    assert snap_compare(app, terminal_size=(160, 48), run_before=on_dashboard)


def test_slo_explained_80x24(snap_compare: SnapCompare, config: Config) -> None:
    async def explain(pilot: Pilot[Any]) -> None:
        await on_dashboard(pilot)
        await pilot.press("enter")  # the SLO table has the focus: the worst SLO first
        await until(lambda: isinstance(pilot.app.screen, SloDetailScreen), pilot, 10, "detail")
        await settle(pilot)

    app = app_with_dashboard(config)
    assert snap_compare(app, terminal_size=(80, 24), run_before=explain)


def test_latency_chart_80x24_and_160x48(snap_compare: SnapCompare, config: Config) -> None:
    snap = snapshot(NOW)
    span = (NOW - snap.window_s, NOW)
    for size in ((80, 24), (160, 48)):
        from .test_screen_snapshots import Host

        assert snap_compare(Host(LatencyChartScreen(snap.latency, span)), terminal_size=size)


def test_error_chart_80x24(snap_compare: SnapCompare) -> None:
    from .test_screen_snapshots import Host

    snap = snapshot(NOW)
    span = (NOW - snap.window_s, NOW)
    assert snap_compare(Host(ErrorChartScreen(snap.errors, span)), terminal_size=(80, 24))


async def test_pages_keys_and_details(config: Config) -> None:
    app = app_with_dashboard(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_dashboard(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        # The worst first: the paging SLO, then the ticket, then unknown, then quiet.
        assert [r.value for r in screen.page.slos.table.rows] == [
            "search latency 300ms",
            "checkout availability",
            "new api",
            "payments availability",
        ]
        assert "2 of 3 met, 1 unknown" in str(screen.page.slos.border_title)
        broken = screen.page.custom[4]
        assert "unclosed left parenthesis" in str(broken.body.render())
        # Global keys work here too: a window key polls with the new window.
        await pilot.press("3")
        await until(
            lambda: 21600.0 in app.poller.windows,  # type: ignore[attr-defined]
            pilot,
            10,
            "a poll with the 6h window",
        )
        await settle(pilot)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, SloDetailScreen), pilot, 10, "SLO detail")
        assert isinstance(app.screen, SloDetailScreen)
        assert app.screen.slo.name == "search latency 300ms"
        await pilot.press("escape")
        await until(lambda: app.screen is screen, pilot, 10, "back on the dashboard")
        await pilot.press("tab")  # the coverage panel
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, CoverageScreen), pilot, 10, "coverage")
        assert isinstance(app.screen, CoverageScreen)
        assert app.screen.coverage.uncovered == ("NoBook",)
        await pilot.press("escape")
        await until(lambda: app.screen is screen, pilot, 10, "back on the dashboard")
        await pilot.press("left_square_bracket")
        await until(lambda: app.screen is app.overview, pilot, 10, "the overview")


async def test_enter_on_latency_opens_its_chart(config: Config) -> None:
    app = make_app(config, FakePoller([snapshot()]), clock=FakeClock(NOW))
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: app.view is not None and not app.polling, pilot, 10, "first poll")
        app.overview.latency.focus()
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, LatencyChartScreen), pilot, 10, "chart")
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot, 10, "the overview")
        app.overview.errors.focus()
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ErrorChartScreen), pilot, 10, "error chart")


async def test_a_new_poll_redraws_only_what_changed(config: Config) -> None:
    first = dashboard_snapshot()
    healed = replace(
        first,
        slos=replace(
            first.slos,
            items=(from_ratios("checkout availability", 0.99, 30 * 86400.0, {}),),
        ),
    )
    cfg = replace(config, panels=PANELS)
    app = make_app(cfg, FakePoller([first, healed]), clock=FakeClock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_dashboard(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert screen.page.slos.table.row_count == 4
        cost = screen.page.custom[0]
        drawn = cost._drawn
        await pilot.press("R")
        await until(lambda: screen.page.slos.table.row_count == 1, pilot, 10, "the new poll")
        assert str(screen.page.slos.border_title) == "SLOs · 1 unknown"
        assert cost._drawn is drawn  # its data did not change: not drawn again
