"""The typed config of the dashboards beyond the six core panels: SLOs and custom panels.

`[[slos]]`, `[slo_discovery]` and `[[panels]]` in the TOML file; reading and checking
them is `config_dash_load.py`. Durations are seconds here, ratios in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOW = "$window"
"""Where the range goes in an SLO's `errors` / `total` query, and in a panel's query."""

PANEL_KINDS = ("stat", "sparkline", "bars", "table", "chart")


@dataclass(frozen=True)
class LatencySli:
    """Good events = requests at or under `threshold_s` (the histogram's `le` bucket)."""

    histogram: str
    """Base name; `_bucket` and `_count` are appended."""
    threshold_s: float
    """Must be one of the histogram's bucket bounds."""
    selector: str = ""
    """Label selector, e.g. '{job="api"}'."""


@dataclass(frozen=True)
class SloConfig:
    name: str
    objective: float
    """The target good ratio, e.g. 0.99; strictly between 0 and 1."""
    period_s: float = 30 * 86400.0
    """The SLO period over which the error budget is counted."""
    errors: str | None = None
    """PromQL for bad events per second with `$window` as the range."""
    total: str | None = None
    """PromQL for all events per second with `$window` as the range."""
    latency: LatencySli | None = None
    """Instead of errors/total: a latency threshold on a histogram."""
    description: str = ""


@dataclass(frozen=True)
class SloDiscoveryConfig:
    enabled: bool = True
    """Offer the SLOs that Sloth or Pyrra recording rules already define."""


@dataclass(frozen=True)
class Thresholds:
    """A value's level: `crit` once it reaches `crit`, `warn` once it reaches `warn`,
    else ok. With `below = true` low values are the bad ones (success ratios)."""

    warn: float | None = None
    crit: float | None = None
    below: bool = False

    def level(self, value: float) -> str:
        """ "ok" / "warn" / "crit" for a finite value."""

        def reached(limit: float | None) -> bool:
            return limit is not None and (value <= limit if self.below else value >= limit)

        if reached(self.crit):
            return "crit"
        if reached(self.warn):
            return "warn"
        return "ok"


@dataclass(frozen=True)
class PanelColumn:
    """One column of a `table` panel: a named query, joined to the others on labels."""

    name: str
    query: str
    unit: str = ""
    thresholds: Thresholds | None = None


@dataclass(frozen=True)
class PanelConfig:
    title: str
    kind: str
    """One of PANEL_KINDS."""
    query: str = ""
    """PromQL; `$window` is replaced by the selected time window. Not used by `table`."""
    unit: str = ""
    """How values read: "ratio" (shown as %), "percent", "s", "bytes", or any suffix."""
    thresholds: Thresholds | None = None
    legend: str = ""
    """How a series is named: "{provider}/{model}"; default: its labels."""
    top: int = 10
    """bars / table / sparkline: at most this many series, largest first."""
    columns: tuple[PanelColumn, ...] = ()
    """table: the columns after the label columns."""
    join_on: tuple[str, ...] = ()
    """table: the labels that make a row; default: the first column's labels."""
