"""The Snapshot the screen shows, and how each answer changes it (no Textual).

A poll's answer is merged section by section into the last good view (`state.merge`:
a section that failed keeps its old data, marked stale); a quick alerts-only answer
replaces just the alert list; both are marked with the acks still waiting in the
outbox (so "ack pending" shows even on an alert list kept from before the ack). The
app owns one `ViewStore` and publishes `view` to the screens after each change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace

from oncall_tui.model.snapshot import (
    Alert,
    Alerts,
    CircuitBreakers,
    ErrorRate,
    Health,
    Incidents,
    Latency,
    RunbookStats,
    Silence,
    Snapshot,
)
from oncall_tui.ui.state import CriticalWatch, merge


def waiting(now: float, window_s: float) -> Snapshot:
    """A Snapshot with every section still waiting for its first answer."""
    return Snapshot(
        taken_at=now,
        window_s=window_s,
        health=Health(score=None),
        latency=Latency(),
        errors=ErrorRate(),
        circuit_breakers=CircuitBreakers(),
        runbooks=RunbookStats(),
        incidents=Incidents(),
        alerts=Alerts(),
        sources={},
    )


def mark_pending(view: Snapshot, pending: Collection[str]) -> Snapshot:
    """`view` with each alert's `ack_pending` as the outbox says now (unchanged, the
    same object, when nothing differs: the panels compare by identity first)."""
    items = view.alerts.items
    if all(a.ack_pending == (a.fingerprint in pending) for a in items):
        return view
    marked = tuple(replace(a, ack_pending=a.fingerprint in pending) for a in items)
    return replace(view, alerts=replace(view.alerts, items=marked))


class ViewStore:
    """`view`: what the screens show. `pending_acks()` names the alerts whose ack waits
    in the outbox (the action backend's); without a backend the answers' own marks stay."""

    def __init__(self, pending_acks: Callable[[], Collection[str]] | None = None) -> None:
        self.pending_acks = pending_acks
        self.view: Snapshot | None = None
        self.criticals = CriticalWatch()

    def apply_poll(self, new: Snapshot, keep_alerts: bool = False) -> list[Alert]:
        """Merge one poll's answer; the paging alerts that are new since the last view.
        `keep_alerts`: the alert list shown is newer than this poll's (refreshed on its
        own while the poll waited), so the poll's must not replace it."""
        if keep_alerts and self.view is not None:
            new = replace(new, alerts=self.view.alerts)
        self.view = self._marked(merge(self.view, new))
        return self.criticals.update(self.view.alerts.items)

    def apply_early(self, parts: Mapping[str, object], now: float, window_s: float) -> bool:
        """The first poll's cheap sections, before its snapshot: every other section
        still waiting (health has no score yet), or as an alerts-only refresh left it.
        False when there were none."""
        if not parts:
            return False
        base = self.view if self.view is not None else waiting(now, window_s)
        self.view = self._marked(replace(base, **parts))  # type: ignore[arg-type]
        return True

    def apply_alerts(self, alerts: Alerts, now: float, window_s: float) -> list[Alert]:
        """An alerts-only answer (its section ok); the new paging alerts."""
        base = self.view if self.view is not None else waiting(now, window_s)
        self.view = self._marked(replace(base, alerts=alerts))
        return self.criticals.update(self.view.alerts.items)

    def _marked(self, view: Snapshot) -> Snapshot:
        return view if self.pending_acks is None else mark_pending(view, self.pending_acks())

    def silences_of(self, alert: Alert) -> list[Silence]:
        """The silences muting `alert`, as the last view knows them."""
        if self.view is None:
            return []
        ids = set(alert.silenced_by)
        return [s for s in self.view.alerts.silences if s.id in ids]
