"""What the app needs from outside: a poller and (optionally) the alert actions.

Both are complete Protocols (the app never probes for a method): the CLI passes the
real ones (`poll.Poller`, `actions.app_actions.LiveActions`), the tests pass fakes that
implement every method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from oncall_tui.config_types import Runbook
from oncall_tui.model.snapshot import Alert, Alerts, Snapshot


class PollerLike(Protocol):
    async def poll(self, window_s: float) -> Snapshot:
        """One cycle: every section (each says ok / error)."""
        ...

    async def poll_early(self, window_s: float) -> Mapping[str, object]:
        """The first poll's cheap sections (Snapshot field -> part), before the rest."""
        ...

    def early_ready(self, window_s: float) -> Mapping[str, object] | None:
        """The first poll's cheap sections if they are here already (asked ahead of the
        app, head_start.py), without waiting; None: `poll_early` asks for them."""
        ...

    async def poll_alerts(self) -> Alerts:
        """Only the Alertmanager's part (kept current while a full poll waits)."""
        ...

    def invalidate_history(self) -> None:
        """Make the next poll re-read the incident history (`R`)."""
        ...

    async def aclose(self) -> None:
        """Close connections (called on exit when the app owns the poller)."""
        ...


class AppActions(Protocol):
    """Acks, un-acks and runbook runs; journal first, then the source (see actions/)."""

    async def ack(
        self, alerts: Sequence[Alert], duration_s: float, comment: str, until_resolved: bool
    ) -> str:
        """Acknowledge `alerts`; returns a message for the user ("acked 2 alerts …")."""
        ...

    async def unack(self, alert: Alert, silence_id: str) -> str: ...

    async def expire_silence(self, silence_id: str, fingerprints: Sequence[str]) -> str:
        """Expire any silence (the silences view); `fingerprints`: the alerts it mutes."""
        ...

    async def withdraw_pending(self, alert: Alert) -> str:
        """`u` on an ack still in the outbox: take it back (nothing was sent)."""
        ...

    def runbooks_for(self, alert: Alert) -> list[Runbook]:
        """The runbooks to offer for `alert`: the linked ones first, then the rest."""
        ...

    async def run_runbook(
        self, runbook: Runbook, alert: Alert, on_output: Callable[[str], None]
    ) -> str:
        """Run it, calling `on_output(line)` per line; returns a summary ("exit 0").

        A failed run raises (its message is shown as the failure summary)."""
        ...

    def pending_fingerprints(self) -> set[str]:
        """Alerts whose ack waits in the outbox (shown "ack pending")."""
        ...

    async def after_poll(self, snapshot: Snapshot) -> list[str]:
        """Work the outbox on what a poll saw; messages for the user."""
        ...


@runtime_checkable
class HasClock(Protocol):
    """An app that tells the time: `OncallApp.clock` (a fixed one in tests). Screens
    that show ages ("expires in 3m") follow it; a host app without one (a test that
    shows a single screen) runs on the system clock."""

    def clock(self) -> float: ...
