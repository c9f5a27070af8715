"""What a poll and a tick of the clock repaint (deterministic: a fixed clock, counted
refresh calls, no stopwatch). Over SSH every repainted region is bytes on the link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from oncall_tui.config_types import Config
from oncall_tui.ui.app import make_app
from oncall_tui.ui.widgets.footer import KeyFooter, shown_keys
from oncall_tui.ui.widgets.line import Body, TextLine
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


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_tab_repaints_the_panels_it_leaves_and_enters_not_the_screen(
    config: Config, repaints: list[Widget], size: tuple[int, int]
) -> None:
    app = make_app(config, FakePoller([snapshot(NOW)]), clock=FakeClock())
    async with app.run_test(size=size) as pilot:
        await started(app, pilot)
        await settle(pilot)
        screen = app.overview
        whole: list[object] = []
        original = screen.refresh

        def spy(*regions: Any, **kwargs: Any) -> Any:
            if not regions:
                whole.append(kwargs)
            return original(*regions, **kwargs)

        screen.refresh = spy  # type: ignore[method-assign]
        for _ in range(3):
            left = screen.panels[screen.active]
            repaints.clear()
            await pilot.press("tab")
            await settle(pilot)
            entered = screen.panels[screen.active]
            assert entered is not left and app.focused in entered.walk_children(with_self=True)
            assert {
                p for p in screen.panels if p in repaints or any(p in w.ancestors for w in repaints)
            } <= {left, entered}
        assert whole == []  # the screen as a whole never asked for a repaint


async def test_the_footer_keeps_its_keys_when_they_stay_the_same(config: Config) -> None:
    app = make_app(config, FakePoller([snapshot(NOW)]), clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await settle(pilot)
        footer = app.overview.query_one(KeyFooter)

        def keys() -> list[FooterKey]:
            return list(footer.query(FooterKey))

        def words() -> list[str]:
            return [k.description for k in keys() if not k.has_class("-disabled")]

        first = keys()
        live = words()
        assert "Ack" in live
        for _ in range(len(app.overview.panels)):  # round the panels, back to the alerts
            await pilot.press("tab")
            await settle(pilot)
            assert words() == live
        assert keys() == first  # the same widgets: nothing was rebuilt
        await pilot.press("question_mark")
        await settle(pilot)
        # Behind the help, the overview's keys are greyed out (they are not live) ...
        assert words() == [] and keys() == first
        await pilot.press("escape")
        await settle(pilot)
        # ... and live again after it, still the same widgets.
        assert words() == live and keys() == first
        # A key of another screen is another footer: what it shows is that screen's.
        layout = shown_keys(app.overview).layout
        assert [d for (_, _, d, _, _) in layout if d] == [k.description for k in first]


async def test_a_full_page_over_the_overview_leaves_its_footer_alone(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(config, FakePoller([snapshot(NOW)]), clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await settle(pilot)
        footer = app.overview.query_one(KeyFooter)
        first = list(footer.query(FooterKey))
        restyled: list[FooterKey] = []
        original = FooterKey.set_class

        def spy(self: FooterKey, *args: Any, **kwargs: Any) -> Any:
            restyled.append(self)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(FooterKey, "set_class", spy)
        await pilot.press("I")  # the incidents page hides the overview whole
        await until(lambda: type(app.screen).__name__ == "IncidentsScreen", pilot)
        await settle(pilot)
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot)
        await settle(pilot)
        overview_keys = [k for k in restyled if k in first]
        assert overview_keys == [], "no key of the hidden overview was greyed and back"
        assert list(footer.query(FooterKey)) == first
        assert not any(k.has_class("-disabled") for k in first if k.description == "Ack")


async def test_a_changed_body_is_rendered_once_and_shows_what_textual_would(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Body hands the lines it compared to Textual's render cache: the repaint after a
    poll renders no body again, and its lines are those a full render makes."""
    first = snapshot(NOW)
    slower = tuple(
        replace(s, quantiles={k: (v or 0.0) * 1.5 for k, v in s.quantiles.items()})
        for s in first.latency.services
    )
    second = replace(first, latency=replace(first.latency, services=slower))
    poller = FakePoller([first, second])
    app = make_app(config, poller, clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await settle(pilot)
        body = app.overview.query_one("#latency-table", Body)
        before = [body.render_line(y) for y in range(body.size.height)]
        rendered: list[Widget] = []
        original = Widget._render_content

        def counting(self: Widget) -> None:
            rendered.append(self)
            original(self)

        monkeypatch.setattr(Widget, "_render_content", counting)
        await pilot.press("R")
        await until(lambda: poller.calls == 2 and not app.polling, pilot)
        await settle(pilot)
        assert not [w for w in rendered if isinstance(w, Body)]
        shown = [body.render_line(y) for y in range(body.size.height)]
        assert shown != before  # the numbers moved
        assert "412" not in "".join(s.text for s in shown)  # checkout p95 was 412 ms
        body.refresh()  # anything else that repaints it: Textual renders from scratch
        again = [body.render_line(y) for y in range(body.size.height)]
        assert [w for w in rendered if w is body]
        assert again == shown


async def test_a_resize_makes_charts_for_the_new_width_without_drawing_the_panel(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Latency, errors and health bodies are made for the size a layout gives them
    (Body.show_sized): a wider terminal gets wider sparklines, and the panel itself
    does not draw again (its data did not change)."""
    drawn: list[str] = []
    original = Panel._draw

    def counting(self: Panel) -> None:
        drawn.append(self.id or "")
        original(self)

    monkeypatch.setattr(Panel, "_draw", counting)
    app = make_app(config, FakePoller([snapshot(NOW)]), clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        body = app.overview.query_one("#latency-table", Body)
        await until(lambda: body.size.width > 0, pilot)
        before = body.size.width, max(len(line.text.rstrip()) for line in body._lines)
        drawn.clear()
        await pilot.resize_terminal(200, 60)
        await until(lambda: body.size.width > before[0], pilot)
        await pilot.pause()
        after = max(len(line.text.rstrip()) for line in body._lines)
        assert after > before[1]  # the trend column took the new room
        assert not {"latency", "errors", "health"} & set(drawn)
