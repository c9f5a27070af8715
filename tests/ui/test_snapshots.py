"""SVG snapshots of the overview (80x24 compact, 160x48 and 200x60 grid), a stale
panel and the help screen, from factory Snapshots and a fixed clock.

Update after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the SVGs before committing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual.pilot import Pilot

from oncall_tui.config_types import Config
from oncall_tui.ui.app import OncallApp, make_app
from waiting import until

from .conftest import FakeClock, FakePoller
from .factories import NOW, failed, snapshot

SnapCompare = Callable[..., bool]


def overview_app(config: Config, poller: FakePoller | None = None) -> OncallApp:
    return make_app(config, poller or FakePoller(), clock=FakeClock(NOW))


async def data_shown(pilot: Pilot[Any]) -> None:
    """Until the poll's Snapshot is on screen: the table filled, the poll and the work
    after it (its workers) finished, and what they posted handled."""
    app = pilot.app
    assert isinstance(app, OncallApp)

    def shown() -> bool:
        return app.view is not None and bool(app.overview.alerts.table.row_count)

    await until(lambda: shown() and not app.polling, pilot, 5, "the poll's data on screen")
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_overview_160x48(snap_compare: SnapCompare, config: Config) -> None:
    assert snap_compare(overview_app(config), terminal_size=(160, 48), run_before=data_shown)


def test_overview_200x60(snap_compare: SnapCompare, config: Config) -> None:
    assert snap_compare(overview_app(config), terminal_size=(200, 60), run_before=data_shown)


def test_overview_80x24(snap_compare: SnapCompare, config: Config) -> None:
    assert snap_compare(overview_app(config), terminal_size=(80, 24), run_before=data_shown)


def test_overview_80x24_breakers_tab(snap_compare: SnapCompare, config: Config) -> None:
    assert snap_compare(
        overview_app(config),
        terminal_size=(80, 24),
        run_before=data_shown,
        press=["shift+tab", "shift+tab", "shift+tab"],
    )


def test_overview_stale_prometheus(snap_compare: SnapCompare, config: Config) -> None:
    # First poll good at NOW, the second (45 s later) finds Prometheus down.
    poller = FakePoller([snapshot(NOW), failed(NOW + 45)])
    app = overview_app(config, poller)

    async def second_poll_failed(pilot: Pilot[Any]) -> None:
        await data_shown(pilot)
        assert isinstance(pilot.app, OncallApp)
        pilot.app.clock.now = NOW + 45  # type: ignore[attr-defined]
        await pilot.press("R")
        await data_shown(pilot)

    assert snap_compare(app, terminal_size=(160, 48), run_before=second_poll_failed)


def test_help_screen(snap_compare: SnapCompare, config: Config) -> None:
    assert snap_compare(
        overview_app(config), terminal_size=(100, 36), run_before=data_shown, press=["?"]
    )


def test_help_screen_read_only(snap_compare: SnapCompare, config: Config) -> None:
    app = overview_app(replace(config, read_only=True))
    assert snap_compare(app, terminal_size=(100, 36), run_before=data_shown, press=["?"])
