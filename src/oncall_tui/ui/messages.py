"""Typed messages posted to the app: by the poll worker, and by the screens."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from textual.message import Message

from oncall_tui.model.snapshot import Snapshot


class SnapshotReady(Message):
    """One poll finished; `snapshot` is what it learned (sections may be `ok=False`)."""

    def __init__(self, snapshot: Snapshot, generation: int = 0) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.generation = generation  # which poll_now() started it; stale ones are ignored

    def can_replace(self, message: Message) -> bool:
        # A newer snapshot makes an unprocessed older one worthless: one repaint.
        return isinstance(message, SnapshotReady)


class EarlySections(Message):
    """The first poll's cheap sections (Snapshot field -> part), before its snapshot."""

    def __init__(
        self,
        parts: Mapping[str, object],
        generation: int = 0,
        drawn: asyncio.Event | None = None,
    ) -> None:
        super().__init__()
        self.parts = parts
        self.generation = generation
        self.drawn = drawn or asyncio.Event()
        """Set once they are on screen (or not shown): the poll goes on then."""


class PollFailed(Message):
    """The poll itself raised (not a source's trouble, which a Snapshot reports)."""

    def __init__(self, error: str, generation: int = 0) -> None:
        super().__init__()
        self.error = error
        self.generation = generation


class DetailsRequested(Message):
    """Enter on a panel or row: open the detail view of `subject` (a Health, a
    CircuitBreaker, an Alert ...). The app's AlertCommands opens it."""

    def __init__(self, subject: object) -> None:
        super().__init__()
        self.subject = subject


class SelectionChanged(Message):
    """The row under the alert list's cursor changed: a / A / u / r may have become
    (un)available."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SelectionChanged)
