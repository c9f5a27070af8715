"""The journal file: opening it, its connections, its migrations, and the two ways to
touch it (a short write transaction, a read).

Two connections on a file: writes on one (one at a time, `BEGIN IMMEDIATE`), reads on
the other. In WAL mode a reader never waits for a writer, so a read (what the screen
shows, e.g. "ack pending") stays instant while a write waits out another copy's lock
in its worker thread. A ":memory:" journal (tests) has one connection for both.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from oncall_tui.private_files import make_private

T = TypeVar("T")


class JournalError(RuntimeError):
    """The journal cannot be opened or is newer than this tool understands. `kind`:
    "corrupt" (not an SQLite database, or a damaged one), "newer" (a schema this
    version does not know) or "other" (e.g. no permission): the first two can be set
    aside and a fresh journal started (journal/recover.py)."""

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


def prepare_file(path: Path) -> None:
    """Where the journal file (and its -wal/-shm companions) is created: the one place
    that decides how journal files come to exist. They hold runbook output and ack
    history: directory 0700, files 0600 (SQLite gives -wal/-shm the file's mode)."""
    make_private(path)


class Database:
    """One open journal file. Thread-safe: each connection is used under its own lock."""

    def __init__(self, path: str, *, busy_timeout_s: float, migrations: Sequence[str]) -> None:
        self.path = path
        self.memory = path == ":memory:"
        if not self.memory:
            prepare_file(Path(path))
        self._write_lock = threading.RLock()
        self._read_lock = threading.Lock()
        self._writer = self._connect(busy_timeout_s)
        try:
            if not self.memory:
                self._writer.execute("PRAGMA journal_mode = WAL")
            # FULL: an ack the user saw as "pending" must survive a power cut too.
            self._writer.execute("PRAGMA synchronous = FULL")
            self._migrate(migrations)
            self._reader = self._writer if self.memory else self._connect(busy_timeout_s)
        except (sqlite3.Error, JournalError) as e:
            self._writer.close()
            if isinstance(e, JournalError):
                raise
            # OperationalError: locked, read-only, no permission (not the file's fault).
            damaged = isinstance(e, sqlite3.DatabaseError) and not isinstance(
                e, sqlite3.OperationalError
            )
            raise JournalError(
                f"cannot use the journal {path}: {e}", kind="corrupt" if damaged else "other"
            ) from None

    def _connect(self, busy_timeout_s: float) -> sqlite3.Connection:
        try:
            # Autocommit mode: each write opens its own short transaction explicitly.
            db = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as e:
            raise JournalError(f"cannot open the journal {self.path}: {e}") from None
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taking SQLite's write lock at once so that a
        read-then-update (claim, dedupe) is atomic across processes."""
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

    def read(self, sql: str, params: Sequence[object] = ()) -> list[sqlite3.Row]:
        lock = self._write_lock if self.memory else self._read_lock
        with lock:
            return self._reader.execute(sql, params).fetchall()

    def read_each(
        self, sql: str, params: Sequence[object], decode: Callable[[sqlite3.Row], T]
    ) -> list[T]:
        """`read`, each row decoded as it comes: thousands of rows (an alert storm's
        incidents) are never all held as rows and decoded at once as well."""
        lock = self._write_lock if self.memory else self._read_lock
        with lock:
            return [decode(row) for row in self._reader.execute(sql, params)]

    def _migrate(self, migrations: Sequence[str]) -> None:
        latest = len(migrations)
        with self.write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            if current > latest:
                raise JournalError(
                    f"the journal {self.path} has schema version {current}, newer than "
                    f"this oncall-tui understands ({latest}); upgrade oncall-tui",
                    kind="newer",
                )
            for version in range(current + 1, latest + 1):
                # executescript would COMMIT our transaction; run statement by statement.
                for statement in migrations[version - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def schema_version(self) -> int:
        return int(self.read("SELECT MAX(version) FROM schema_version")[0][0])

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            if self._reader is not self._writer:
                self._reader.close()
            self._writer.close()
