"""OrderedInput: editing keys that arrive in one burst act in the order typed
(Textualize/textual#6605: a plain Input applies backspace after later characters)."""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from oncall_tui.ui.widgets.ordered_input import OrderedInput
from waiting import until


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
        await until(
            lambda: app.field.value == expected, pilot, 3, f"the field to read {expected!r}"
        )


async def test_enter_in_a_burst_submits_the_edited_value_once() -> None:
    app = Form(OrderedInput, "30m")
    async with app.run_test() as pilot:
        app.field.cursor_position = 3
        burst(app, ["backspace", "backspace", "5", "s", "enter"])
        await until(lambda: app.submitted, pilot, 3, "the form to be submitted")
        await pilot.pause()  # (a second submit would be queued right behind)
        assert app.submitted == ["35s"]


async def test_a_plain_input_gets_the_burst_wrong_which_is_why_this_exists() -> None:
    """Guards the workaround: when Textual fixes #6605 this fails, and OrderedInput can go."""
    app = Form(Input, "1h")
    changes: dict[int, Input.Changed] = {}  # one entry per message (each bubbles up)

    def record(message: object) -> None:
        if isinstance(message, Input.Changed):
            changes[id(message)] = message

    async with app.run_test(message_hook=record) as pilot:
        app.field.cursor_position = 2
        await pilot.pause()
        changes.clear()  # (the value set on mount)
        burst(app, ["backspace", "backspace", "3", "m"])
        # Each of the four keys changes the value once, whatever order it is applied in.
        await until(lambda: len(changes) >= 4, pilot, 3, "the four edits of the burst")
        assert app.field.value != "3m"
