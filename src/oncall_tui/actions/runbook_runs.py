"""Runbook runs, journal first: a run is recorded before anything starts, so a crash
mid-run still leaves a trace, and its outcome is recorded when it ends.

An http runbook whose request never left (its server unreachable) is not a failed run
but an undelivered trigger: it is queued in the journal and retried by `retry_due`
(see `actions.trigger_outbox` for exactly what is retried and what never is)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence

from oncall_tui.actions.trigger_outbox import TRIGGER_MAX_AGE_S, TriggerOutbox
from oncall_tui.config_types import Runbook
from oncall_tui.journal import Journal, in_worker
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.runbooks import RunPlan, RunResult, execute


class RunbookService:
    def __init__(
        self,
        journal: Journal,
        user: str,
        clock: Callable[[], float],
        *,
        max_trigger_age_s: float = TRIGGER_MAX_AGE_S,
    ) -> None:
        self.journal = journal
        self.user = user
        self.clock = clock
        self.triggers = TriggerOutbox(journal, user, clock, max_age_s=max_trigger_age_s)

    async def run(
        self,
        plan: RunPlan,
        alert: Alert | None,
        on_output: Callable[[str], None],
        cancel: asyncio.Event | None = None,
    ) -> RunResult:
        """Record, run, record the outcome. The outcome is recorded even when the run
        itself is cancelled from outside (the task) or fails unexpectedly. A request
        that was never sent is queued for retry instead (its run record stays open
        until a retry gets through); the result's error says so in words."""
        fingerprint = alert.fingerprint if alert is not None else plan.fingerprint
        run_id = await in_worker(
            self.journal.runs.started,
            runbook=plan.name,
            target=plan.target,
            by=self.user,
            started_at=self.clock(),
            fingerprint=fingerprint,
        )
        result: RunResult | None = None
        queued = False
        try:
            result = await execute(plan, on_output, cancel)
            if result.not_sent:
                result = await self.triggers.queue(plan, alert, run_id, result)
                queued = True
            return result
        finally:
            if queued:
                # Left open: the trigger's retry records the outcome in this run.
                pass
            elif result is None:
                # execute() reports runbook failures in its result; reaching here means
                # the task was cancelled or something broke around it.
                await in_worker(
                    self.journal.runs.finished,
                    run_id,
                    self.clock(),
                    False,
                    None,
                    "run interrupted before it finished",
                )
            else:
                await in_worker(
                    self.journal.runs.finished,
                    run_id,
                    self.clock(),
                    result.ok,
                    result.exit_code,
                    _tail_with_error(result),
                )

    async def retry_due(
        self, catalogue: Sequence[Runbook], env: Mapping[str, str], now: float
    ) -> list[str]:
        """Retry the undelivered triggers that are due, planned again with the runbooks
        of `catalogue` and `env`; what changed, in words (nothing for "still waiting")."""
        return await self.triggers.retry_due(catalogue, env, now)

    def pending_triggers_words(self) -> list[str]:
        """One line per trigger still waiting for delivery, for the screen."""
        return self.triggers.pending_words()


def _tail_with_error(result: RunResult) -> str:
    if result.error and result.error not in result.output_tail[-200:]:
        return f"{result.output_tail}\n[{result.error}]".lstrip("\n")
    return result.output_tail
