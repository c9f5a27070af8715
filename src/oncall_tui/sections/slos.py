"""SLOs: two queries per `[[slos]]` entry (bad and all events over the eight windows,
see dash_queries) and, unless switched off, one query for Sloth / Pyrra rules.

A refused query (bad PromQL, no such bucket) is that SLO's own `error`; the section
is stale only when Prometheus itself did not answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from oncall_tui.dash_queries import slo_queries
from oncall_tui.model.slo import configured_slo
from oncall_tui.model.slo_discovery import DISCOVERY_QUERY, discover
from oncall_tui.model.snapshot import Section, Slo, Slos
from oncall_tui.sections.spec import (
    BuildContext,
    Instant,
    Query,
    QueryContext,
    Results,
    SectionSpec,
)
from oncall_tui.sources.errors import BadResponse, Unreachable

DISCOVERY = "discovery"


def _keys(i: int) -> tuple[str, str]:
    return f"slo {i} bad", f"slo {i} total"


def queries(ctx: QueryContext) -> Mapping[str, Query]:
    out: dict[str, Query] = {}
    for i, slo in enumerate(ctx.config.slos):
        q = slo_queries(slo)
        bad, total = _keys(i)
        out[bad], out[total] = Instant(q.bad), Instant(q.total)
    if ctx.config.slo_discovery.enabled:
        out[DISCOVERY] = Instant(DISCOVERY_QUERY)
    return out


def transport_error(r: Results, names: list[str]) -> str | None:
    """The first "Prometheus did not answer" among `names` (a refused query is not)."""
    for name in names:
        error = r.outcome(name).error
        if isinstance(error, Unreachable | BadResponse):
            return str(error)
    return None


def build(ctx: BuildContext, r: Results) -> Slos:
    cfg = ctx.config
    names = [k for i in range(len(cfg.slos)) for k in _keys(i)]
    if DISCOVERY in r:
        names.append(DISCOVERY)
    down = transport_error(r, names)
    if down is not None:
        return Slos(section=Section("prometheus", ok=False, error=down))
    items: list[Slo] = []
    for i, slo in enumerate(cfg.slos):
        bad, total = (r.outcome(k) for k in _keys(i))
        error = bad.error or total.error
        items.append(configured_slo(slo, bad.value, total.value, str(error) if error else None))
    if DISCOVERY in r and r.outcome(DISCOVERY).ok:
        items.extend(discover(r.samples(DISCOVERY), {s.name for s in cfg.slos}))
    # Discovery refused (a Prometheus-compatible store without regex on __name__) says
    # so on the section, without hiding the configured SLOs.
    err = r.outcome(DISCOVERY).error if DISCOVERY in r else None
    note = f"SLO discovery: {err}" if err else None
    return Slos(
        items=tuple(items),
        section=Section("prometheus", ok=True, error=note, fetched_at=ctx.now),
    )


SLOS = SectionSpec("slos", "prometheus", queries, build)
