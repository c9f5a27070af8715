"""The durable journal (SQLite, stdlib sqlite3): the ack outbox, delivered acks,
runbook runs, and runbook triggers waiting to be retried.

Everything that changes the world is written here *before* it is sent, so nothing is
lost when no Alertmanager answers or the tool is killed: a restart resumes the outbox.
Several copies of the tool may share one file (two terminals, two SSH sessions): WAL
mode, a busy timeout, short transactions, and claims that lease a row (queue.py).

    db.py        the file, its connections, migrations, write/read
    schema.py    the migrations (a new table: one more string at the end)
    queue.py     a durable queue (table + row decoder), the same guards for each
    outbox.py    the ack outbox            -> journal.outbox
    triggers.py  undelivered runbook runs  -> journal.triggers
    acks.py      delivered acks            -> journal.acks
    runs.py      runbook runs              -> journal.runs
    incidents.py the incident record       -> journal.incidents
    recover.py   a damaged / newer file set aside, a fresh one started
    rows.py      the records they return

A new repository: a class over `Database` in its own module, its table as a new
migration in schema.py, and one attribute on `Journal`. On the TUI's event loop, call a
write through `in_worker` (a write may wait up to the busy timeout for another copy's
lock; the screen must not). Times are POSIX seconds (float).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import platformdirs

from oncall_tui.journal.acks import Acks
from oncall_tui.journal.db import Database, JournalError
from oncall_tui.journal.incidents import IncidentRepository
from oncall_tui.journal.outbox import AckOutbox
from oncall_tui.journal.rows import (
    AckRecord,
    OutboxItem,
    OutboxOp,
    OutboxState,
    RunRecord,
    TriggerItem,
    TriggerState,
)
from oncall_tui.journal.runs import OUTPUT_TAIL_MAX, Runs
from oncall_tui.journal.schema import MIGRATIONS, SCHEMA_VERSION
from oncall_tui.journal.triggers import TriggerQueue

__all__ = [
    "DONE_RETENTION_S",
    "MIGRATIONS",
    "OUTPUT_TAIL_MAX",
    "SCHEMA_VERSION",
    "AckRecord",
    "Journal",
    "JournalError",
    "OutboxItem",
    "OutboxOp",
    "OutboxState",
    "RunRecord",
    "TriggerItem",
    "TriggerState",
    "default_journal_path",
    "in_worker",
]

DONE_RETENTION_S = 30 * 86400.0
"""Finished outbox items and triggers older than this are pruned on open (acks and runs
are history and stay)."""

P = ParamSpec("P")
T = TypeVar("T")


def default_journal_path() -> Path:
    """`$XDG_STATE_HOME/oncall-tui/journal.sqlite3` (platformdirs)."""
    return Path(platformdirs.user_state_dir("oncall-tui")) / "journal.sqlite3"


async def in_worker(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`call(*args, **kwargs)` in a worker thread, for journal work on an event loop:
    a locked journal (another copy mid-write) then delays the action, never the screen."""
    return await asyncio.to_thread(call, *args, **kwargs)


class Journal:
    """One open journal file and its repositories. `path` None -> the XDG default;
    ":memory:" -> a private in-memory journal (tests). Safe to use from several threads.
    """

    notice: str | None = None
    """Set when opening had to set an unusable journal aside (recover.py): the words
    to show the user."""

    def __init__(self, path: Path | str | None = None, *, busy_timeout_s: float = 10.0) -> None:
        self.path = str(default_journal_path() if path is None else path)
        self.db = Database(self.path, busy_timeout_s=busy_timeout_s, migrations=MIGRATIONS)
        self.outbox = AckOutbox(self.db)
        self.triggers = TriggerQueue(self.db)
        self.acks = Acks(self.db)
        self.runs = Runs(self.db)
        self.incidents = IncidentRepository(self.db)
        try:
            self.prune(time.time() - DONE_RETENTION_S)
        except Exception as e:
            self.db.close()
            raise JournalError(f"cannot use the journal {self.path}: {e}") from None

    def prune(self, before: float) -> int:
        """Delete finished queue rows created before `before`; how many outbox items."""
        self.triggers.prune(before)
        return self.outbox.prune(before)

    def schema_version(self) -> int:
        return self.db.schema_version()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the Poller reads (sections.spec.JournalView) -----------------------------

    def acks_by_fingerprint(self, since: float) -> dict[str, list[tuple[float, str]]]:
        return self.acks.by_fingerprint(since)

    def local_run_counts(self, since: float) -> dict[str, tuple[int, int]]:
        return self.runs.local_counts(since)

    def pending_fingerprints(self) -> set[str]:
        return self.outbox.pending_fingerprints()
