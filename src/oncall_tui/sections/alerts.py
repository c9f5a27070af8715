"""Alerts: the Alertmanager's alerts and silences, with acks still in the outbox."""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.model import alerts as alerts_model
from oncall_tui.model.snapshot import Alerts
from oncall_tui.sections.spec import (
    AlertmanagerGet,
    BuildContext,
    Query,
    QueryContext,
    Results,
    SectionSpec,
)


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    return {"alerts": AlertmanagerGet("alerts"), "silences": AlertmanagerGet("silences")}


def build(ctx: BuildContext, r: Results) -> Alerts:
    section = r.section("alertmanager", ctx.now)
    if not section.ok:
        return Alerts(section=section)
    silences = alerts_model.parse_silences(r.raw("silences"))
    pending = ctx.journal.pending_fingerprints() if ctx.journal else set()
    entries = r.outcome("alerts").value or []
    items, _ = ctx.memory.alerts.parse_counted(entries, silences, pending)
    return Alerts(items=items, silences=silences, section=section)


ALERTS = SectionSpec("alerts", "alertmanager", queries, build)
