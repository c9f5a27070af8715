"""Incidents: the ALERTS history over the lookback (cached, see memory.IncidentHistory)
split into incidents, with acks from the journal and from silences made elsewhere."""

from __future__ import annotations

import math
from collections.abc import Mapping

from oncall_tui.model.incidents import history_note, incidents_from
from oncall_tui.model.snapshot import Alerts, Incidents, Section
from oncall_tui.queries import alerts_history, incidents_step
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
    step = incidents_step(cfg.lookback_s)
    # Points fall on start + k*step: start a whole number of steps back so the last
    # one is `now` (else the newest incidents could sit after the last point).
    back = math.ceil(cfg.lookback_s / step) * step
    return {"history": Range(alerts_history(step), back_s=back, step_s=step)}


def build(ctx: BuildContext, r: Results) -> Incidents:
    history, now = ctx.memory.history, ctx.now
    lookback = ctx.config.incidents.lookback_s
    if "history" in r:
        o = r.outcome("history")
        history.store(o.value, o.error, now, incidents_step(lookback))
    alerts = ctx.part(ALERTS)
    if alerts.section.ok and ctx.memory.resolved.note(alerts.items, now, now - lookback):
        # The incident just handled moves from "firing" to "resolved" at the next poll,
        # without waiting for the refresh.
        history.invalidate()
    acks: Mapping[str, list[tuple[float, str]]] = {}
    if ctx.journal is not None:
        acks = ctx.journal.acks_by_fingerprint(now - lookback)
    incidents = incidents_from(
        history.series,
        history.step,
        now,
        alerts.items if alerts.section.ok else (),
        merge_silence_acks(acks, alerts),
        lookback,
        alerts_known=alerts.section.ok,
        recent=ctx.memory.resolved.recent(),
    )
    err = str(history.error) if history.error else None
    return Incidents(
        items=incidents.items,
        mtta_s=incidents.mtta_s,
        mttr_s=incidents.mttr_s,
        lookback_s=lookback,
        section=Section(
            "prometheus", ok=err is None, error=err, fetched_at=history.fetched_at or None
        ),
        note=(
            history_note(len(history.series), lookback, alerts.section.ok, len(alerts.items))
            if history.fetched_at
            else None
        ),
    )


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
