"""The journal's records: what its repositories return, and the conversions from its
SQLite rows (JSON columns decoded, 0/1 as bools). `oncall_tui.journal` re-exports the
record types."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Literal

OutboxOp = Literal["ack", "unack", "extend"]
OutboxState = Literal["pending", "sent", "failed", "cancelled"]
TriggerState = Literal["pending", "sent", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    op: OutboxOp
    payload: dict[str, Any]
    fingerprints: tuple[str, ...]
    created_at: float
    attempts: int
    next_try_at: float
    last_error: str | None
    state: OutboxState
    result: str | None  # the silence id, once sent
    sent_at: float | None
    dedupe_key: str | None


@dataclass(frozen=True, slots=True)
class AckRecord:
    """A delivered acknowledgement."""

    fingerprint: str
    silence_id: str
    by: str
    acked_at: float
    until: float | None
    until_resolved: bool
    labels: dict[str, str]
    active: bool


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A runbook run this tool triggered; `ended_at` None while it runs (or if the tool
    died while it ran, or while its trigger waits undelivered in `triggers`)."""

    id: int
    runbook: str
    target: str
    by: str
    started_at: float
    ended_at: float | None
    ok: bool | None
    exit_code: int | None
    output_tail: str
    fingerprint: str | None


@dataclass(frozen=True, slots=True)
class TriggerItem:
    """A runbook trigger whose request never left this machine, waiting to be retried.

    `alert` is the alert it was triggered for as JSON (enough to plan the run again),
    None when it had none; `digest` fingerprints the plan the user confirmed, so a retry
    never runs something else; `run_id` is the run record that gets its outcome."""

    id: int
    runbook: str
    alert: dict[str, Any] | None
    by: str
    created_at: float
    attempts: int
    next_try_at: float
    last_error: str | None
    state: TriggerState
    run_id: int | None
    sent_at: float | None
    target: str
    digest: str


def outbox_item(row: sqlite3.Row) -> OutboxItem:
    d = dict(row)
    d["payload"] = json.loads(d["payload"])
    d["fingerprints"] = tuple(json.loads(d["fingerprints"]))
    return OutboxItem(**d)


def ack_record(row: sqlite3.Row) -> AckRecord:
    d = dict(row)
    del d["id"]
    d["labels"] = json.loads(d["labels"])
    d["until_resolved"], d["active"] = bool(d["until_resolved"]), bool(d["active"])
    return AckRecord(**d)


def run_record(row: sqlite3.Row) -> RunRecord:
    d = dict(row)
    d["ok"] = None if d["ok"] is None else bool(d["ok"])
    return RunRecord(**d)


def trigger_item(row: sqlite3.Row) -> TriggerItem:
    d = dict(row)
    d["alert"] = None if d["alert"] is None else json.loads(d["alert"])
    return TriggerItem(**d)
