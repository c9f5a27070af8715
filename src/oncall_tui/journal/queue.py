"""A durable queue of things to send: one table, one row decoder, the same guards for
every queue (the ack outbox, the runbook triggers).

Rows are `pending` until a final state: `sent`, `failed` (refused, never retried) or
`cancelled`. A claim pushes a row's `next_try_at` forward by a lease, so two copies of
the tool never send the same row at once; a copy that dies mid-send lets the lease run
out and the next one retries. Every change of state applies to a pending row only —
except `mark_sent`, which also records a delivery that raced a cancel: the server has
it, and the journal must say so.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Generic, Literal, TypeVar

from oncall_tui.journal.db import Database

T = TypeVar("T")

QueueTable = Literal["outbox", "triggers"]
"""The tables that hold queues (table names are never user input)."""


class Queue(Generic[T]):
    def __init__(self, db: Database, table: QueueTable, decode: Callable[[sqlite3.Row], T]):
        self.db = db
        self.table = table
        self.decode = decode

    def due(self, now: float, *, lease_s: float = 60.0) -> list[T]:
        """Pending rows whose time has come, oldest first, claimed for `lease_s` (their
        next try pushed that far) so no other copy sends them meanwhile."""
        # Called every poll: a plain read first, the write lock only when there is work.
        due = f"FROM {self.table} WHERE state = 'pending' AND next_try_at <= ?"
        if not self.db.read(f"SELECT 1 {due} LIMIT 1", (now,)):
            return []
        with self.db.write() as db:
            rows = db.execute(f"SELECT * {due} ORDER BY id", (now,)).fetchall()
            db.executemany(
                f"UPDATE {self.table} SET next_try_at = ? WHERE id = ?",
                [(now + lease_s, r["id"]) for r in rows],
            )
        return [self.decode(r) for r in rows]

    def claim(self, row_id: int, now: float, *, lease_s: float = 60.0) -> T | None:
        """Claim one row if it is pending and due (None if another copy has it)."""
        with self.db.write() as db:
            row = db.execute(
                f"SELECT * FROM {self.table} WHERE id = ? AND state = 'pending' "
                "AND next_try_at <= ?",
                (row_id, now),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                f"UPDATE {self.table} SET next_try_at = ? WHERE id = ?", (now + lease_s, row_id)
            )
        return self.decode(row)

    def mark_sent(self, row_id: int, now: float | None = None, **columns: object) -> None:
        """Delivered (the server answered with success); `columns` to set as well."""
        at = time.time() if now is None else now
        extra = "".join(f", {name} = ?" for name in columns)
        with self.db.write() as db:
            db.execute(
                f"UPDATE {self.table} SET state = 'sent', sent_at = ?, attempts = attempts + 1, "
                f"last_error = NULL{extra} WHERE id = ? AND state IN ('pending', 'cancelled')",
                (at, *columns.values(), row_id),
            )

    def retry_later(self, row_id: int, error: str, next_try_at: float) -> None:
        """A try that did not get through; stays pending until `next_try_at`."""
        with self.db.write() as db:
            db.execute(
                f"UPDATE {self.table} SET attempts = attempts + 1, last_error = ?, "
                "next_try_at = ? WHERE id = ? AND state = 'pending'",
                (error, next_try_at, row_id),
            )

    def mark_rejected(self, row_id: int, error: str, *, attempted: bool = True) -> None:
        """Final, never retried: sent and refused (`attempted`), or it cannot be sent
        any more (unreadable, gone out of date)."""
        with self.db.write() as db:
            db.execute(
                f"UPDATE {self.table} SET state = 'failed', attempts = attempts + ?, "
                "last_error = ? WHERE id = ? AND state = 'pending'",
                (int(attempted), error, row_id),
            )

    def cancel(self, row_id: int, reason: str) -> bool:
        """Withdraw a pending row. False if it was no longer pending."""
        with self.db.write() as db:
            cursor = db.execute(
                f"UPDATE {self.table} SET state = 'cancelled', last_error = ? "
                "WHERE id = ? AND state = 'pending'",
                (reason, row_id),
            )
            return cursor.rowcount > 0

    def get(self, row_id: int) -> T | None:
        rows = self._rows("id = ?", (row_id,))
        return self.decode(rows[0]) if rows else None

    def pending(self) -> list[T]:
        return [self.decode(r) for r in self._rows("state = 'pending'")]

    def prune(self, before: float) -> int:
        """Delete finished rows created before `before`; how many went."""
        with self.db.write() as db:
            cursor = db.execute(
                f"DELETE FROM {self.table} WHERE state != 'pending' AND created_at < ?",
                (before,),
            )
            return cursor.rowcount

    def _rows(self, where: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        return self.db.read(f"SELECT * FROM {self.table} WHERE {where} ORDER BY id", params)
