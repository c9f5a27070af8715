"""The real action backend of the TUI: acks through the journal's outbox, runbook runs
through the journal, both on the poller's Alertmanager client (one connection pool).

It is what `ui.actions_protocol.AppActions` asks for, plus `after_poll`, which the app
calls after every poll so pending acks are delivered and until-resolved acks extended.
Everything here runs on the app's event loop; nothing imports Textual.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping, Sequence

from oncall_tui.actions.ack import AckService
from oncall_tui.actions.outbox import AckResult
from oncall_tui.actions.runbook_runs import RunbookService
from oncall_tui.config_types import Config, Runbook
from oncall_tui.journal import Journal
from oncall_tui.journal.recover import open_journal
from oncall_tui.model.snapshot import Alert, Snapshot
from oncall_tui.poll import Poller
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.runbooks import plan_run, runbooks_for


class ActionFailed(RuntimeError):
    """Alertmanager refused the ack / un-ack, or a runbook run failed (the message
    says why, in words)."""


def _outcome(result: AckResult) -> str:
    """The result's words; a refusal raises, so the UI shows it as an error."""
    if result.status == "rejected":
        raise ActionFailed(result.message)
    return result.message


class LiveActions:
    def __init__(
        self,
        config: Config,
        alertmanager: AlertmanagerClient,
        journal: Journal,
        *,
        clock: Callable[[], float] = time.time,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.env = os.environ if env is None else env
        self.acks = AckService(
            alertmanager,
            journal,
            config.user,
            config.ack,
            clock,
            read_only=config.read_only,
            refresh_s=config.refresh_s,
        )
        self.runs = RunbookService(journal, config.user, clock)

    async def ack(
        self, alerts: Sequence[Alert], duration_s: float, comment: str, until_resolved: bool
    ) -> str:
        return _outcome(await self.acks.ack(alerts, duration_s, comment, until_resolved))

    async def unack(self, alert: Alert, silence_id: str) -> str:
        return _outcome(await self.acks.unack(alert, silence_id))

    async def expire_silence(self, silence_id: str, fingerprints: Sequence[str]) -> str:
        """The silences view's expire: any silence, muting `fingerprints` (maybe none)."""
        return _outcome(await self.acks.expire(silence_id, fingerprints))

    async def withdraw_pending(self, alert: Alert) -> str:
        """`u` on an ack still waiting in the outbox: drop it. Nothing was sent, so
        there is no silence to expire."""
        return _outcome(await self.acks.unack(alert, None))

    def runbooks_for(self, alert: Alert) -> list[Runbook]:
        ordered, _linked = runbooks_for(alert, self.config.runbooks)
        return ordered

    async def run_runbook(
        self, runbook: Runbook, alert: Alert, on_output: Callable[[str], None]
    ) -> str:
        """The run's summary; a run that failed raises ActionFailed with its words (as
        `AppActions` asks: the UI shows it as the failure summary)."""
        if self.config.read_only:
            raise ActionFailed("read-only mode: running runbooks is disabled")
        plan = plan_run(runbook, alert, self.env)
        result = await self.runs.run(plan, alert, on_output)
        left = f"; {result.left_behind_words}" if result.left_behind else ""
        if not result.ok:
            raise ActionFailed((result.error or "failed") + left)
        # The screen adds how long it took.
        if result.http_status is not None:
            return f"HTTP {result.http_status}"
        return f"exit {result.exit_code}{left}"

    def pending_fingerprints(self) -> set[str]:
        """Alerts whose ack waits in the outbox: the app marks them "ack pending" also
        on an alert list kept from before the ack (no Alertmanager answering)."""
        return self.acks.pending_fingerprints()

    async def after_poll(self, snapshot: Snapshot) -> list[str]:
        """Deliver what the outbox holds and keep until-resolved acks alive. The alerts
        and silences are passed only when this poll could read them."""
        section_ok = snapshot.alerts.section.ok
        alerts = snapshot.alerts.items if section_ok else None
        silences = snapshot.alerts.silences if section_ok else None
        # Side by side: a webhook retry may wait up to its runbook's timeout, and acks
        # must not wait behind it.
        acks, runs = await asyncio.gather(
            self.acks.tick(alerts, silences),
            self.runs.retry_due(self.config.runbooks, self.env, self.runs.clock()),
        )
        return [*acks, *runs]


def live_backend(config: Config) -> tuple[Poller, LiveActions | None, Journal | None]:
    """The poller and actions the TUI runs on, sharing one journal and one Alertmanager
    client. No actions in read-only mode. (The TUI itself builds them after its first
    frame: actions/deferred.py.)"""
    journal = open_journal(config)
    poller = Poller(config, journal=journal)
    if config.read_only or journal is None:
        return poller, None, journal
    return poller, LiveActions(config, poller.alertmanager, journal), journal
