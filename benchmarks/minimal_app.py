"""The reference for the screen benchmark: the smallest Textual app a user would call an
app (Header + Static + Footer; `x` changes the label, and so does Escape), on the same
Textual and interpreter as oncall-tui. `python benchmarks/minimal_app.py`"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

READY = "minimal app ready"
"""On screen with the first frame: the benchmark's 'first frame' marker."""


class MinimalApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "bump", "Bump"),
        Binding("escape", "escape", "Escape"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.presses = 0
        self.escapes = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(READY, id="label")
        yield Footer()

    def action_bump(self) -> None:
        self.presses += 1
        self.query_one("#label", Static).update(f"pressed {self.presses} times")

    def action_escape(self) -> None:
        self.escapes += 1
        self.query_one("#label", Static).update(f"escaped {self.escapes} times")


if __name__ == "__main__":
    MinimalApp().run()
