"""A partial update renders only the widgets that overlap what changed
(ui/partial_update.py), and the terminal still ends up showing the whole screen as a
full render draws it (deterministic: a fixed clock, counted calls, no stopwatch)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable

from oncall_tui.config_types import Config
from oncall_tui.ui.app import make_app
from oncall_tui.ui.widgets.line import TextLine

from .conftest import FakeClock, FakePoller
from .factories import NOW, first_alert_acked, snapshot
from .test_app_keys import started, until
from .test_repaint import settle
from .test_terminal_bytes import Wire, played, wire  # noqa: F401 (the fixture)


async def test_a_tick_renders_only_the_age_lines_and_what_holds_them(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[Widget] = []
    original = Widget.render_lines

    def counting(self: Widget, crop: Any) -> Any:
        rendered.append(self)
        return original(self, crop)

    monkeypatch.setattr(Widget, "render_lines", counting)
    clock = FakeClock()
    app = make_app(config, FakePoller([snapshot(NOW)]), clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await settle(pilot)
        rendered.clear()
        clock.now = NOW + 25  # every panel's age line: "updated 20s ago"
        app.overview.refresh_ages()
        await settle(pilot)
        ages = {w for w in rendered if isinstance(w, TextLine) and w.has_class("age")}
        assert len(ages) == len([p for p in app.overview.panels if p.display])
        status = app.overview.query_one("#status")  # "polled 25s ago"
        holding = {a for w in (*ages, status) for a in w.ancestors_with_self}
        # Not the tables, bodies, footer or scrollbars: none of their cells is written.
        assert set(rendered) <= holding
        assert not any(isinstance(w, DataTable) for w in rendered)


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_the_terminal_shows_what_a_full_render_draws(
    config: Config,
    wire: Wire,  # noqa: F811 (the fixture)
    size: tuple[int, int],
) -> None:
    clock = FakeClock()
    first = snapshot(NOW)
    second = first_alert_acked(first)
    poller = FakePoller([first, first, second, second])
    app = make_app(config, poller, clock=clock)
    async with app.run_test(size=size) as pilot:
        await started(app, pilot)
        for step in range(1, 4):
            clock.now = NOW + 25 * step  # ages and "since" cells move on
            await pilot.press("R")
            await until(lambda s=step: poller.calls == s + 1 and not app.polling, pilot)
            await settle(pilot)
            app.overview.refresh_ages()
            await settle(pilot)
        await pilot.press("tab")
        await settle(pilot)
        full = app.screen._compositor.render_update(full=True)
        assert full is not None
        assert (
            played(wire.ours, size).cells == played([full.render_segments(app.console)], size).cells
        )


def test_a_changed_number_in_a_run_repaints_only_its_cells() -> None:
    from rich.segment import Segment
    from rich.style import Style

    from oncall_tui.ui.partial_update import _start_at
    from oncall_tui.ui.widgets.line import changed_span

    bold = Style(bold=True)
    old = [Segment("payments  64    87  "), Segment("157", bold), Segment("  ▅▄▅▅")]
    new = [Segment("payments  63    87  "), Segment("156", bold), Segment("  ▅▄▅▅")]
    assert changed_span(old, new) == (11, 23)  # "3    87  15": not the name before it
    assert changed_span([Segment("abc")], [Segment("abcd")]) == (3, 4)
    assert changed_span([Segment("abc")], [Segment("xbc")]) == (0, 1)
    # A wide character is never split: its segment is repainted whole.
    assert changed_span([Segment("漢字1")], [Segment("漢字2")]) == (0, 5)
    assert _start_at(Strip(old), 11) == 11
    assert _start_at(Strip([Segment("漢字1")]), 4) == 0
