"""Runbook runs, journal first: a run is recorded before anything starts, so a crash
mid-run still leaves a trace, and its outcome is recorded when it ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.runbooks import RunPlan, RunResult, execute


class RunJournal(Protocol):
    """The part of `journal.Journal` this service needs."""

    def record_run_started(
        self, runbook: str, target: str, by: str, started_at: float, fingerprint: str | None
    ) -> int: ...

    def record_run_finished(
        self, run_id: int, ended_at: float, ok: bool, exit_code: int | None, output_tail: str
    ) -> None: ...


class RunbookService:
    def __init__(self, journal: RunJournal, user: str, clock: Callable[[], float]) -> None:
        self.journal = journal
        self.user = user
        self.clock = clock

    async def run(
        self,
        plan: RunPlan,
        alert: Alert | None,
        on_output: Callable[[str], None],
        cancel: asyncio.Event | None = None,
    ) -> RunResult:
        """Record, run, record the outcome. The outcome is recorded even when the run
        itself is cancelled from outside (the task) or fails unexpectedly."""
        fingerprint = alert.fingerprint if alert is not None else plan.fingerprint
        run_id = self.journal.record_run_started(
            runbook=plan.name,
            target=plan.target,
            by=self.user,
            started_at=self.clock(),
            fingerprint=fingerprint,
        )
        result: RunResult | None = None
        try:
            result = await execute(plan, on_output, cancel)
            return result
        finally:
            if result is None:
                # execute() reports runbook failures in its result; reaching here means
                # the task was cancelled or something broke around it.
                self.journal.record_run_finished(
                    run_id, self.clock(), False, None, "run interrupted before it finished"
                )
            else:
                self.journal.record_run_finished(
                    run_id, self.clock(), result.ok, result.exit_code, _tail_with_error(result)
                )


def _tail_with_error(result: RunResult) -> str:
    if result.error and result.error not in result.output_tail[-200:]:
        return f"{result.output_tail}\n[{result.error}]".lstrip("\n")
    return result.output_tail
