"""The incidents screen (`I`): every incident, filter, sort, timeline, CSV export; its
numbers are the Snapshot's (the record's rows), and it follows new polls."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Incident, IncidentRun, Incidents, Snapshot
from oncall_tui.ui.app import make_app
from oncall_tui.ui.screens.incidents import (
    IncidentsScreen,
    IncidentTimelineScreen,
    build_rows,
    sort_incidents,
    timeline,
)
from oncall_tui.ui.widgets.format import Palette
from waiting import until

from .conftest import FakeClock, FakePoller
from .factories import NOW, snapshot

SIZE = (120, 30)
EVIL = "[bold red]x[/]\x1b[2J"


def record(now: float = NOW) -> Incidents:
    items = (
        Incident(
            "APIHighErrorRate",
            "critical",
            "resolved",
            now - 3600,
            now - 2400,
            {"alertname": "APIHighErrorRate", "service": "api"},
            acked_at=now - 3500,
            acked_by="alice@ops",
            runbooks=(
                IncidentRun("restart-api", "alice@ops", now - 3400, now - 3390, False, 1),
                IncidentRun("restart-api", "alice@ops", now - 3000, now - 2990, True, 0),
            ),
            id=1,
        ),
        Incident("DiskFull", "warning", "firing", now - 600, None, {"host": "db-1"}, id=2),
        Incident(EVIL, "info", "resolved", now - 90000, now - 89000, {}, id=3, seen="pre-journal"),
    )
    return Incidents(items=items, mtta_s=100.0, mttr_s=1100.0, lookback_s=7 * 86400)


async def opened(app: Any, pilot: Any) -> IncidentsScreen:
    """After the first poll, `I`: the incidents screen."""
    await until(lambda: app.view is not None, pilot)
    await pilot.press("I")
    await until(lambda: isinstance(app.screen, IncidentsScreen), pilot)
    screen = app.screen
    assert isinstance(screen, IncidentsScreen)
    return screen


def rows(screen: IncidentsScreen) -> list[str]:
    return [i.alertname for i in screen.shown]


def test_sort_and_timeline_are_pure() -> None:
    items = list(record().items)
    assert [i.id for i in sort_incidents(items, "start", NOW)] == [2, 1, 3]
    assert [i.id for i in sort_incidents(items, "severity", NOW)] == [1, 2, 3]
    assert [i.id for i in sort_incidents(items, "TTR", NOW)] == [1, 3, 2]
    steps = [what for _, what in timeline(items[0], NOW)]
    assert steps[0].startswith("fired") and steps[-1] == "resolved: last seen firing (TTR 20m)"
    assert "acked by alice@ops (TTA 1m 40s)" in steps
    assert "runbook restart-api failed (exit 1), after 10s" in steps
    assert "runbook restart-api ok (exit 0), after 10s" in steps


async def test_incidents_screen_filter_sort_timeline_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    snap = replace(snapshot(NOW), incidents=record())
    clock = FakeClock()
    app = make_app(Config(), FakePoller([snap]), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert rows(screen) == ["DiskFull", "APIHighErrorRate", EVIL]
        table = screen.query_one("#incidents-list", DataTable)
        assert table.row_count == 3
        # Outside text is literal: the "markup" stays text, the escape is gone.
        assert any("[bold red]x[/]" in str(c) for c in table.get_row_at(2))
        await pilot.press("s")
        assert screen.sort_by == "severity" and rows(screen)[0] == "APIHighErrorRate"
        await pilot.press("slash", *"service=api", "enter")
        assert rows(screen) == ["APIHighErrorRate"]
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, IncidentTimelineScreen), pilot)
        assert app.screen.incident.id == 1  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(lambda: app.screen is screen, pilot)
        await pilot.press("e")
        (written,) = tmp_path.glob("oncall-incidents-*.csv")
        exported = list(csv.DictReader(written.open()))
        assert [r["id"] for r in exported] == ["1"]  # what the screen shows
        assert (exported[0]["tta_s"], exported[0]["ttr_s"]) == ("100", "1200")
        await pilot.press("escape")  # clears the filter first
        assert len(rows(screen)) == 3
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot)


async def test_the_screen_follows_new_polls() -> None:
    first = replace(snapshot(NOW), incidents=record())
    resolved = replace(record().items[1], status="resolved", resolved_at=NOW - 60)
    second = replace(
        snapshot(NOW),
        incidents=replace(record(), items=(record().items[0], resolved, record().items[2])),
    )
    poller = FakePoller([first, second])
    app = make_app(Config(refresh_s=3600), poller, clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert screen.shown[0].status == "firing"
        app.poll_now()
        await until(lambda: poller.calls >= 2 and screen.shown[0].status == "resolved", pilot)
        assert screen.shown[0].ttr_s == 540.0


def _app_on(snap: Snapshot) -> Any:
    return make_app(Config(refresh_s=3600), FakePoller([snap]), clock=FakeClock())


def test_incidents_screen_snapshot(snap_compare: Any) -> None:
    app = _app_on(replace(snapshot(NOW), incidents=record()))

    async def run_before(pilot: Any) -> None:
        await opened(app, pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_incident_timeline_snapshot(snap_compare: Any) -> None:
    app = _app_on(replace(snapshot(NOW), incidents=record()))

    async def run_before(pilot: Any) -> None:
        await opened(app, pilot)
        await pilot.press("down", "enter")
        await until(lambda: isinstance(app.screen, IncidentTimelineScreen), pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


async def test_a_storm_of_incidents_is_listed_whole_and_filters() -> None:
    # More than OFF_LOOP_ITEMS: the rows are made in a thread, keys answer meanwhile.
    storm = tuple(
        Incident(f"Storm{i % 7}", "critical", "firing", NOW - 10 - i, None, {"i": str(i)}, id=i)
        for i in range(1000)
    )
    snap = replace(snapshot(NOW), incidents=replace(record(), items=storm))
    app = make_app(Config(refresh_s=3600), FakePoller([snap]), clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        table = screen.query_one("#incidents-list", DataTable)
        await until(lambda: table.row_count == 1000, pilot, what="every incident listed")
        assert screen.shown[0].id == 0 and screen.selected() is screen.shown[0]
        await pilot.press("slash", *"i=42", "enter")
        await until(lambda: table.row_count < 1000, pilot, what="the filter applied")
        assert {i.labels["i"] for i in screen.shown} >= {"42", "420", "421"}
        assert all("42" in i.labels["i"] for i in screen.shown)


def test_a_build_stops_once_it_is_no_longer_wanted() -> None:
    storm = [
        Incident("Storm", "critical", "firing", NOW - i, None, {"i": str(i)}, id=i)
        for i in range(2000)
    ]
    palette = Palette({})
    looks = []

    def stop() -> bool:
        looks.append(1)
        return len(looks) > 2  # the page closed while the third chunk was due

    assert build_rows(storm, "start", "", palette, NOW, stop=stop) is None
    built = build_rows(storm, "start", "", palette, NOW)
    assert built is not None and len(built[1].rows) == 2000


async def test_the_page_is_kept_and_reopens_as_new_with_what_came_meanwhile() -> None:
    first = replace(snapshot(NOW), incidents=record())
    new = Incident("Fresh", "critical", "firing", NOW - 5, None, {}, id=9)
    second = replace(snapshot(NOW), incidents=replace(record(), items=(new, *record().items)))
    poller = FakePoller([first, second])
    app = make_app(Config(refresh_s=3600), poller, clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        table = screen.query_one("#incidents-list", DataTable)
        await pilot.press("s", "down", "slash", *"disk", "enter")
        await until(lambda: rows(screen) == ["DiskFull"], pilot)
        await pilot.press("q")  # closes with the filter still set
        await until(lambda: app.screen is app.overview, pilot)
        built = screen._generation
        app.poll_now()
        await until(lambda: poller.calls >= 2 and app.view is not None, pilot)
        await until(lambda: app.view.incidents.items[0].id == 9, pilot)
        assert screen._generation == built, "closed: nothing built for it"
        assert screen.incidents.items[0].id == 9, "but it holds the newest record"
        await pilot.press("I")
        await until(lambda: app.screen is screen, pilot, what="the same page, again")
        await until(lambda: rows(screen)[:2] == ["Fresh", "DiskFull"], pilot)
        assert screen.sort_by == "start" and screen.needle == ""
        assert not screen.query_one("#incidents-filter").has_class("active")
        assert table.cursor_row == 0 and screen.selected() is screen.shown[0]


async def test_a_page_reopened_on_the_same_record_builds_no_rows_again() -> None:
    # In a storm the record is thousands of rows: `I` on an unchanged record shows the
    # rows it built last time, without building them again.
    snap = replace(snapshot(NOW), incidents=record())
    app = make_app(Config(refresh_s=3600), FakePoller([snap]), clock=FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await until(lambda: len(rows(screen)) == 3, pilot, what="the rows shown")
        built = screen._generation
        await pilot.press("q")
        await until(lambda: app.screen is app.overview, pilot)
        await pilot.press("I")
        await until(lambda: app.screen is screen, pilot, what="the same page, again")
        await pilot.pause()
        assert screen._generation == built
        assert rows(screen) == ["DiskFull", "APIHighErrorRate", EVIL]
