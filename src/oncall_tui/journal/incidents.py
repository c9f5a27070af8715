"""The journal's `incidents` table: the incident record a postmortem relies on.

One row per incident (model.incident_record holds the rules of how rows change). Each
poll's merge runs inside one write transaction, reading the rows it may touch and
writing the ones that changed, so two copies sharing a journal (a TUI and `oncall-tui
record`) merge into the same rows instead of each keeping its own version.
`meta.incidents_since` says when recording began: history from before it is marked
"pre-journal".
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import cast

from oncall_tui.journal.db import Database
from oncall_tui.model.incident_record import (
    IncidentRecord,
    MergeRules,
    Observation,
    RunSeen,
    Seen,
    merge,
)
from oncall_tui.model.interned import interned_dict
from oncall_tui.model.snapshot import IncidentRun

_COLUMNS = (
    "key, alertname, severity, labels, started_at, ended_at, last_seen_at, seen, "
    "acked_at, acked_by, run_ids"
)


class _Decoder:
    """Rows -> records. In an alert storm every poll reads thousands of open rows whose
    labels are the same JSON text as last poll: each distinct text is decoded once
    (records never mutate their labels, so they can share the dict), its strings
    interned (the same as the alerts' own, model.interned). A text is known by its
    SHA-256, not kept: 20,000 rows' label texts were ~6 MB (see model.alerts.AlertReuse
    on why a digest cannot take one text for another)."""

    def __init__(self) -> None:
        self._labels: dict[bytes, Mapping[str, str]] = {}
        self._read: dict[bytes, Mapping[str, str]] = {}
        self._runs: dict[str, tuple[int, ...]] = {}
        self.alerts: Mapping[str, Mapping[str, str]] = {}
        """The labels of the last merge's alerts, by fingerprint: a row of one of them
        with the same labels shares its dict (20,000 label sets: ~7 MB) rather than
        keep a copy decoded from the row."""

    def labels(self, raw: str, key: str) -> Mapping[str, str]:
        digest = hashlib.sha256(raw.encode()).digest()
        got = self._labels.get(digest)
        if got is None:
            got = interned_dict(json.loads(raw))
            same = self.alerts.get(key)
            # In the same order too (the row's is sorted; Alertmanager sorts its own).
            if same is not None and list(same.items()) == list(got.items()):
                got = same
        self._read[digest] = got
        return got

    def run_ids(self, raw: str) -> tuple[int, ...]:
        if raw == "[]":
            return ()
        got = self._runs.get(raw)
        if got is None:
            if len(self._runs) > 10_000:
                self._runs.clear()  # bound it: run lists of long-gone incidents
            got = self._runs[raw] = tuple(json.loads(raw))
        return got

    def keep_read(self) -> None:
        """After a merge: keep only the labels it read (the rows' own dicts, shared with
        the Snapshot's incidents), not those of rows long out of the window."""
        self._labels, self._read = self._read, {}

    def record(self, row: sqlite3.Row) -> IncidentRecord:
        runs = row["run_ids"]
        return IncidentRecord(
            key=row["key"],
            labels=self.labels(row["labels"], row["key"]),
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            last_seen_at=row["last_seen_at"],
            seen=cast(Seen, row["seen"]),
            acked_at=row["acked_at"],
            acked_by=row["acked_by"],
            run_ids=self.run_ids(runs),
            id=row["id"],
        )


def _data_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA data_version").fetchone()[0])


def _besides_last_seen(r: IncidentRecord) -> tuple[object, ...]:
    return (r.key, r.labels, r.started_at, r.ended_at, r.seen, r.acked_at, r.acked_by, r.run_ids)


def _values(r: IncidentRecord) -> tuple[object, ...]:
    return (
        r.key,
        r.alertname,
        r.severity,
        json.dumps(dict(r.labels), sort_keys=True),
        r.started_at,
        r.ended_at,
        r.last_seen_at,
        r.seen,
        r.acked_at,
        r.acked_by,
        json.dumps(list(r.run_ids)),
    )


class IncidentRepository:
    """The incidents table (migration 3 in schema.py) -> `journal.incidents`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._decode = _Decoder()
        self._version: int | None = None
        """SQLite's data_version after this repository's last merge: it moves when
        another connection (another copy of the tool) commits."""

    def since(self) -> float:
        """When this journal began keeping the incident record."""
        rows = self.db.read("SELECT value FROM meta WHERE name = 'incidents_since'", ())
        return float(rows[0]["value"]) if rows else 0.0

    def merge(self, obs: Observation, rules: MergeRules, reach_s: float) -> list[IncidentRecord]:
        """Merge one poll's observation; the changed rows. Rows that ended within
        `reach_s` before now (how far back the history goes) are checked against its
        history; without history only rows that may still change are read."""
        settle = rules.grace_s + rules.history_settle_s
        horizon = obs.now - settle - (reach_s if obs.history is not None else 0.0)
        # Kept until the next merge: the window read after it decodes the new rows.
        alerts = obs.alerts or ()
        self._decode.alerts = {a.fingerprint: a.labels for a in alerts}
        with self.db.write() as db:
            # Decoded as they come: a storm's thousands of rows are not all held at once.
            before = [
                self._decode.record(r)
                for r in db.execute(
                    "SELECT * FROM incidents WHERE ended_at IS NULL OR ended_at >= ?", (horizon,)
                )
            ]
            by_id = {r.id: r for r in before}
            changed = merge(before, obs, rules)
            stored = []
            seen_again: list[tuple[float, int]] = []
            sets = ", ".join(f"{c.strip()} = ?" for c in _COLUMNS.split(","))
            for r in changed:
                if r.id is None:
                    cursor = db.execute(
                        f"INSERT INTO incidents ({_COLUMNS}) VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        _values(r),
                    )
                    stored.append(replace(r, id=int(cursor.lastrowid or 0)))
                    continue
                old = by_id.get(r.id)
                if old is not None and _besides_last_seen(old) == _besides_last_seen(r):
                    # Still firing, nothing else changed: the common case, thousands a
                    # poll in a storm, written in one statement below.
                    seen_again.append((r.last_seen_at, r.id))
                else:
                    db.execute(f"UPDATE incidents SET {sets} WHERE id = ?", (*_values(r), r.id))
                stored.append(r)
            db.executemany("UPDATE incidents SET last_seen_at = ? WHERE id = ?", seen_again)
            self._version = _data_version(db)
        self._decode.keep_read()
        return stored

    def seen_again(self, now: float) -> bool:
        with self.db.write() as db:
            if self._version is None or _data_version(db) != self._version:
                return False
            db.execute(
                "UPDATE incidents SET last_seen_at = ? WHERE ended_at IS NULL AND last_seen_at < ?",
                (now, now),
            )
        return True

    def window(self, start: float, end: float) -> list[IncidentRecord]:
        """Rows that overlap [start, end], newest start first."""
        return self.db.read_each(
            "SELECT * FROM incidents WHERE started_at <= ? AND (ended_at IS NULL OR ended_at >= ?) "
            "ORDER BY started_at DESC, alertname, key",
            (end, start),
            self._decode.record,
        )

    def runs_seen(self, since: float) -> list[RunSeen]:
        """Runbook runs started at or after `since`, to attach to their incidents."""
        rows = self.db.read(
            "SELECT id, fingerprint, started_at FROM runs WHERE started_at >= ?", (since,)
        )
        return [RunSeen(r["id"], r["fingerprint"], r["started_at"]) for r in rows]

    def runs(self, ids: Iterable[int]) -> dict[int, IncidentRun]:
        """Runs by id, with their outcome as the journal has it now."""
        wanted = sorted(set(ids))
        out: dict[int, IncidentRun] = {}
        for chunk in _chunks(wanted, 500):
            marks = ", ".join("?" * len(chunk))
            for r in self.db.read(f"SELECT * FROM runs WHERE id IN ({marks})", chunk):
                out[r["id"]] = IncidentRun(
                    runbook=r["runbook"],
                    by=r["by"],
                    started_at=r["started_at"],
                    ended_at=r["ended_at"],
                    ok=None if r["ok"] is None else bool(r["ok"]),
                    exit_code=r["exit_code"],
                )
        return out


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])
