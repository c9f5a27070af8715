"""Incidents: each poll is merged into the incident record (incident_log), and the
record's rows over the lookback are the section. The ALERTS history is read at step
boundaries fixed to the epoch, at most every `incidents.refresh_s` (memory.IncidentHistory),
for what happened while no copy of the tool was watching."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from oncall_tui.incident_log import IncidentLog, IncidentStore, MemoryIncidentStore, history_bounds
from oncall_tui.model.incident_record import History, history_note
from oncall_tui.model.snapshot import Alerts, Incidents, Section
from oncall_tui.queries import alerts_history
from oncall_tui.sections.alerts import ALERTS
from oncall_tui.sections.spec import (
    BuildContext,
    Query,
    QueryContext,
    Range,
    Results,
    SectionSpec,
)


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    cfg = ctx.config.incidents
    if not ctx.memory.history.due(ctx.now, cfg.refresh_s):
        return {}
    start, end, step = history_bounds(ctx.now, cfg.lookback_s)
    return {"history": Range(alerts_history(step), back_s=end - start, step_s=step, end=end)}


def _store(ctx: BuildContext) -> IncidentStore:
    if ctx.journal is not None:
        return ctx.journal.incidents
    if ctx.memory.incidents is None:
        ctx.memory.incidents = MemoryIncidentStore(since=ctx.now)
    return ctx.memory.incidents


def build(ctx: BuildContext, r: Results) -> Incidents:
    history, now = ctx.memory.history, ctx.now
    lookback = ctx.config.incidents.lookback_s
    fresh: History | None = None
    if "history" in r:
        o = r.outcome("history")
        _, end, step = history_bounds(now, lookback)
        fresh = history.store(o.value, o.error, now, step, end)
    alerts = ctx.part(ALERTS)
    acks: Mapping[str, list[tuple[float, str]]] = {}
    if ctx.journal is not None:
        acks = ctx.journal.acks_by_fingerprint(now - lookback)
    err = str(history.error) if history.error else None
    section = Section(
        "prometheus", ok=err is None, error=err, fetched_at=history.fetched_at or None
    )
    log = IncidentLog(ctx.config, _store(ctx), ctx.memory.last_merge)
    incidents = log.observe(now, alerts, fresh, merge_silence_acks(acks, alerts), section)
    current = len(alerts.items) if alerts.section.ok else 0
    if not history.fetched_at or (incidents.items and not current):
        return incidents  # not read yet, or the record has incidents to show: no note
    note = history_note(history.series_count, lookback, alerts.section.ok, len(alerts.items))
    return replace(incidents, note=note)


def merge_silence_acks(
    acks: Mapping[str, list[tuple[float, str]]], alerts: Alerts
) -> dict[str, list[tuple[float, str]]]:
    """Acks also come from ack silences made elsewhere (karma, kthxbye, other copies).
    Only "ACK!" silences: a maintenance silence is nobody acknowledging the alert."""
    merged = {k: list(v) for k, v in acks.items()}
    by_id = {s.id: s for s in alerts.silences}
    for a in alerts.items:
        for sid in a.silenced_by:
            s = by_id.get(sid)
            if s is not None and s.ack:
                merged.setdefault(a.fingerprint, []).append((s.starts_at, s.created_by))
    for v in merged.values():
        v.sort()
    return merged


INCIDENTS = SectionSpec("incidents", "prometheus", queries, build, needs=(ALERTS,))
