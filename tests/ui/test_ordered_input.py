"""OrderedInput: editing keys that arrive in one burst act in the order typed
(Textualize/textual#6605: a plain Input applies backspace after later characters)."""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from oncall_tui.ui.widgets.ordered_input import OrderedInput


class Form(App[None]):
    def __init__(self, kind: type[Input], value: str) -> None:
        super().__init__()
        self.kind, self.value = kind, value
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        self.field = self.kind(self.value)
        yield self.field

    def on_input_submitted(self, message: Input.Submitted) -> None:
        self.submitted.append(message.value)


def burst(app: App[None], keys: list[str]) -> None:
    """Queue every key at once, as a terminal delivers keys that came in one read."""
    for key in keys:
        char = key if len(key) == 1 else None
        app.post_message(events.Key(key, char))


@pytest.mark.parametrize(
    ("start", "keys", "expected"),
    [
        ("1h", ["backspace", "backspace", "3", "m"], "3m"),
        ("abc", ["left", "left", "x", "end", "y"], "axbcy"),
        ("", ["b", "a", "backspace", "c"], "bc"),
        ("old text", ["ctrl+u", "n", "e", "w"], "new"),
    ],
)
async def test_a_burst_of_keys_edits_in_the_order_typed(
    start: str, keys: list[str], expected: str
) -> None:
    app = Form(OrderedInput, start)
    async with app.run_test() as pilot:
        app.field.cursor_position = len(start)
        burst(app, keys)
        await pilot.pause(0.2)
        assert app.field.value == expected


async def test_enter_in_a_burst_submits_the_edited_value_once() -> None:
    app = Form(OrderedInput, "30m")
    async with app.run_test() as pilot:
        app.field.cursor_position = 3
        burst(app, ["backspace", "backspace", "5", "s", "enter"])
        await pilot.pause(0.2)
        assert app.submitted == ["35s"]


async def test_a_plain_input_gets_the_burst_wrong_which_is_why_this_exists() -> None:
    """Guards the workaround: when Textual fixes #6605 this fails, and OrderedInput can go."""
    app = Form(Input, "1h")
    async with app.run_test() as pilot:
        app.field.cursor_position = 2
        burst(app, ["backspace", "backspace", "3", "m"])
        await pilot.pause(0.2)
        assert app.field.value != "3m"
