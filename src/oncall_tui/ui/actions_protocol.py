"""What the app needs from outside: a poller and (optionally) the alert actions.

Both are Protocols so the CLI passes the real ones and the tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from oncall_tui.config_types import Runbook
from oncall_tui.model.snapshot import Alert, Snapshot


class PollerLike(Protocol):
    async def poll(self, window_s: float) -> Snapshot: ...


class AppActions(Protocol):
    """Acks, un-acks and runbook runs; journal first, then the source (see actions/)."""

    async def ack(
        self, alerts: Sequence[Alert], duration_s: float, comment: str, until_resolved: bool
    ) -> str:
        """Acknowledge `alerts`; returns a message for the user ("acked 2 alerts …")."""
        ...

    async def unack(self, alert: Alert, silence_id: str) -> str: ...

    def runbooks_for(self, alert: Alert) -> list[Runbook]:
        """The runbooks to offer for `alert`: the linked ones first, then the rest."""
        ...

    async def run_runbook(
        self, runbook: Runbook, alert: Alert, on_output: Callable[[str], None]
    ) -> str:
        """Run it, calling `on_output(line)` per line; returns a summary ("exit 0").

        A failed run raises (its message is shown as the failure summary); a
        `(ok, summary)` tuple is accepted too for a run that ended but failed."""
        ...
