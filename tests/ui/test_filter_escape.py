"""Esc out of the alert filter in a storm: the whole list comes back at once, from rows
kept for that very list (issue #10), never an older list's, never an older clock's."""

from __future__ import annotations

from typing import Any

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Alert
from oncall_tui.ui.app import OncallApp, make_app
from oncall_tui.ui.widgets.alerts import GROUP_ROWS, AlertsPanel
from oncall_tui.ui.widgets.panel import OFF_LOOP_ITEMS
from oncall_tui.ui.widgets.table import selected_key

from .conftest import FakeClock, FakePoller
from .factories import NOW, alert, snapshot
from .test_app_keys import started, until
from .test_keyed_table import lane_held

COUNT = OFF_LOOP_ITEMS + 50
"""Alerts enough for their rows to be built off the loop, in the lane."""


def node_down(i: int, started_ago: float | None = None) -> Alert:
    ago = 60 + i if started_ago is None else started_ago
    return alert("NodeDown", "critical", f"{i:016x}", {"instance": f"h{i}"}, started_ago=ago)


def storm(app_clock: FakeClock, *lists: tuple[Alert, ...]) -> OncallApp:
    poller = FakePoller([snapshot(NOW, alerts=alerts) for alerts in lists])
    return make_app(Config(refresh_s=3600.0, user="tester@host"), poller, clock=app_clock)


def keys(panel: AlertsPanel) -> list[str]:
    return [str(row.key.value) for row in panel.table.ordered_rows]


def count_builds(panel: AlertsPanel) -> list[str]:
    """The filter of every rows' build from now on."""
    built: list[str] = []
    table_rows = panel.table_rows

    def counted(*args: Any) -> Any:
        built.append(panel.filter_text)
        return table_rows(*args)

    panel.table_rows = counted  # type: ignore[method-assign]
    return built


async def rows_idle(app: OncallApp, pilot: Any) -> None:
    """Every rows' build, and what follows it in the lane, finished."""
    await until(
        lambda: not [w for w in app.workers if w.group.startswith("rows-") and w.is_running],
        pilot,
        what="the rows' builds",
    )


async def filtered(app: OncallApp, pilot: Any, text: str) -> AlertsPanel:
    panel = app.overview.alerts
    await pilot.press("/", *text)
    await until(lambda: "filter:" in panel.border_title, pilot, what="the filtered rows")
    await rows_idle(app, pilot)
    return panel


async def test_esc_shows_the_kept_whole_list_at_once_with_the_cursor_on_its_alert(
    config: Config,
) -> None:
    app = storm(FakeClock(), tuple(node_down(i) for i in range(COUNT)))
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        panel = app.overview.alerts
        await until(lambda: panel.table.row_count > 100, pilot, what="the storm's rows")
        await rows_idle(app, pilot)
        everything = keys(panel)
        await filtered(app, pilot, "h12")  # h12, h120 .. h129
        h12 = node_down(12).fingerprint
        panel.table.move_cursor(row=keys(panel).index(h12))
        builds = count_builds(panel)
        with lane_held():  # a poll's build in the lane: a rows' build would wait for it
            await pilot.press("escape")
            await pilot.pause()
            assert keys(panel) == everything
            assert "filter" not in panel.border_title
            assert f"{COUNT} active / {COUNT}" in panel.border_title
        assert builds == []  # shown from the kept rows, not built again
        assert selected_key(panel.table) == h12  # still on the alert it was on
        assert panel.table._parked == {}  # the rows the filter hid came back, none kept
        assert not panel.filter_input.display and app.focused is panel.table


async def test_esc_after_a_poll_shows_the_new_list_not_the_one_before_the_filter(
    config: Config,
) -> None:
    before = tuple(node_down(i) for i in range(COUNT))
    new = node_down(COUNT, started_ago=1)  # the newest: listed first
    after = (*(a for a in before if a.labels["instance"] != "h3"), new)
    app = storm(FakeClock(), before, after)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        panel = app.overview.alerts
        await until(lambda: panel.table.row_count > 100, pilot, what="the storm's rows")
        await filtered(app, pilot, "h3")
        await pilot.press("enter")  # out of the box, the filter kept
        await pilot.press("R")  # the new list arrives while the filter is on
        await until(lambda: app.poller.calls >= 2 and not app.polling, pilot, what="a poll")  # type: ignore[attr-defined]
        await rows_idle(app, pilot)
        assert node_down(3).fingerprint not in keys(panel)
        builds = count_builds(panel)
        with lane_held():
            await pilot.press("escape")
            await pilot.pause()
            shown = keys(panel)
            assert "filter" not in panel.border_title
        assert builds == []  # made for the new list once it came, not at the key
        newest = [new, *(node_down(i) for i in range(3))]
        assert shown[: len(newest) + 1] == ["group:NodeDown", *(a.fingerprint for a in newest)]
        assert node_down(3).fingerprint not in shown  # gone from the Alertmanager
        assert len(shown) == 1 + GROUP_ROWS + 1  # the group's header, its first alerts, "more"
        assert f"{COUNT} active / {COUNT}" in panel.border_title


async def test_esc_shows_the_ages_of_now_not_of_before_the_filter(config: Config) -> None:
    clock = FakeClock()
    app = storm(clock, tuple(node_down(i) for i in range(COUNT)))
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        panel = app.overview.alerts
        await until(lambda: panel.table.row_count > 100, pilot, what="the storm's rows")
        await rows_idle(app, pilot)
        await filtered(app, pilot, "h12")
        clock.now += 125  # the filter was open two minutes
        await pilot.press("escape")
        await pilot.pause()
        h0 = panel.table.get_row(node_down(0).fingerprint)
        assert h0[3].plain == "3m 5s"  # started 60 s before NOW, it is NOW + 125 s
