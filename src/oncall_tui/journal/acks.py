"""Delivered acks: which silence acknowledged which alert, by whom, until when."""

from __future__ import annotations

import json
from collections.abc import Mapping

from oncall_tui.journal.db import Database
from oncall_tui.journal.rows import AckRecord, ack_record


class Acks:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self,
        fingerprint: str,
        silence_id: str,
        by: str,
        acked_at: float,
        until: float | None,
        until_resolved: bool,
        labels: Mapping[str, str],
    ) -> None:
        with self.db.write() as db:
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

    def update_until(
        self, silence_id: str, until: float, *, new_silence_id: str | None = None
    ) -> None:
        """The silence was extended (ack-until-resolved); Alertmanager keeps its id when
        it updates in place, `new_silence_id` covers the case where it replaced it."""
        with self.db.write() as db:
            db.execute(
                "UPDATE acks SET until = ?, silence_id = ? WHERE silence_id = ? AND active = 1",
                (until, new_silence_id or silence_id, silence_id),
            )

    def deactivate(self, silence_id: str) -> None:
        """The silence was expired (un-ack) or left to lapse (alert resolved)."""
        with self.db.write() as db:
            db.execute("UPDATE acks SET active = 0 WHERE silence_id = ?", (silence_id,))

    def by_fingerprint(self, since: float) -> dict[str, list[tuple[float, str]]]:
        """fingerprint -> [(acked_at, by)] oldest first, for acks at or after `since`."""
        out: dict[str, list[tuple[float, str]]] = {}
        for row in self.db.read(
            "SELECT fingerprint, acked_at, by FROM acks WHERE acked_at >= ? ORDER BY acked_at, id",
            (since,),
        ):
            out.setdefault(row["fingerprint"], []).append((row["acked_at"], row["by"]))
        return out

    def of(self, fingerprint: str) -> list[AckRecord]:
        rows = self.db.read(
            "SELECT * FROM acks WHERE fingerprint = ? ORDER BY acked_at, id", (fingerprint,)
        )
        return [ack_record(r) for r in rows]

    def active_until_resolved(self) -> list[AckRecord]:
        rows = self.db.read(
            "SELECT * FROM acks WHERE active = 1 AND until_resolved = 1 ORDER BY acked_at, id"
        )
        return [ack_record(r) for r in rows]
