"""`?`: every key of the app, generated from its bindings (so a keymap shows up here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HelpRow = tuple[str, str, str, bool]
"""(key, description, tooltip, enabled now)."""


def help_table(rows: Sequence[HelpRow]) -> Table:
    table = Table(box=None, padding=(0, 2, 0, 0), show_header=True, header_style="bold")
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("Action", no_wrap=True)
    table.add_column("What it does")
    for key, description, tooltip, enabled in rows:
        style = "" if enabled else "dim"
        note = tooltip + ("" if enabled else " (select an alert first)")
        table.add_row(Text(key), Text(description, style=style), Text(note, style=style or "dim"))
    return table


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > #help-panel {
        width: 100;
        max-width: 100%;
        height: 90%;
        border: round $primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-body { height: 1fr; }
    HelpScreen #help-keys { width: 100%; height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def __init__(self, rows: Sequence[HelpRow], read_only: bool = False) -> None:
        super().__init__()
        self.rows = list(rows)
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with Vertical(id="help-panel") as panel:
            panel.border_title = "Keys" + (" · read-only" if self.read_only else "")
            panel.border_subtitle = "Esc / q / ? close"
            with VerticalScroll(id="help-body"):
                yield Static(help_table(self.rows), id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
