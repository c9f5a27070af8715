"""What the app writes to the terminal (deterministic: a fixed clock, the frames
Textual would write, no stopwatch). Over SSH every byte is on the link.

Each frame is captured twice: as the trimmed compositor writes it and as Textual's own
partial update would; both are played on a small terminal model, which must end up
showing the same cells, in the same styles."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from rich.cells import cell_len
from textual._compositor import ChopsUpdate, CompositorUpdate
from textual.app import App
from textual.widget import Widget

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Alerts
from oncall_tui.ui.app import make_app
from oncall_tui.ui.partial_update import TrimmedChopsUpdate

from .conftest import FakeClock, FakePoller
from .factories import NOW, first_alert_acked, snapshot
from .test_app_keys import started, until
from .test_repaint import settle

SEQUENCES = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b\]8;[^\x1b]*\x1b\\|(\n)|([^\x1b\n]+)")


@dataclass
class Terminal:
    """The cells a stream of cursor moves, SGR and text leaves on screen, each with
    the colours and attributes in force when it was written."""

    width: int
    height: int
    cells: list[list[tuple[str, tuple[object, ...]]]] = field(default_factory=list)
    x: int = 0
    y: int = 0
    attrs: frozenset[int] = frozenset()
    fg: tuple[int, ...] = ()
    bg: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        self.cells = [[(" ", ())] * self.width for _ in range(self.height)]

    def text(self) -> str:
        return "\n".join("".join(char for char, _ in row) for row in self.cells)

    def feed(self, data: str) -> None:
        for m in SEQUENCES.finditer(data):
            params, command, newline, text = m.groups()
            if command == "H":
                row, _, col = (params or "1;1").partition(";")
                self.y, self.x = int(row or 1) - 1, int(col or 1) - 1
            elif command == "m":
                self._sgr([int(p or 0) for p in (params or "0").split(";")])
            elif newline:
                self.y += 1
            elif text:
                style = (self.attrs, self.fg, self.bg)
                for ch in text:
                    self.cells[self.y][self.x] = (ch, style)
                    if cell_len(ch) == 2:
                        self.cells[self.y][self.x + 1] = ("", style)
                    self.x += cell_len(ch)

    def _sgr(self, codes: list[int]) -> None:
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.attrs, self.fg, self.bg = frozenset(), (), ()
            elif c in (38, 48):
                n = 3 if codes[i + 1] == 5 else 5
                value = tuple(codes[i : i + n])
                if c == 38:
                    self.fg = value
                else:
                    self.bg = value
                i += n - 1
            elif 30 <= c <= 37 or 90 <= c <= 97 or c == 39:
                self.fg = () if c == 39 else (c,)
            elif 40 <= c <= 47 or 100 <= c <= 107 or c == 49:
                self.bg = () if c == 49 else (c,)
            elif 1 <= c <= 9:
                self.attrs |= {c}
            elif 21 <= c <= 29:
                self.attrs -= {c - 20, 1} if c == 22 else {c - 20}
            i += 1


@dataclass
class Wire:
    """Every frame: what the app writes, and what Textual's own partial update writes."""

    ours: list[str] = field(default_factory=list)
    textuals: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.ours.clear()
        self.textuals.clear()

    @property
    def bytes(self) -> int:
        return sum(len(frame.encode()) for frame in self.ours)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[Wire]:
    seen = Wire()
    original = App._display

    def display(self: App[Any], screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate) and not self._batch_count:
            seen.ours.append(renderable.render_segments(self.console))
            if isinstance(renderable, TrimmedChopsUpdate):
                seen.textuals.append(ChopsUpdate.render_segments(renderable, self.console))
            else:
                seen.textuals.append(seen.ours[-1])
        original(self, screen, renderable)

    monkeypatch.setattr(App, "_display", display)
    yield seen


def played(frames: list[str], size: tuple[int, int]) -> Terminal:
    term = Terminal(*size)
    for frame in frames:
        term.feed(frame)
    return term


def ticked(now: float) -> Any:
    """The demo's steady state: the same data, a later clock (ages move on)."""
    return replace(snapshot(NOW), taken_at=now)


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_trimmed_updates_leave_the_screen_textual_would(
    config: Config, wire: Wire, size: tuple[int, int]
) -> None:
    clock = FakeClock()
    first = snapshot(NOW)
    second = first_alert_acked(first)
    poller = FakePoller([first, first, second, second])
    app = make_app(config, poller, clock=clock)
    async with app.run_test(size=size) as pilot:
        await started(app, pilot)
        for step in range(1, 4):
            clock.now = NOW + step
            await pilot.press("R")
            await until(lambda s=step: poller.calls == s + 1 and not app.polling, pilot)
            await settle(pilot)
        await pilot.press("tab")  # the cursor and focus move: rows repaint in new colours
        await settle(pilot)
        assert len(wire.ours) > 3
        ours, textuals = played(wire.ours, size), played(wire.textuals, size)
        assert ours.cells == textuals.cells
        assert wire.bytes < sum(len(f.encode()) for f in wire.textuals)


async def test_a_tick_writes_only_the_cells_that_changed(config: Config, wire: Wire) -> None:
    clock = FakeClock()
    poller = FakePoller([snapshot(NOW)])
    app = make_app(config, poller, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        clock.now = NOW + 1  # column widths settle on the first tick ("30m" -> "30m 1s")
        await pilot.press("R")
        await until(lambda: poller.calls == 2 and not app.polling, pilot)
        await settle(pilot)
        wire.clear()
        clock.now = NOW + 2
        await pilot.press("R")
        await until(lambda: poller.calls == 3 and not app.polling, pilot)
        await settle(pilot)
        # Ages in seconds moved: "30m 1s" -> "30m 2s" in three breakers and four
        # alerts (and an ack's time left). Each is written as its own cell: no row
        # start, no repeated style. Whole rows would be ~1 KB.
        assert 0 < wire.bytes < 400, wire.ours


async def test_an_unchanged_poll_writes_nothing_and_lays_out_nothing(
    config: Config, wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    layouts: list[Widget] = []
    original = Widget.refresh

    def counting(self: Widget, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("layout"):
            layouts.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Widget, "refresh", counting)
    clock = FakeClock()
    poller = FakePoller([snapshot(NOW)])
    app = make_app(config, poller, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await settle(pilot)
        wire.clear()
        layouts.clear()
        await pilot.press("R")
        await until(lambda: poller.calls == 2 and not app.polling, pilot)
        app.overview.refresh_ages()
        await settle(pilot)
        # The compact layout's summary line is hidden here: setting it must not lay
        # out the screen (which repaints every scrollbar, every second).
        assert layouts == []
        assert wire.bytes == 0, wire.ours


async def test_the_compact_summary_is_made_only_when_shown(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It counts every alert: in a storm, twice a second, for a line nobody sees.
    import oncall_tui.ui.overview as overview

    made: list[object] = []
    original = overview.summary_line

    def counting(*args: Any) -> Any:
        made.append(args)
        return original(*args)

    monkeypatch.setattr(overview, "summary_line", counting)
    clock = FakeClock()
    app = make_app(config, FakePoller([snapshot(NOW)]), clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        app.overview.refresh_ages()
        await settle(pilot)
        assert made == []
        await pilot.resize_terminal(80, 24)
        summary = app.overview.query_one("#summary")
        await until(lambda: "Health" in str(summary.render()), pilot, 5, "the summary shown")


async def test_early_sections_already_here_are_in_the_first_frame_written(
    config: Config, wire: Wire
) -> None:
    """The head start's answer, here when the app starts, is drawn into the overview's
    first frame: the first bytes the terminal gets show the latency rows (the bodies
    are made for their size at the first layout), and that frame is not lost to the
    batch Textual mounts the app in (it would be counted as sent, and only what
    changed after it written)."""
    full = snapshot()
    alerts_asked_after: list[int] = []

    class Watching(FakePoller):
        async def poll_alerts(self) -> Alerts:
            alerts_asked_after.append(len(wire.ours))
            return await super().poll_alerts()

    poller = Watching(script=[full], delay_s=60.0)
    poller.early = {"latency": full.latency, "errors": full.errors}
    poller.early_at_once = True
    app = make_app(config, poller, clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: bool(alerts_asked_after), pilot)
        first = played(wire.ours[:1], (160, 48)).text()
        assert all(s.service in first for s in full.latency.services)
        assert "Error rate" in first and "Alerts" in first
        # The alert list is asked once that frame is out, not before (its requests
        # and their build would hold the frame back).
        assert alerts_asked_after[0] >= 1
