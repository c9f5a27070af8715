"""The live output of a runbook run.

Lines stream in literally (escape sequences and control characters removed by
`clean`, markup never interpreted: the Log widget does not parse any). `append_output`
and `finish` may be called from the app's thread or from any other thread: both only
queue work and post a message, so order is kept and nothing touches widgets off-loop.

Keys: `c` asks for cancellation (posts `CancelRequested`; the app cancels the run and
then calls `finish`). Esc closes the screen only once the run finished: a run cannot be
left running unseen, because this screen is where its end is reported.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Log, Static

from oncall_tui.durations import format_duration
from oncall_tui.text import clean

MAX_LINES = 10_000
"""Lines kept on screen; older ones scroll away (the journal keeps the output tail)."""
MAX_LINE_CHARS = 4_000
"""Longer lines are cut: one megabyte of minified JSON on one line would stall the UI."""


class RunOutputScreen(ModalScreen[None]):
    """A modal log of one run, with a status line."""

    DEFAULT_CSS = """
    RunOutputScreen {
        align: center middle;
    }
    RunOutputScreen > #panel {
        width: 96%;
        height: 90%;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
    }
    RunOutputScreen #description {
        color: $text-muted;
        height: auto;
        max-height: 4;
        padding: 0 1;
    }
    RunOutputScreen Log {
        height: 1fr;
        background: $background;
        border: none;
        padding: 0 1;
    }
    RunOutputScreen #status {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    RunOutputScreen #status.-ok { color: $success; text-style: bold; }
    RunOutputScreen #status.-failed { color: $error; text-style: bold; }
    RunOutputScreen #status.-cancelling { color: $warning; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel", "Cancel run", id="run.cancel", tooltip="Stop the running runbook"),
        Binding("escape", "close", "Close", id="run.close", tooltip="Close once finished"),
    ]

    class CancelRequested(Message):
        """The user pressed `c` while the run was going: the app should stop it."""

        def __init__(self, screen: RunOutputScreen) -> None:
            super().__init__()
            self.screen = screen

    class OutputQueued(Message):
        """Internal: queued lines (or the run's end) wait to be shown. Never bubbles."""

        bubble = False

    def __init__(self, title: str, description: str) -> None:
        super().__init__()
        self._title = title
        self._description = description
        self._started = time.monotonic()
        self._took: float | None = None
        self._lines: deque[str] = deque(maxlen=MAX_LINES)
        self._finished: tuple[bool, str] | None = None
        self._ended: tuple[bool, str] | None = None  # shown on screen already
        self._flush_posted = False
        self._lock = threading.Lock()
        self._cancel_requested = False

    @property
    def finished(self) -> bool:
        """Whether the run's end was reported with `finish`."""
        return self._finished is not None

    def compose(self) -> ComposeResult:
        with Vertical(id="panel") as panel:
            panel.border_title = Text(clean(self._title, one_line=True))
            if self._description:
                yield Static(Text(clean(self._description)), id="description")
            yield Log(max_lines=MAX_LINES, highlight=False, id="output")
            yield Static(id="status")

    def on_mount(self) -> None:
        self._show_status()
        self._ticker = self.set_interval(0.5, self._show_status)
        self._drain()

    # --- feeding the screen (any thread) ---------------------------------------------

    def append_output(self, line: str) -> None:
        """Queue one line of output (a trailing newline is dropped)."""
        with self._lock:
            self._lines.append(line.removesuffix("\n"))
            self._request_flush()

    def finish(self, ok: bool, summary: str) -> None:
        """Report the end of the run: ok or failed, with e.g. "exit code 1"."""
        with self._lock:
            self._finished = (ok, summary)
            self._took = time.monotonic() - self._started
            self._request_flush()

    def _request_flush(self) -> None:
        # Called with the lock held: one Flush message covers any burst of lines.
        if not self._flush_posted:
            self._flush_posted = True
            self.post_message(self.OutputQueued())

    def on_run_output_screen_output_queued(self) -> None:
        if self.is_mounted:
            self._drain()

    def _drain(self) -> None:
        with self._lock:
            lines = list(self._lines)
            self._lines.clear()
            finished = self._finished
            self._flush_posted = False
        if lines:
            out: list[str] = []
            for line in lines:
                # A line with embedded breaks ("\r" progress output) becomes several.
                for part in clean(line).split("\n"):
                    if len(part) > MAX_LINE_CHARS:
                        cut = len(part) - MAX_LINE_CHARS
                        part = f"{part[:MAX_LINE_CHARS]}… ({cut} more characters)"
                    out.append(part)
            self.query_one(Log).write_lines(out)
        if finished is not None and self._ended is None:
            self._ended = finished
            self._ticker.stop()
            self._show_status()

    # --- status ----------------------------------------------------------------------

    def _show_status(self) -> None:
        status = self.query_one("#status", Static)
        status.remove_class("-ok", "-failed", "-cancelling")
        if self._ended is not None:
            ok, summary = self._ended
            took = format_duration(self._took or 0.0)
            word = "✔ ok" if ok else "✘ failed"
            text = f"{word} · {clean(summary, one_line=True)} · took {took} · Esc closes"
            status.add_class("-ok" if ok else "-failed")
        else:
            elapsed = format_duration(time.monotonic() - self._started)
            if self._cancel_requested:
                text = f"cancelling… {elapsed}"
                status.add_class("-cancelling")
            else:
                text = f"running… {elapsed} · c cancels · Esc closes once it finished"
        status.update(Text(text))

    # --- keys ------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self._ended is not None or self._cancel_requested:
            return
        self._cancel_requested = True
        self.post_message(self.CancelRequested(self))
        self._show_status()

    def action_close(self) -> None:
        if self._ended is None:
            self.notify("Still running: press c to cancel it, or wait for it to finish.")
            return
        self.dismiss(None)
