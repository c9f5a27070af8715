"""Reading `[[slos]]`, `[slo_discovery]` and `[[panels]]` into `config_dash` types.

Each problem is one `ConfigError` naming the dotted key, like the rest of the config.
"""

from __future__ import annotations

import math
import re

from oncall_tui.config_dash import (
    PANEL_KINDS,
    WINDOW,
    LatencySli,
    PanelColumn,
    PanelConfig,
    SloConfig,
    SloDiscoveryConfig,
    Thresholds,
)
from oncall_tui.config_table import Table, show

_LEGEND_FIELD = re.compile(r"\{([^{}]*)\}")
_LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _objective(t: Table) -> float:
    if "objective" not in t.data:
        t.seen.add("objective")
        raise t.fail("objective", 'is required: the good ratio to reach, e.g. 0.99 for "99 %"')
    value = t.number("objective", 0.0, high=1.0)
    if value >= 1.0:
        raise t.fail(
            "objective",
            f"must be below 1 (got {value:g}): an objective of 100 % leaves no error budget, "
            "so budget and burn rates cannot be computed; use e.g. 0.999",
        )
    if value <= 0.0:
        raise t.fail("objective", f"must be above 0, got {value:g} (a ratio such as 0.99)")
    return value


def _windowed(t: Table, name: str) -> str:
    query = t.required(name)
    if WINDOW not in query:
        raise t.fail(
            name,
            f'needs "{WINDOW}" where the range goes, e.g. '
            f"'sum(rate(http_requests_total[{WINDOW}]))'",
        )
    return query


def _latency_sli(t: Table) -> LatencySli:
    histogram = t.required("histogram")
    if "threshold" not in t.data:
        t.seen.add("threshold")
        raise t.fail("threshold", 'is required: the latency that counts as good, e.g. "300ms"')
    threshold = t.duration("threshold", 0.0)
    return LatencySli(
        histogram=histogram,
        threshold_s=threshold,
        selector=t.string("selector", "", nonempty=False),
    )


def slo(t: Table) -> SloConfig:
    name = t.required("name")
    objective = _objective(t)
    period = t.duration("period", SloConfig.period_s)
    has_ratio = "errors" in t.data or "total" in t.data
    latency_t = t.table("latency")
    if has_ratio and latency_t.data:
        raise t.fail("latency", 'use either "errors" + "total" or "latency", not both')
    errors = total = None
    latency = None
    if latency_t.data:
        latency = _latency_sli(latency_t)
        latency_t.done()
    elif has_ratio:
        errors, total = _windowed(t, "errors"), _windowed(t, "total")
    else:
        t.seen.update(("errors", "total"))
        raise t.fail(
            "errors",
            'an SLO needs "errors" and "total" queries (with $window), '
            'or latency = { histogram = "...", threshold = "300ms" }',
        )
    return SloConfig(
        name=name,
        objective=objective,
        period_s=period,
        errors=errors,
        total=total,
        latency=latency,
        description=t.string("description", "", nonempty=False),
    )


def slos(root: Table) -> tuple[SloConfig, ...]:
    out: list[SloConfig] = []
    for t in root.tables("slos"):
        item = slo(t)
        t.done()
        if any(item.name == other.name for other in out):
            raise t.fail("name", f"duplicate SLO name {show(item.name)}")
        out.append(item)
    return tuple(out)


def slo_discovery(t: Table) -> SloDiscoveryConfig:
    return SloDiscoveryConfig(enabled=t.boolean("enabled", SloDiscoveryConfig.enabled))


def _thresholds(owner: Table) -> Thresholds | None:
    t = owner.table("thresholds")
    if not t.data:
        owner.seen.add("thresholds")
        return None
    t.seen.update(("warn", "crit"))  # known even when absent, for "did you mean"
    warn = t.number("warn", math.nan, low=-math.inf) if "warn" in t.data else None
    crit = t.number("crit", math.nan, low=-math.inf) if "crit" in t.data else None
    below = t.boolean("below", False)
    t.done()
    if warn is None and crit is None:
        raise owner.fail("thresholds", 'needs "warn", "crit" or both, e.g. { warn = 5, crit = 10 }')
    if warn is not None and crit is not None:
        if below and crit > warn:
            raise t.fail("crit", f"with below = true, crit ({crit:g}) must not be above warn")
        if not below and crit < warn:
            raise t.fail(
                "crit",
                f"must not be below warn ({crit:g} < {warn:g}); "
                "for values where low is bad (success %) add below = true",
            )
    return Thresholds(warn=warn, crit=crit, below=below)


def _legend(t: Table) -> str:
    legend = t.string("legend", "", nonempty=False)
    for field in _LEGEND_FIELD.findall(legend):
        if not _LABEL_NAME.match(field):
            raise t.fail("legend", f"{{{field}}} is not a label name (like {{method}})")
    return legend


def _column(t: Table) -> PanelColumn:
    column = PanelColumn(
        name=t.required("name"),
        query=t.required("query"),
        unit=t.string("unit", "", nonempty=False),
        thresholds=_thresholds(t),
    )
    t.done()
    return column


def panel(t: Table) -> PanelConfig:
    title = t.required("title")
    kind = t.required("kind")
    if kind not in PANEL_KINDS:
        raise t.fail("kind", f"expected one of {', '.join(PANEL_KINDS)}, got {show(kind)}")
    columns: tuple[PanelColumn, ...] = ()
    query = ""
    if kind == "table":
        if "query" in t.data:
            raise t.fail("query", "a table takes its queries from columns = [{ name, query }, …]")
        columns = tuple(_column(c) for c in t.tables("columns"))
        if not columns:
            t.seen.add("columns")
            raise t.fail("columns", 'a table needs columns = [{ name = "calls", query = "…" }]')
        names = [c.name for c in columns]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup is not None:
            raise t.fail("columns", f"duplicate column name {show(dup)}")
    else:
        query = t.required("query")
        for key in ("columns", "join_on"):
            if key in t.data:
                raise t.fail(key, 'is only used by kind "table"')
    label = t.opt_string("label")
    legend = _legend(t)
    if label is not None:
        if not _LABEL_NAME.match(label):
            raise t.fail("label", f'expected a label name like "method", got {show(label)}')
        if legend:
            raise t.fail("label", 'use either "label" or "legend", not both')
        legend = "{" + label + "}"
    return PanelConfig(
        title=title,
        kind=kind,
        query=query,
        unit=t.string("unit", "", nonempty=False),
        thresholds=_thresholds(t),
        legend=legend,
        top=t.positive_int("top", PanelConfig.top),
        columns=columns,
        join_on=t.strings("join_on", ()),
    )


def panels(root: Table) -> tuple[PanelConfig, ...]:
    out: list[PanelConfig] = []
    for t in root.tables("panels"):
        item = panel(t)
        t.done()
        out.append(item)
    return tuple(out)
