"""The durable journal (SQLite, stdlib sqlite3): the outbox, delivered acks, runbook
runs, and runbook triggers waiting to be retried.

Everything that changes the world is written here *before* it is sent, so nothing is
lost when no Alertmanager answers or the tool is killed: a restart resumes the outbox.

Several copies of the tool may share one file (two terminals, two SSH sessions), so:
WAL mode, a busy timeout, short transactions, and writes that claim outbox items with
`BEGIN IMMEDIATE` (one writer at a time) — `due()` pushes a claimed item's
`next_try_at` forward by a lease, so two copies never deliver the same item at once.
A copy that dies mid-delivery simply lets the lease run out; the next one retries.
`due_triggers()` claims undelivered runbook triggers the same way.

Times are POSIX seconds (float). The schema has a version and forward migrations.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs

from oncall_tui.journal_incidents import INCIDENTS_MIGRATION, IncidentRepository

# Re-exported: callers import the record types from here.
from oncall_tui.journal_rows import AckRecord as AckRecord
from oncall_tui.journal_rows import OutboxItem as OutboxItem
from oncall_tui.journal_rows import OutboxOp as OutboxOp
from oncall_tui.journal_rows import OutboxState as OutboxState
from oncall_tui.journal_rows import QueueTable
from oncall_tui.journal_rows import RunRecord as RunRecord
from oncall_tui.journal_rows import TriggerItem as TriggerItem
from oncall_tui.journal_rows import TriggerState as TriggerState
from oncall_tui.journal_rows import ack_record as _ack_record
from oncall_tui.journal_rows import outbox_item as _outbox_item
from oncall_tui.journal_rows import run_record as _run_record
from oncall_tui.journal_rows import trigger_item as _trigger_item

OUTPUT_TAIL_MAX = 16_000
"""Characters of a run's output kept: enough to read the end of a failure."""
DONE_RETENTION_S = 30 * 86400.0
"""Finished outbox items older than this are pruned on open (acks and runs are
history and stay)."""

_MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema.
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        op TEXT NOT NULL CHECK (op IN ('ack', 'unack', 'extend')),
        payload TEXT NOT NULL,
        fingerprints TEXT NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at REAL NOT NULL,
        last_error TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
        result TEXT,
        sent_at REAL,
        dedupe_key TEXT
    );
    CREATE INDEX outbox_due ON outbox (state, next_try_at);
    CREATE UNIQUE INDEX outbox_pending_key ON outbox (dedupe_key)
        WHERE state = 'pending' AND dedupe_key IS NOT NULL;
    CREATE TABLE acks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        fingerprint TEXT NOT NULL,
        silence_id TEXT NOT NULL,
        by TEXT NOT NULL,
        acked_at REAL NOT NULL,
        until REAL,
        until_resolved INTEGER NOT NULL DEFAULT 0,
        labels TEXT NOT NULL DEFAULT '{}',
        active INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX acks_at ON acks (acked_at);
    CREATE INDEX acks_silence ON acks (silence_id);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        runbook TEXT NOT NULL,
        target TEXT NOT NULL,
        by TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        ok INTEGER,
        exit_code INTEGER,
        output_tail TEXT NOT NULL DEFAULT '',
        fingerprint TEXT
    );
    CREATE INDEX runs_started ON runs (started_at);
    """,
    # 2: runbook triggers whose request never left, kept for retry (actions/trigger_outbox).
    """
    CREATE TABLE triggers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        runbook TEXT NOT NULL,
        alert TEXT,
        by TEXT NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at REAL NOT NULL,
        last_error TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
            CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
        run_id INTEGER REFERENCES runs (id),
        sent_at REAL,
        target TEXT NOT NULL DEFAULT '',
        digest TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX triggers_due ON triggers (state, next_try_at);
    """,
    # 3: the incident record (journal_incidents), and when it began.
    INCIDENTS_MIGRATION,
)
SCHEMA_VERSION = len(_MIGRATIONS)


def default_journal_path() -> Path:
    """`$XDG_STATE_HOME/oncall-tui/journal.sqlite3` (platformdirs)."""
    return Path(platformdirs.user_state_dir("oncall-tui")) / "journal.sqlite3"


class JournalError(RuntimeError):
    """The journal cannot be opened or is newer than this tool understands. `kind`:
    "corrupt" (not an SQLite database, or a damaged one), "newer" (a schema this
    version does not know) or "other" (e.g. no permission): the first two can be set
    aside and a fresh journal started (journal_recover)."""

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


class Journal:
    """One open journal file. `path` None -> the XDG default; ":memory:" -> a private
    in-memory journal (tests). Methods are safe to call from several threads."""

    notice: str | None = None
    """Set when opening had to set an unusable journal aside (journal_recover): the
    words to show the user."""

    def __init__(self, path: Path | str | None = None, *, busy_timeout_s: float = 10.0) -> None:
        if path is None:
            path = default_journal_path()
        self.path = str(path)
        memory = self.path == ":memory:"
        if not memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit mode: each method opens its own short transaction explicitly.
            self._db = sqlite3.connect(
                self.path,
                timeout=busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as e:
            raise JournalError(f"cannot open the journal {self.path}: {e}") from None
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self.incidents = IncidentRepository(self._write, self._read)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            if not memory:
                self._db.execute("PRAGMA journal_mode = WAL")
            # FULL: an ack the user saw as "pending" must survive a power cut too.
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
            self.prune(time.time() - DONE_RETENTION_S)
        except (sqlite3.Error, JournalError) as e:
            self._db.close()
            if isinstance(e, JournalError):
                raise
            # OperationalError: locked, read-only, no permission (not the file's fault).
            damaged = isinstance(e, sqlite3.DatabaseError) and not isinstance(
                e, sqlite3.OperationalError
            )
            raise JournalError(
                f"cannot use the journal {self.path}: {e}", kind="corrupt" if damaged else "other"
            ) from None

    # -- plumbing ---------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taking SQLite's write lock at once so that a
        read-then-update (claim, dedupe) is atomic across processes."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _migrate(self) -> None:
        with self._write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > SCHEMA_VERSION:
                raise JournalError(
                    f"the journal {self.path} has schema version {current}, newer than "
                    f"this oncall-tui understands ({SCHEMA_VERSION}); upgrade oncall-tui",
                    kind="newer",
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                # executescript would COMMIT our transaction; run statement by statement.
                for statement in _MIGRATIONS[version - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def schema_version(self) -> int:
        return int(self._read("SELECT MAX(version) FROM schema_version")[0][0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- outbox -----------------------------------------------------------------------

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
        with self._write() as db:
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

    def due(self, now: float, *, lease_s: float = 60.0) -> list[OutboxItem]:
        """Pending items whose time has come, oldest first, claimed for `lease_s`
        (their next try is pushed that far) so no other copy delivers them meanwhile."""
        return [_outbox_item(r) for r in self._claim_due("outbox", now, lease_s)]

    def _claim_due(self, table: QueueTable, now: float, lease_s: float) -> list[sqlite3.Row]:
        """Pending rows of `table` that are due, their next try pushed `lease_s` on."""
        # Called every poll: a plain read first, the write lock only when there is work.
        due = f"FROM {table} WHERE state = 'pending' AND next_try_at <= ?"
        if not self._read(f"SELECT 1 {due} LIMIT 1", (now,)):
            return []
        with self._write() as db:
            rows = db.execute(f"SELECT * {due} ORDER BY id", (now,)).fetchall()
            db.executemany(
                f"UPDATE {table} SET next_try_at = ? WHERE id = ?",
                [(now + lease_s, r["id"]) for r in rows],
            )
        return rows

    def claim(self, item_id: int, now: float, *, lease_s: float = 60.0) -> OutboxItem | None:
        """Claim one item if it is pending and due (None if another copy has it)."""
        with self._write() as db:
            row = db.execute(
                "SELECT * FROM outbox WHERE id = ? AND state = 'pending' AND next_try_at <= ?",
                (item_id, now),
            ).fetchone()
            if row is None:
                return None
            db.execute("UPDATE outbox SET next_try_at = ? WHERE id = ?", (now + lease_s, item_id))
        return _outbox_item(row)

    def mark_sent(self, item_id: int, result: str | None, *, now: float | None = None) -> None:
        at = time.time() if now is None else now
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET state = 'sent', result = ?, sent_at = ?, "
                "attempts = attempts + 1, last_error = NULL WHERE id = ?",
                (result, at, item_id),
            )

    def mark_failed_attempt(self, item_id: int, error: str, next_try_at: float) -> None:
        """A try that did not get through; stays pending until `next_try_at`."""
        self._retry_later("outbox", item_id, error, next_try_at)

    def _retry_later(self, table: QueueTable, row_id: int, error: str, at: float) -> None:
        with self._write() as db:
            db.execute(
                f"UPDATE {table} SET attempts = attempts + 1, last_error = ?, next_try_at = ? "
                "WHERE id = ? AND state = 'pending'",
                (error, at, row_id),
            )

    def mark_rejected(self, item_id: int, error: str) -> None:
        """The Alertmanager refused it (4xx): final, never retried."""
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE id = ?",
                (error, item_id),
            )

    def _cancel_pending(self, table: QueueTable, row_id: int, reason: str) -> bool:
        with self._write() as db:
            cursor = db.execute(
                f"UPDATE {table} SET state = 'cancelled', last_error = ? "
                "WHERE id = ? AND state = 'pending'",
                (reason, row_id),
            )
            return cursor.rowcount > 0

    def _rows(
        self, table: QueueTable, where: str, params: Sequence[object] = ()
    ) -> list[sqlite3.Row]:
        return self._read(f"SELECT * FROM {table} WHERE {where} ORDER BY id", params)

    def cancel(self, item_id: int, reason: str) -> bool:
        """Drop a pending item (e.g. un-ack of an ack never delivered). False if it was
        no longer pending."""
        return self._cancel_pending("outbox", item_id, reason)

    def item(self, item_id: int) -> OutboxItem | None:
        rows = self._rows("outbox", "id = ?", (item_id,))
        return _outbox_item(rows[0]) if rows else None

    def pending_items(self) -> list[OutboxItem]:
        return [_outbox_item(r) for r in self._rows("outbox", "state = 'pending'")]

    def pending_fingerprints(self, ops: Sequence[OutboxOp] = ("ack",)) -> set[str]:
        """Fingerprints of alerts with an undelivered ack ("ack pending" on screen)."""
        out: set[str] = set()
        for item in self.pending_items():
            if item.op in ops:
                out.update(item.fingerprints)
        return out

    def prune(self, before: float) -> int:
        """Delete finished outbox items (and finished triggers) created before `before`;
        how many outbox items went."""
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM outbox WHERE state != 'pending' AND created_at < ?", (before,)
            )
            db.execute(
                "DELETE FROM triggers WHERE state != 'pending' AND created_at < ?", (before,)
            )
            return cursor.rowcount

    # -- acks -------------------------------------------------------------------------

    def record_ack(
        self,
        fingerprint: str,
        silence_id: str,
        by: str,
        acked_at: float,
        until: float | None,
        until_resolved: bool,
        labels: Mapping[str, str],
    ) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO acks (fingerprint, silence_id, by, acked_at, until, "
                "until_resolved, labels) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    fingerprint,
                    silence_id,
                    by,
                    acked_at,
                    until,
                    int(until_resolved),
                    json.dumps(dict(labels), sort_keys=True),
                ),
            )

    def update_ack_until(
        self, silence_id: str, until: float, *, new_silence_id: str | None = None
    ) -> None:
        """The silence was extended (ack-until-resolved); Alertmanager keeps its id when
        it updates in place, `new_silence_id` covers the case where it replaced it."""
        with self._write() as db:
            db.execute(
                "UPDATE acks SET until = ?, silence_id = ? WHERE silence_id = ? AND active = 1",
                (until, new_silence_id or silence_id, silence_id),
            )

    def deactivate_acks(self, silence_id: str) -> None:
        """The silence was expired (un-ack) or left to lapse (alert resolved)."""
        with self._write() as db:
            db.execute("UPDATE acks SET active = 0 WHERE silence_id = ?", (silence_id,))

    def acks_by_fingerprint(self, since: float) -> dict[str, list[tuple[float, str]]]:
        """fingerprint -> [(acked_at, by)] oldest first, for acks at or after `since`."""
        out: dict[str, list[tuple[float, str]]] = {}
        for row in self._read(
            "SELECT fingerprint, acked_at, by FROM acks WHERE acked_at >= ? ORDER BY acked_at, id",
            (since,),
        ):
            out.setdefault(row["fingerprint"], []).append((row["acked_at"], row["by"]))
        return out

    def acks_for(self, fingerprint: str) -> list[AckRecord]:
        rows = self._read(
            "SELECT * FROM acks WHERE fingerprint = ? ORDER BY acked_at, id", (fingerprint,)
        )
        return [_ack_record(r) for r in rows]

    def active_until_resolved(self) -> list[AckRecord]:
        rows = self._read(
            "SELECT * FROM acks WHERE active = 1 AND until_resolved = 1 ORDER BY acked_at, id"
        )
        return [_ack_record(r) for r in rows]

    # -- runbook runs -----------------------------------------------------------------

    def record_run_started(
        self, runbook: str, target: str, by: str, started_at: float, fingerprint: str | None
    ) -> int:
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO runs (runbook, target, by, started_at, fingerprint) "
                "VALUES (?, ?, ?, ?, ?)",
                (runbook, target, by, started_at, fingerprint),
            )
            return int(cursor.lastrowid or 0)

    def record_run_finished(
        self, run_id: int, ended_at: float, ok: bool, exit_code: int | None, output_tail: str
    ) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE runs SET ended_at = ?, ok = ?, exit_code = ?, output_tail = ? WHERE id = ?",
                (ended_at, int(ok), exit_code, output_tail[-OUTPUT_TAIL_MAX:], run_id),
            )

    def runs_since(self, ts: float) -> list[RunRecord]:
        """Runs started at or after `ts`, newest first."""
        rows = self._read(
            "SELECT * FROM runs WHERE started_at >= ? ORDER BY started_at DESC, id DESC", (ts,)
        )
        return [_run_record(r) for r in rows]

    def local_run_counts(self, since: float) -> dict[str, tuple[int, int]]:
        """runbook -> (runs, successes) over finished runs started at or after `since`.
        A run still going (or cut off by a crash) has no outcome yet and is not counted."""
        rows = self._read(
            "SELECT runbook, COUNT(*) AS n, SUM(ok) AS good FROM runs "
            "WHERE started_at >= ? AND ended_at IS NOT NULL GROUP BY runbook",
            (since,),
        )
        return {r["runbook"]: (int(r["n"]), int(r["good"] or 0)) for r in rows}

    # -- runbook triggers waiting for retry -------------------------------------------

    def enqueue_trigger(
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
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO triggers (runbook, alert, by, created_at, attempts, next_try_at, "
                "last_error, run_id, target, digest) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                (runbook, body, by, at, next_try_at, error, run_id, target, digest),
            )
            return int(cursor.lastrowid or 0)

    def due_triggers(self, now: float, *, lease_s: float = 60.0) -> list[TriggerItem]:
        """Pending triggers whose time has come, oldest first, claimed for `lease_s` (as
        `due` does): no other copy of the tool sends them meanwhile. The lease must
        outlast the request, or another copy could send the same trigger again."""
        return [_trigger_item(r) for r in self._claim_due("triggers", now, lease_s)]

    def mark_trigger_sent(self, trigger_id: int, *, now: float | None = None) -> None:
        """Delivered: the server answered (with success)."""
        at = time.time() if now is None else now
        with self._write() as db:
            db.execute(
                "UPDATE triggers SET state = 'sent', sent_at = ?, attempts = attempts + 1, "
                "last_error = NULL WHERE id = ? AND state = 'pending'",
                (at, trigger_id),
            )

    def mark_trigger_failed_attempt(self, trigger_id: int, error: str, next_try_at: float) -> None:
        """Another try that never reached the server; stays pending until `next_try_at`."""
        self._retry_later("triggers", trigger_id, error, next_try_at)

    def mark_trigger_rejected(self, trigger_id: int, error: str, *, attempted: bool) -> None:
        """Final, never retried: sent and answered with an error (`attempted`), or it
        cannot be sent any more (runbook gone or changed, too old)."""
        with self._write() as db:
            db.execute(
                "UPDATE triggers SET state = 'failed', attempts = attempts + ?, last_error = ? "
                "WHERE id = ? AND state = 'pending'",
                (int(attempted), error, trigger_id),
            )

    def cancel_trigger(self, trigger_id: int, reason: str) -> bool:
        """Withdraw a pending trigger. False if it was no longer pending."""
        return self._cancel_pending("triggers", trigger_id, reason)

    def trigger(self, trigger_id: int) -> TriggerItem | None:
        rows = self._rows("triggers", "id = ?", (trigger_id,))
        return _trigger_item(rows[0]) if rows else None

    def pending_triggers(self) -> list[TriggerItem]:
        return [_trigger_item(r) for r in self._rows("triggers", "state = 'pending'")]
