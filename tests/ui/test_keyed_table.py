"""What keeps an alert storm cheap: many rows, few visible, most unchanged."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.cache import LRUCache
from textual.coordinate import Coordinate

from oncall_tui import cpu_lane
from oncall_tui.config_types import Config
from oncall_tui.cpu_lane import in_lane
from oncall_tui.model.snapshot import Alert, Incident
from oncall_tui.ui.app import OncallApp, make_app
from oncall_tui.ui.screens.incidents import build_rows, incident_row
from oncall_tui.ui.state import filter_alerts
from oncall_tui.ui.widgets.alerts import GROUP_ROWS, SinceCells, list_rows
from oncall_tui.ui.widgets.format import Palette
from oncall_tui.ui.widgets.incidents import (
    MORE_KEY,
    OVERVIEW_ROWS,
    IncidentCells,
    incident_key,
    incident_rows,
)
from oncall_tui.ui.widgets.panel import OFF_LOOP_ITEMS
from oncall_tui.ui.widgets.table import CellCache, KeyedTable, SharedCells, natural_widths

from .conftest import FakeClock, FakePoller
from .factories import NOW, alert, snapshot
from .test_app_keys import started, until


class CountingTable(KeyedTable):
    refreshed: list[Coordinate]  # set before the first apply (DataTable refreshes in __init__)

    def refresh_coordinate(self, coordinate: Coordinate) -> Any:
        getattr(self, "refreshed", []).append(coordinate)
        return super().refresh_coordinate(coordinate)


class TableApp(App[None]):
    CSS = "KeyedTable { height: 11; }"  # the header and 10 rows

    def compose(self) -> ComposeResult:
        yield CountingTable(cursor_type="row")

    def on_mount(self) -> None:
        self.query_one(CountingTable).add_columns("name", "value")


async def showing_rows(app: TableApp, pilot: Any) -> CountingTable:
    """The app's table once it shows `rows()`."""
    table = app.query_one(CountingTable)
    table.apply(rows())
    await pilot.pause()
    return table


def rows(changed: dict[int, str] | None = None) -> list[tuple[str, list[Text]]]:
    changed = changed or {}
    return [(f"r{i}", [Text(f"row{i}"), Text(changed.get(i, f"v{i}"))]) for i in range(100)]


async def test_only_visible_changed_cells_are_repainted_and_the_rest_show_when_scrolled() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 14)) as pilot:
        table = await showing_rows(app, pilot)
        table.refreshed = []
        assert table.apply(rows({3: "NEW3", 80: "NEW80"}))
        # Row 3 is on screen: its cell alone; row 80 is not: nothing now.
        assert table.refreshed == [Coordinate(3, 1)]
        await pilot.pause()
        assert "NEW3" in app.export_screenshot()
        table.move_cursor(row=80, animate=False)
        await until(lambda: table.scroll_offset.y > 60, pilot)
        assert "NEW80" in app.export_screenshot(), "drawn from the new data when scrolled to"


async def test_a_new_order_shows_whether_or_not_the_table_changed_meanwhile() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 14)) as pilot:
        table = await showing_rows(app, pilot)
        assert not table.apply(rows())  # the same rows, the same order: nothing to do
        swapped = rows()
        swapped[0], swapped[1] = swapped[1], swapped[0]
        assert table.apply(swapped)
        assert [r.key.value for r in table.ordered_rows][:2] == ["r1", "r0"]
        # Something else reordered the table (Textual counts every change, a resize
        # too): the order is read from the table, not the one remembered.
        table.sort(table.ordered_columns[0].key, key=lambda name: name.plain, reverse=True)
        assert table.apply(swapped)
        assert [r.key.value for r in table.ordered_rows][:3] == ["r1", "r0", "r2"]


async def test_rows_a_filter_hid_come_back_as_stored_with_their_changed_cells() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 14)) as pilot:
        table = await showing_rows(app, pilot)
        stored = {key.value: cells for key, cells in table._data.items()}
        assert table.apply(rows()[40:43], keep_gone=True)  # a filter: r40 .. r42
        assert [r.key.value for r in table.ordered_rows] == ["r40", "r41", "r42"]
        table.move_cursor(row=1)  # on r41
        await pilot.pause()
        assert table.apply(rows({40: "NEW40"}))  # the filter cleared, a cell changed meanwhile
        assert [r.key.value for r in table.ordered_rows] == [f"r{i}" for i in range(100)]
        back = {key.value: cells for key, cells in table._data.items()}
        assert all(back[k] is stored[k] for k in stored)  # not made again
        assert table.get_row("r40")[1].plain == "NEW40"
        assert table.get_row_at(table.cursor_row)[0].plain == "row41"  # still on its row
        await pilot.pause()
        assert "NEW40" in app.export_screenshot()  # drawn, the cursor row scrolled to
        # Without keep_gone, the rows taken away are let go: nothing kept past a filter.
        assert table.apply(rows()[:5])
        assert table.apply(rows())
        again = {key.value: cells for key, cells in table._data.items()}
        assert not any(again[f"r{i}"] is back[f"r{i}"] for i in range(5, 100))
        assert again["r0"] is back["r0"]  # a row shown throughout stays as it is
        # Kept aside: never more rows than the table showed before the filter.
        assert table.apply(rows()[:3], keep_gone=True)
        assert table.apply([(f"x{i}", [Text("x"), Text("y")]) for i in range(150)], True)
        assert table.apply([("y", [Text("y"), Text("y")])], True)  # 250 taken away
        assert len(table._parked) == 100 and "x149" in table._parked and "r5" not in table._parked
        assert table.apply(rows())


async def test_renderings_of_past_polls_are_not_kept() -> None:
    # A soak (hours of polls) must not grow: a cell's old renderings can never be shown
    # again once it changed, so they do not pile up in Textual's LRU caches.
    app = TableApp()
    async with app.run_test(size=(40, 14)) as pilot:
        table = app.query_one(CountingTable)
        table.refreshed = []
        for poll in range(30):
            table.apply(rows({i: f"p{poll}" for i in range(10)}))
            await pilot.pause()
        # 10 visible rows x 2 columns (+ the header): this poll's renderings only.
        assert len(table._cell_render_cache) <= 2 * 11
        assert len(table._line_cache) <= 11


class RecordingCache(LRUCache[Any, Any]):
    """A cell render cache that lists what is put in it (a rendering made)."""

    made: list[Any]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.made.append(key)
        self.set(key, value)


async def test_a_changed_cell_alone_is_rendered_again_and_the_lines_are_a_fresh_renders() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 14)) as pilot:
        table = await showing_rows(app, pilot)
        await pilot.pause()
        cache = RecordingCache(10_000)
        for key in table._cell_render_cache.keys():  # noqa: SIM118 (LRUCache has no __iter__)
            cache.set(key, table._cell_render_cache[key])
        cache.made = []
        table._cell_render_cache = cache
        assert table.apply(rows({3: "NEW3", 5: "NEW5"}))
        await pilot.pause()
        value = table.ordered_columns[1].key
        made = sorted((k[0].value, k[1] == value) for k in cache.made)
        assert made == [("r3", True), ("r5", True)]  # the name cells were kept
        shown = [table.render_line(y) for y in range(table.size.height)]
        table._drop_rendered()  # everything rendered from scratch
        assert [table.render_line(y) for y in range(table.size.height)] == shown
        assert "NEW3" in shown[4].text
        assert "NEW5" in shown[6].text


def test_cell_cache_keeps_cells_of_an_unchanged_item_and_remakes_changed_ones() -> None:
    made: list[str] = []

    def make(item: str) -> tuple[Text, ...]:
        made.append(item)
        return (Text(item),)

    cache: CellCache[str] = CellCache()
    cache.begin("dark", keep=2)
    first = cache.cells("a", "alpha", make)
    assert cache.cells("a", "alpha", make) is first  # the same objects: no diff, no work
    assert cache.cells("a", "ALPHA", make)[0].plain == "ALPHA"  # the item changed
    cache.begin("dark", keep=2)
    assert cache.cells("a", "ALPHA", make) is cache.cells("a", "ALPHA", make)
    cache.begin("light", keep=2)  # other colours: everything is made again
    cache.cells("a", "ALPHA", make)
    assert made == ["alpha", "ALPHA", "ALPHA"]


def test_shared_cells_make_each_cell_once_and_stay_bounded() -> None:
    shared = SharedCells(limit=3)
    one = shared.text("critical", style="red")
    assert shared.text("critical", style="red") is one
    assert (one.plain, one.style) == ("critical", "red")
    other = shared.text("critical", style="dim")
    right = shared.text("5m", justify="right")
    assert other is not one and right.justify == "right"
    assert len(shared) == 3
    fresh = shared.text("warning")  # past the limit: it starts afresh
    assert len(shared) == 1 and fresh.plain == "warning"
    assert shared.text("critical", style="red") is not one  # made again, equal
    assert shared.text("critical", style="red").plain == one.plain


def test_incident_rows_share_the_cells_that_read_alike() -> None:
    storm = [
        Incident("Storm", "critical", "firing", NOW - i, None, {"i": str(i)}, id=i)
        for i in range(300)
    ]
    built = build_rows(storm, "start", "", Palette({}), NOW, CellCache())
    assert built is not None
    rows = built[1].rows
    (_, first), (_, second) = rows[0], rows[1]
    assert first[0] is not second[0]  # the start: each its own
    assert all(a is b for a, b in zip(first[1:], second[1:], strict=True))
    assert [c.plain for c in first] == [c.plain for c in incident_row(storm[0], Palette({}), NOW)]


async def test_overview_incidents_list_the_newest_and_say_how_many_more(config: Config) -> None:
    extra = 250
    base = snapshot(NOW)
    storm = tuple(
        Incident(f"Storm{i}", "critical", "firing", NOW - 10 - i, None, labels={"i": str(i)})
        for i in range(OVERVIEW_ROWS + extra)
    )
    snap = replace(base, incidents=replace(base.incidents, items=storm))
    app = make_app(config, FakePoller([snap]), clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        table = app.overview.incidents.table
        await until(lambda: table.row_count >= OVERVIEW_ROWS, pilot)
        keys = [row.key.value for row in table.ordered_rows]
        assert keys[0].split("|")[1] == "Storm0"  # newest first
        assert table.row_count == OVERVIEW_ROWS + 1
        assert keys[-1] == MORE_KEY
        more = table.get_row_at(OVERVIEW_ROWS)
        assert any(cell.plain == f"… {extra} more: I" for cell in more)
        assert f"· {OVERVIEW_ROWS + extra} (" in app.overview.incidents.title_text()


def test_alert_cells_outlive_a_filter_that_hid_their_alerts() -> None:
    # In a storm, Esc out of a filter lists thousands of alerts again: their cells are
    # the ones made before the filter, not made anew while the keys wait.
    alerts = [alert(f"Name{i % 7}", "warning", f"fp{i}", {"i": str(i)}) for i in range(1000)]
    palette, cache, since = Palette({}), CellCache[Alert](), SinceCells()

    def cells(rows: list[tuple[str, list[Text]]]) -> dict[str, list[Text]]:
        return {key: row for key, row in rows if key.startswith("fp")}

    before = cells(list_rows(alerts, palette, NOW, cache, since, expanded={"Name3"}).rows)
    narrowed = filter_alerts(alerts, "i=42")
    assert 0 < len(narrowed) < 20
    list_rows(narrowed, palette, NOW, cache, since, of=len(alerts))
    after = cells(list_rows(alerts, palette, NOW, cache, since, expanded={"Name3"}).rows)
    assert after.keys() == before.keys()
    assert all(after[k][0] is before[k][0] for k in before)  # the same Text objects
    # Without `of`, a build of the few filtered alerts lets the rest go.
    list_rows(narrowed, palette, NOW, cache, since)
    again = cells(list_rows(alerts, palette, NOW, cache, since, expanded={"Name3"}).rows)
    assert not any(again[k][0] is before[k][0] for k in before)


def test_natural_widths_are_terminal_cells_for_any_text() -> None:
    # Printable ASCII is measured by its length; wide, combining or control characters
    # as Rich measures them.
    texts = ["db-1", "数据库", "e\u0301", "a\tb", "\x1b[31m", "▾ Disk", ""]
    rows = [(str(i), [Text(t)]) for i, t in enumerate(texts)]
    for key, cells in rows:
        assert natural_widths([""], [(key, cells)]) == [cells[0].cell_len]
    assert natural_widths(["Alert"], rows) == [max(6, max(c[0].cell_len for _, c in rows))]


def test_since_cells_are_shared_by_equal_ages_and_say_unknown_for_no_start() -> None:
    since = SinceCells()
    a = since.cell(NOW, NOW - 125)
    assert a.plain == "2m 5s" and a.justify == "right"
    assert since.cell(NOW + 2, NOW - 123) is a  # another alert, another poll, same text
    assert since.cell(NOW, NOW - 126).plain == "2m 6s"
    assert since.cell(NOW, math.inf).plain == "—"
    since.begin()  # the next build: last build's ages are still at hand
    assert since.cell(NOW + 2, NOW - 123) is a
    since.begin()
    since.begin()  # two builds that did not ask for it: gone (the memory stays bounded)
    assert since.cell(NOW + 2, NOW - 123) is not a


def test_heavy_jobs_take_the_lane_one_at_a_time() -> None:
    inside: list[int] = []
    overlaps: list[int] = []

    def job() -> None:
        inside.append(1)
        if len(inside) > 1:
            overlaps.append(len(inside))
        time.sleep(0.01)  # the work itself: long enough for the other thread to try
        inside.pop()

    threads = [threading.Thread(target=in_lane, args=(job,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []


def test_a_lane_job_superseded_by_the_time_the_lane_is_free_does_not_run() -> None:
    ran: list[str] = []
    assert cpu_lane.in_lane_unless(lambda: True, ran.append, "stale") is None
    cpu_lane.in_lane_unless(lambda: False, ran.append, "current")
    assert ran == ["current"]


def storm_app(config: Config, count: int) -> OncallApp:
    """The app on one poll of `count` NodeDown alerts (h0, h1, ...), newest first."""
    storm = tuple(
        alert("NodeDown", "critical", f"{i:016x}", {"instance": f"h{i}"}, started_ago=60 + i)
        for i in range(count)
    )
    return make_app(config, FakePoller([snapshot(NOW, alerts=storm)]), clock=FakeClock())


async def test_a_storm_group_lists_its_first_alerts_and_enter_on_more_lists_all(
    config: Config,
) -> None:
    app = storm_app(config, GROUP_ROWS + 30)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        panel = app.overview.alerts
        table = panel.table
        await until(lambda: table.row_count == 1 + GROUP_ROWS + 1, pilot)
        more = table.get_row_at(GROUP_ROWS + 1)
        assert more[0].plain == "  … 30 more: Enter lists them"
        table.move_cursor(row=0)  # the group's header: its a/u act on all 130
        await pilot.pause()
        assert len(panel.selected_alerts()) == GROUP_ROWS + 30
        table.focus()
        table.move_cursor(row=GROUP_ROWS + 1)  # the "more" row: nothing to act on
        await pilot.pause()
        assert panel.selected_alerts() == [] and panel.selected_alert() is None
        await pilot.press("enter")
        await until(lambda: table.row_count == 1 + GROUP_ROWS + 30, pilot)
        assert type(app.screen).__name__ == "OverviewScreen"  # no detail view opened


async def test_builds_superseded_while_waiting_for_the_lane_are_skipped(config: Config) -> None:
    app = storm_app(config, OFF_LOOP_ITEMS + 50)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        panel = app.overview.alerts
        await until(lambda: panel.table.row_count > 100, pilot)
        filters: list[str] = []
        table_rows = panel.table_rows

        def counted(snap: Any, palette: Any, now: float) -> Any:
            filters.append(panel.filter_text)
            return table_rows(snap, palette, now)

        panel.table_rows = counted  # type: ignore[method-assign]
        with lane_held():  # another heavy job (a poll's build) holds the lane meanwhile
            for typed in ("h", "h1", "h12"):
                panel.set_filter(typed)
                await pilot.pause()
        await until(lambda: panel.table.row_count == 1 + 1 + 10, pilot)  # h12, h120-h129
        assert filters == ["h12"]  # only the newest of the three waiting builds ran


class lane_held:
    def __enter__(self) -> None:
        assert cpu_lane._LANE.acquire(timeout=5)

    def __exit__(self, *exc: object) -> None:
        cpu_lane._LANE.release()


def test_incident_rows_keep_the_cells_of_unchanged_rows_and_remake_those_the_clock_moved() -> None:
    palette = Palette({})
    firing = Incident("Down", "critical", "firing", NOW - 170, None, labels={"a": "1"})
    resolved = Incident("Slow", "warning", "resolved", NOW - 7200, NOW - 3600, labels={})
    cache: CellCache[IncidentCells] = CellCache()
    first = dict(incident_rows([firing, resolved], palette, NOW, cache))
    again = dict(incident_rows([firing, resolved], palette, NOW + 2, cache))
    assert all(a is b for key in first for a, b in zip(first[key], again[key], strict=True))
    later = dict(incident_rows([firing, resolved], palette, NOW + 20, cache))  # 3m now
    key = incident_key(firing)
    assert later[key][3].plain == "firing 3m" and first[key][3].plain == "firing 2m"
    assert later[key] == list(incident_rows([firing], palette, NOW + 20)[0][1])
    other = incident_key(resolved)
    assert all(a is b for a, b in zip(first[other], later[other], strict=True))
