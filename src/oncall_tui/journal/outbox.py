"""The ack outbox: acks, un-acks and extensions written before they are sent
(actions/outbox.py delivers them)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from oncall_tui.journal.db import Database
from oncall_tui.journal.queue import Queue
from oncall_tui.journal.rows import OutboxItem, OutboxOp, outbox_item


class AckOutbox(Queue[OutboxItem]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, "outbox", outbox_item)

    def enqueue(
        self,
        op: OutboxOp,
        payload: Mapping[str, Any],
        fingerprints: Sequence[str],
        dedupe_key: str | None,
        *,
        now: float | None = None,
    ) -> int:
        """Write an action to send; due at once. A pending item with the same
        `dedupe_key` is replaced by this one (the newest intent wins) and keeps its id,
        so pressing `a` twice while the Alertmanager is down makes one silence."""
        at = time.time() if now is None else now
        body = json.dumps(dict(payload), sort_keys=True)
        fps = json.dumps(list(fingerprints))
        with self.db.write() as db:
            if dedupe_key is not None:
                row = db.execute(
                    "SELECT id FROM outbox WHERE dedupe_key = ? AND state = 'pending'",
                    (dedupe_key,),
                ).fetchone()
                if row is not None:
                    db.execute(
                        "UPDATE outbox SET op = ?, payload = ?, fingerprints = ? WHERE id = ?",
                        (op, body, fps, row["id"]),
                    )
                    return int(row["id"])
            cursor = db.execute(
                "INSERT INTO outbox (op, payload, fingerprints, created_at, next_try_at, "
                "dedupe_key) VALUES (?, ?, ?, ?, ?, ?)",
                (op, body, fps, at, at, dedupe_key),
            )
            return int(cursor.lastrowid or 0)

    def mark_delivered(self, item_id: int, result: str | None, *, now: float | None = None) -> None:
        """Sent; `result` is the silence id."""
        self.mark_sent(item_id, now, result=result)

    def pending_fingerprints(self, ops: Sequence[OutboxOp] = ("ack",)) -> set[str]:
        """Fingerprints of alerts with an undelivered ack ("ack pending" on screen)."""
        out: set[str] = set()
        for item in self.pending():
            if item.op in ops:
                out.update(item.fingerprints)
        return out
