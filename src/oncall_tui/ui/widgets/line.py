"""A one-line bar (status, summary, tabs) that repaints only when its text changes."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class TextLine(Static):
    """`show(text)` updates only when the text changed, and without a layout pass (the
    height is fixed): the bars are refreshed every second, and a layout repaints the
    screen."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text(""), id=id)
        self._text: Text | None = None

    def show(self, text: Text) -> None:
        if text == self._text:
            return
        self._text = text
        self.update(text, layout=False)
