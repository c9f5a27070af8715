"""Runbook triggers whose request never left, kept for retry (actions/trigger_outbox.py
decides what is retried and what never is)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from oncall_tui.journal.db import Database
from oncall_tui.journal.queue import Queue
from oncall_tui.journal.rows import TriggerItem, trigger_item


class TriggerQueue(Queue[TriggerItem]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, "triggers", trigger_item)

    def enqueue(
        self,
        runbook: str,
        alert: Mapping[str, Any] | None,
        by: str,
        *,
        run_id: int | None,
        target: str,
        digest: str,
        error: str,
        next_try_at: float,
        now: float | None = None,
    ) -> int:
        """Keep a trigger whose first try never reached its server (that try counts as
        attempt 1, `error` says why); due again at `next_try_at`."""
        at = time.time() if now is None else now
        body = None if alert is None else json.dumps(dict(alert), sort_keys=True)
        with self.db.write() as db:
            cursor = db.execute(
                "INSERT INTO triggers (runbook, alert, by, created_at, attempts, next_try_at, "
                "last_error, run_id, target, digest) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                (runbook, body, by, at, next_try_at, error, run_id, target, digest),
            )
            return int(cursor.lastrowid or 0)
