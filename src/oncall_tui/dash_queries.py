"""The PromQL of SLOs and custom panels, built from the config. Pure: strings out.

An SLO needs its bad and all events over eight windows (BURN_WINDOWS and the period).
Few queries is the rule, so each side is ONE query: the eight sums joined with `or`,
each tagged with its window in the label `oncall_window`.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncall_tui.config_dash import WINDOW, LatencySli, PanelConfig, SloConfig
from oncall_tui.model.slo import PERIOD, WINDOW_LABEL
from oncall_tui.model.snapshot import BURN_WINDOWS
from oncall_tui.queries import promql_duration, with_selector


def slo_windows(cfg: SloConfig) -> list[tuple[str, str]]:
    """(key, PromQL range) of every window an SLO is measured over."""
    return [(k, k) for k, _ in BURN_WINDOWS] + [(PERIOD, promql_duration(cfg.period_s))]


def _tagged(template: str, windows: list[tuple[str, str]]) -> str:
    parts = [
        f'label_replace(sum({template.replace(WINDOW, rng)}), "{WINDOW_LABEL}", "{key}", "", "")'
        for key, rng in windows
    ]
    return " or ".join(parts)


def le_matcher(threshold_s: float) -> str:
    """`le=~"0.3|0.30..."`: client libraries write bucket bounds differently ("1" from
    Go, "1.0" from Python), so every usual spelling of the number matches."""
    spellings = {f"{threshold_s:g}", repr(float(threshold_s))}
    if threshold_s == int(threshold_s):
        spellings.add(str(int(threshold_s)))
    alternatives = "|".join(sorted(s.replace(".", "\\\\.") for s in spellings))
    return f'le=~"{alternatives}"'


@dataclass(frozen=True, slots=True)
class SloQueries:
    bad: str  # bad events/s per window (latency: good events/s; see `good`)
    total: str
    good: bool  # True: `bad` actually counts good events (latency SLOs)


def _latency_templates(sli: LatencySli) -> tuple[str, str]:
    bucket = with_selector(f"{sli.histogram}_bucket", sli.selector, le_matcher(sli.threshold_s))
    count = with_selector(f"{sli.histogram}_count", sli.selector)
    return f"rate({bucket}[{WINDOW}])", f"rate({count}[{WINDOW}])"


def slo_queries(cfg: SloConfig) -> SloQueries:
    windows = slo_windows(cfg)
    if cfg.latency is not None:
        good, total = _latency_templates(cfg.latency)
        return SloQueries(_tagged(good, windows), _tagged(total, windows), good=True)
    assert cfg.errors is not None and cfg.total is not None  # checked by the config
    return SloQueries(_tagged(cfg.errors, windows), _tagged(cfg.total, windows), good=False)


def panel_query(query: str, window_s: float) -> str:
    return query.replace(WINDOW, promql_duration(window_s))


def panel_queries(cfg: PanelConfig, window_s: float) -> list[str]:
    """The instant queries of a panel (a table: one per column)."""
    if cfg.kind == "table":
        return [panel_query(c.query, window_s) for c in cfg.columns]
    if cfg.kind == "chart":
        return []
    return [panel_query(cfg.query, window_s)]


def panel_range_query(cfg: PanelConfig, window_s: float) -> str | None:
    """The range query of a sparkline or chart (over the selected window)."""
    if cfg.kind in ("sparkline", "chart"):
        return panel_query(cfg.query, window_s)
    return None
