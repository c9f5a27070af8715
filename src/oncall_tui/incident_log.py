"""The incident log of a poll: merge what it saw into the record, read the window back.

The Poller hands each poll's Alertmanager alerts, freshly read ALERTS history and
acks to `IncidentLog.observe`, which merges them into the record (the journal's
`incidents` table, or an in-memory one when there is no journal) and returns the
Snapshot's `Incidents`: the rows over the lookback, MTTA / MTTR from the same rows.
So the TUI, `snapshot`, `incidents export` and `report` read one record.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from oncall_tui.config_types import Config
from oncall_tui.model.incident_record import (
    Ack,
    History,
    IncidentRecord,
    MergeRules,
    Observation,
    RunSeen,
    grace_default,
    in_window,
    mean_times,
    merge,
    to_incident,
)
from oncall_tui.model.snapshot import Alerts, Incident, IncidentRun, Incidents, Section
from oncall_tui.queries import incidents_step


class IncidentStore(Protocol):
    """Where the record is kept: `journal.incidents.IncidentRepository` or memory."""

    def since(self) -> float: ...
    def merge(
        self, obs: Observation, rules: MergeRules, reach_s: float
    ) -> list[IncidentRecord]: ...
    def window(self, start: float, end: float) -> list[IncidentRecord]: ...
    def runs_seen(self, since: float) -> list[RunSeen]: ...
    def runs(self, ids: Iterable[int]) -> dict[int, IncidentRun]: ...
    def seen_again(self, now: float) -> bool:
        """Every open row seen firing at `now` (what a merge of the same alerts does),
        unless the record changed since this store's last merge (another copy wrote):
        then False, and nothing was written."""
        ...


FULL_MERGE_EVERY_S = 30.0
"""At least this often a poll merges in full even when it saw what the last one saw
(rows leave the lookback window with time)."""


@dataclass
class LastMerge:
    """What the last full merge saw and gave, kept between polls. In an alert storm
    thousands of alerts fire on, unchanged, poll after poll: such a poll only moves the
    rows' last sighting, and its incidents are the last ones (an Incident does not show
    the last sighting)."""

    seen: object = None
    incidents: Incidents | None = None
    at: float = -math.inf

    def same(self, seen: object, now: float) -> Incidents | None:
        if seen is None or seen != self.seen or now - self.at >= FULL_MERGE_EVERY_S:
            return None
        return self.incidents


def _seen(
    alerts: Alerts,
    history: History | None,
    acks: Mapping[str, Sequence[Ack]],
    runs: Sequence[RunSeen],
) -> object:
    """All a merge reads of a poll but the clock, or None when it read history or the
    Alertmanager did not answer (nothing may be taken as unchanged then)."""
    if history is not None or not alerts.section.ok:
        return None
    return (
        tuple((a.fingerprint, a.starts_at) for a in alerts.items),
        tuple(sorted((k, tuple(v)) for k, v in acks.items())),
        tuple(runs),
    )


class MemoryIncidentStore:
    """The record of one process, for when there is no journal (read-only without
    one, `snapshot` before any journal exists). Recording begins at `since`."""

    def __init__(self, since: float) -> None:
        self._since = since
        self._rows: dict[int, IncidentRecord] = {}

    def since(self) -> float:
        return self._since

    def merge(self, obs: Observation, rules: MergeRules, reach_s: float) -> list[IncidentRecord]:
        horizon = obs.now - rules.grace_s - rules.history_settle_s
        if obs.history is not None:
            horizon -= reach_s
        rows = [r for r in self._rows.values() if r.ended_at is None or r.ended_at >= horizon]
        changed = merge(rows, obs, rules)
        stored = []
        for r in changed:
            row_id = len(self._rows) + 1 if r.id is None else r.id
            r = replace(r, id=row_id)
            self._rows[row_id] = r
            stored.append(r)
        return stored

    def window(self, start: float, end: float) -> list[IncidentRecord]:
        return in_window(self._rows.values(), start, end)

    def runs_seen(self, since: float) -> list[RunSeen]:
        return []

    def seen_again(self, now: float) -> bool:
        for row_id, r in self._rows.items():
            if r.ended_at is None and r.last_seen_at < now:
                self._rows[row_id] = replace(r, last_seen_at=now)
        return True  # nobody else writes to this record

    def runs(self, ids: Iterable[int]) -> dict[int, IncidentRun]:
        return {}


def history_bounds(now: float, lookback_s: float) -> tuple[float, float, float]:
    """(start, end, step) of the ALERTS history read at `now`: on multiples of the step
    since the epoch, so every read sees the same boundaries and an incident's history
    start and end do not move with the clock."""
    step = incidents_step(lookback_s)
    end = math.floor(now / step) * step
    return end - math.ceil(lookback_s / step) * step, end, step


def merge_rules(config: Config, since: float) -> MergeRules:
    inc = config.incidents
    grace = inc.grace_s if inc.grace_s is not None else grace_default(config.refresh_s)
    step = incidents_step(inc.lookback_s)
    # A row made from history waits for the next read (refresh) and the lag of one
    # step on either side before it is final.
    return MergeRules(grace_s=grace, history_settle_s=inc.refresh_s + 2 * step, since=since)


def incidents_of(store: IncidentStore, start: float, end: float) -> list[Incident]:
    """The rows overlapping [start, end] as the Snapshot shows them, newest first."""
    rows = store.window(start, end)
    runs = store.runs({i for r in rows for i in r.run_ids})
    return [to_incident(r, runs) for r in rows]


class IncidentLog:
    def __init__(self, config: Config, store: IncidentStore, last: LastMerge | None = None) -> None:
        self.config = config
        self.store = store
        self.rules = merge_rules(config, store.since())
        self.last = last

    def observe(
        self,
        now: float,
        alerts: Alerts,
        history: History | None,
        acks: Mapping[str, Sequence[Ack]],
        section: Section,
    ) -> Incidents:
        """Merge this poll into the record; the incidents over the lookback."""
        lookback = self.config.incidents.lookback_s
        runs = self.store.runs_seen(now - lookback)
        seen = _seen(alerts, history, acks, runs) if self.last is not None else None
        if self.last is not None:
            kept = self.last.same(seen, now)
            if kept is not None and self.store.seen_again(now):
                return replace(kept, section=section)
        obs = Observation(
            now=now,
            alerts=alerts.items if alerts.section.ok else None,
            history=history,
            acks=acks,
            runs=runs,
        )
        self.store.merge(obs, self.rules, lookback)
        # No upper bound: an alert that began while this poll waited for its answers
        # starts after `now`, and its row must be in the incidents all the same.
        items = incidents_of(self.store, now - lookback, math.inf)
        mtta, mttr = mean_times(items)
        incidents = Incidents(
            items=tuple(items), mtta_s=mtta, mttr_s=mttr, lookback_s=lookback, section=section
        )
        if self.last is not None:
            self.last.seen, self.last.incidents, self.last.at = seen, incidents, now
        return incidents
