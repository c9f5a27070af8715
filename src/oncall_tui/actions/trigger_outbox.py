"""Runbook triggers that could not be delivered: kept in the journal, retried, never lost.

"Cannot be delivered" means exactly: an `http` runbook whose request was NEVER SENT —
no connection could be made to its server (connection refused, DNS failure, connect
timeout: `RunResult.not_sent`). Only then is a retry safe. Everything else is final:
- a read timeout, a cut connection or an error status (4xx / 5xx): the request reached
  the server and the job (Rundeck, AWX, Jenkins ...) may have started; retrying could
  run it twice, so the run ends failed and the user decides;
- an `exec` runbook runs here: a missing program is a permanent failure, not retried;
- a cancel by the user.

Life of a trigger: the run record is written before the first try (journal first); when
that try was not sent, a `triggers` row is written before the user is told "queued", so
it survives a restart. `retry_due` (after every poll) claims due triggers — a lease, so
two copies of the tool never send the same one — plans the run again from the stored
alert and the runbook of the current catalogue, and sends it:
- not sent again -> pending, next try after `outbox.backoff_s` (1, 2, 4 ... 60 s);
- answered 2xx -> sent; answered otherwise or timed out after sending -> failed, never
  retried;
- runbook gone from the catalogue, changed since it was confirmed (the user approved
  exactly what would run), or the trigger older than `max_age_s` -> failed, in words.
The trigger's run record gets the outcome of the try that was finally sent (or the reason
it was dropped): one trigger is one run in the stats, however many tries it took.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from oncall_tui.actions.outbox import BACKOFF_MAX_S, backoff_s
from oncall_tui.config_types import Runbook
from oncall_tui.durations import format_duration
from oncall_tui.journal import Journal, TriggerItem, in_worker
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.runbooks import RunbookError, RunPlan, RunResult, execute, plan_run

TRIGGER_MAX_AGE_S = 3600.0
"""A trigger not delivered within this long is dropped: a restart job fired an hour after
the click may do more harm than good; the user is told and can trigger it again."""
LEASE_MARGIN_S = 30.0
"""A claim lasts the longest runbook timeout plus this, so it outlasts the request."""


def alert_json(alert: Alert) -> dict[str, Any]:
    """What is kept of an alert to plan its runbook again after a restart."""
    return {
        "fingerprint": alert.fingerprint,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "state": alert.state,
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at,
        "generator_url": alert.generator_url,
    }


def alert_from_json(data: Mapping[str, Any]) -> Alert:
    """The alert back from `alert_json`; KeyError / TypeError / ValueError if unreadable."""
    labels, annotations = data["labels"], data["annotations"]
    if not isinstance(labels, dict) or not isinstance(annotations, dict):
        raise TypeError("labels and annotations must be objects")
    ends_at = data.get("ends_at")
    return Alert(
        fingerprint=str(data["fingerprint"]),
        labels={str(k): str(v) for k, v in labels.items()},
        annotations={str(k): str(v) for k, v in annotations.items()},
        state=str(data.get("state", "active")),
        starts_at=float(data.get("starts_at", 0.0)),
        ends_at=None if ends_at is None else float(ends_at),
        generator_url=str(data.get("generator_url", "")),
    )


def plan_digest(plan: RunPlan) -> str:
    """A fingerprint of what the plan sends, `${ENV}` references unexpanded (so no
    secret is hashed and a rotated token does not count as a change)."""
    shape = {
        "kind": plan.kind,
        "argv": list(plan.argv),
        "method": plan.method,
        "url": plan.url,
        "headers": plan.headers,
        "body": plan.body,
    }
    return hashlib.sha256(orjson.dumps(shape, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _for(alert: Mapping[str, Any] | None) -> str:
    if not alert:
        return ""
    labels = alert.get("labels")
    name = labels.get("alertname") if isinstance(labels, dict) else None
    return f" for {name}" if name else ""


def _tries(n: int) -> str:
    return f"{n} {'try' if n == 1 else 'tries'}"


def _ago(seconds: float) -> str:
    return format_duration(max(0.0, round(seconds)))


class TriggerOutbox:
    """Queues undelivered runbook triggers and retries them; every outcome in words."""

    def __init__(
        self,
        journal: Journal,
        user: str,
        clock: Callable[[], float],
        *,
        max_age_s: float = TRIGGER_MAX_AGE_S,
    ) -> None:
        self.journal = journal
        self.user = user
        self.clock = clock
        self.max_age_s = max_age_s

    async def queue(
        self, plan: RunPlan, alert: Alert | None, run_id: int, result: RunResult
    ) -> RunResult:
        """Keep the not-sent `result`'s trigger for retry; the result says so in words."""
        now = self.clock()
        wait = backoff_s(0)
        error = result.error or "not sent"
        await in_worker(
            self.journal.triggers.enqueue,
            plan.name,
            None if alert is None else alert_json(alert),
            self.user,
            run_id=run_id,
            target=plan.target,
            digest=plan_digest(plan),
            error=error,
            next_try_at=now + wait,
            now=now,
        )
        words = (
            f"not delivered ({error}): queued for retry (first in {wait:.0f}s, then "
            f"backing off up to {format_duration(BACKOFF_MAX_S)}); survives a restart"
        )
        return replace(result, error=words)

    async def retry_due(
        self, catalogue: Sequence[Runbook], env: Mapping[str, str], now: float
    ) -> list[str]:
        """Send the due triggers (concurrently: one slow server does not hold up the
        others). Words only for triggers whose state changed, not for "still waiting"."""
        lease = max((rb.timeout_s for rb in catalogue), default=0.0) + LEASE_MARGIN_S
        due = await in_worker(self.journal.triggers.due, now, lease_s=lease)
        if not due:
            return []
        by_name = {rb.name: rb for rb in catalogue}
        outcomes = await asyncio.gather(*(self._retry(t, by_name, env, now) for t in due))
        return [words for words in outcomes if words]

    async def _retry(
        self,
        trigger: TriggerItem,
        by_name: Mapping[str, Runbook],
        env: Mapping[str, str],
        now: float,
    ) -> str | None:
        name = f"runbook {trigger.runbook}{_for(trigger.alert)}"
        if now - trigger.created_at > self.max_age_s:
            return await self._drop(
                trigger,
                f"{name} dropped: not delivered within {format_duration(self.max_age_s)} "
                f"({_tries(trigger.attempts)}, last: {trigger.last_error}); "
                "trigger it again if it is still needed",
            )
        runbook = by_name.get(trigger.runbook)
        if runbook is None:
            return await self._drop(
                trigger, f"{name} dropped: it is no longer in the configuration"
            )
        try:
            alert = None if trigger.alert is None else alert_from_json(trigger.alert)
            plan = plan_run(runbook, alert, env)
        except (KeyError, TypeError, ValueError) as e:
            # Written by another version, or damaged: it would fail the same way forever.
            return await self._drop(
                trigger, f"{name} dropped: its stored alert is unreadable ({e})"
            )
        except RunbookError as e:
            return await self._drop(trigger, f"{name} dropped: {e}")
        if plan_digest(plan) != trigger.digest:
            return await self._drop(
                trigger,
                f"{name} dropped: its definition changed since it was confirmed "
                f"(was {trigger.target}); trigger it again to run the new one",
            )
        result = await execute(plan, lambda _line: None)
        attempt = trigger.attempts + 1
        if result.not_sent:
            wait = backoff_s(trigger.attempts)
            await in_worker(
                self.journal.triggers.retry_later,
                trigger.id,
                result.error or "not sent",
                self.clock() + wait,
            )
            return None
        await self._finish_run(trigger, result.ok, result.output_tail)
        age = _ago(self.clock() - trigger.created_at)
        if result.ok:
            await in_worker(self.journal.triggers.mark_sent, trigger.id, self.clock())
            return (
                f"{name} delivered on try {attempt} (queued {age} ago): HTTP {result.http_status}"
            )
        words = (
            f"{name} sent on try {attempt} (queued {age} ago) but failed: {result.error}; "
            "not retried (the job may have started)"
        )
        await in_worker(self.journal.triggers.mark_rejected, trigger.id, words, attempted=True)
        return words

    async def _drop(self, trigger: TriggerItem, words: str) -> str:
        await in_worker(self.journal.triggers.mark_rejected, trigger.id, words, attempted=False)
        await self._finish_run(trigger, False, words)
        return words

    async def _finish_run(self, trigger: TriggerItem, ok: bool, output_tail: str) -> None:
        if trigger.run_id is not None:
            await in_worker(
                self.journal.runs.finished, trigger.run_id, self.clock(), ok, None, output_tail
            )

    def pending_words(self) -> list[str]:
        """One line per trigger waiting for delivery, oldest first, for the screen."""
        now = self.clock()
        lines = []
        for t in self.journal.triggers.pending():
            next_in = _ago(t.next_try_at - now)
            lines.append(
                f"runbook {t.runbook}{_for(t.alert)} pending: not delivered after "
                f"{_tries(t.attempts)} over {_ago(now - t.created_at)}, next try in {next_in}"
                f" ({t.last_error})"
            )
        return lines
