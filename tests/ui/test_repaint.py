"""What a poll and a tick of the clock repaint (deterministic: a fixed clock, counted
refresh calls, no stopwatch). Over SSH every repainted region is bytes on the link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from textual.widget import Widget

from oncall_tui.config_types import Config
from oncall_tui.ui.app import make_app
from oncall_tui.ui.widgets.line import TextLine
from oncall_tui.ui.widgets.panel import Panel

from .conftest import FakeClock, FakePoller
from .factories import NOW, snapshot
from .test_app_keys import started, until


@pytest.fixture
def repaints(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Widget]]:
    """Every widget inside a panel that asks to be repainted (Widget.refresh)."""
    seen: list[Widget] = []
    original = Widget.refresh

    def counting(self: Widget, *args: Any, **kwargs: Any) -> Any:
        if isinstance(self, Panel) or any(isinstance(a, Panel) for a in self.ancestors):
            seen.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Widget, "refresh", counting)
    yield seen


async def settle(pilot: Any) -> None:
    for _ in range(5):
        await pilot.pause()


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_an_unchanged_poll_repaints_no_panel(
    config: Config, repaints: list[Widget], size: tuple[int, int]
) -> None:
    clock = FakeClock()
    poller = FakePoller([snapshot(NOW)])
    app = make_app(config, poller, clock=clock)
    async with app.run_test(size=size) as pilot:
        await started(app, pilot)
        await settle(pilot)
        repaints.clear()
        await pilot.press("R")
        await until(lambda: poller.calls == 2 and not app.polling, pilot)
        await settle(pilot)
        assert repaints == []


async def test_a_clock_tick_repaints_only_age_lines(config: Config, repaints: list[Widget]) -> None:
    clock = FakeClock()
    app = make_app(config, FakePoller([snapshot(NOW)]), clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await settle(pilot)
        repaints.clear()
        clock.now = NOW + 5
        app.overview.refresh_ages()
        await settle(pilot)
        assert repaints == []  # still "updated just now": nothing to write
        clock.now = NOW + 25
        app.overview.refresh_ages()
        await settle(pilot)
        assert repaints, "the ages moved on"
        assert all(isinstance(w, TextLine) and w.has_class("age") for w in repaints)
        shown = [p for p in app.overview.panels if p.display]
        assert {w.parent for w in repaints} == set(shown)  # one line each, nothing else
        assert "updated 20s ago" in str(app.overview.latency.age_line.render())


async def test_a_changed_alert_repaints_its_cell_only(
    config: Config, repaints: list[Widget]
) -> None:
    clock = FakeClock()
    first = snapshot(NOW)
    items = first.alerts.items
    changed = replace(items[0], acked_by="someone-else")
    second = replace(first, alerts=replace(first.alerts, items=(changed, *items[1:])))
    poller = FakePoller([first, second])
    app = make_app(config, poller, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await settle(pilot)
        table = app.overview.alerts.table
        regions: list[Any] = []
        original = table.refresh

        def spy(*args: Any, **kwargs: Any) -> Any:
            regions.append(args)
            return original(*args, **kwargs)

        table.refresh = spy  # type: ignore[method-assign]
        repaints.clear()
        await pilot.press("R")
        await until(lambda: poller.calls == 2 and not app.polling, pilot)
        await settle(pilot)
        assert set(repaints) <= {table, app.overview.alerts}
        assert regions and all(len(r) == 1 and r[0].height == 1 for r in regions)
        assert "someone-else" in str(table.get_row(changed.fingerprint)[4])
