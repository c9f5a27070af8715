"""Runbook runs this tool triggered: recorded before they start, finished when they end."""

from __future__ import annotations

from oncall_tui.journal.db import Database
from oncall_tui.journal.rows import RunRecord, run_record

OUTPUT_TAIL_MAX = 16_000
"""Characters of a run's output kept: enough to read the end of a failure."""


class Runs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def started(
        self, runbook: str, target: str, by: str, started_at: float, fingerprint: str | None
    ) -> int:
        with self.db.write() as db:
            cursor = db.execute(
                "INSERT INTO runs (runbook, target, by, started_at, fingerprint) "
                "VALUES (?, ?, ?, ?, ?)",
                (runbook, target, by, started_at, fingerprint),
            )
            return int(cursor.lastrowid or 0)

    def finished(
        self, run_id: int, ended_at: float, ok: bool, exit_code: int | None, output_tail: str
    ) -> None:
        with self.db.write() as db:
            db.execute(
                "UPDATE runs SET ended_at = ?, ok = ?, exit_code = ?, output_tail = ? WHERE id = ?",
                (ended_at, int(ok), exit_code, output_tail[-OUTPUT_TAIL_MAX:], run_id),
            )

    def since(self, ts: float) -> list[RunRecord]:
        """Runs started at or after `ts`, newest first."""
        rows = self.db.read(
            "SELECT * FROM runs WHERE started_at >= ? ORDER BY started_at DESC, id DESC", (ts,)
        )
        return [run_record(r) for r in rows]

    def local_counts(self, since: float) -> dict[str, tuple[int, int]]:
        """runbook -> (runs, successes) over finished runs started at or after `since`.
        A run still going (or cut off by a crash) has no outcome yet and is not counted."""
        rows = self.db.read(
            "SELECT runbook, COUNT(*) AS n, SUM(ok) AS good FROM runs "
            "WHERE started_at >= ? AND ended_at IS NOT NULL GROUP BY runbook",
            (since,),
        )
        return {r["runbook"]: (int(r["n"]), int(r["good"] or 0)) for r in rows}
