"""SLO maths: error ratio, error budget, burn rates and the multiwindow alert state.

    error ratio        = bad events / all events            (over a window)
    budget_remaining   = 1 - ratio(period) / (1 - objective)  (negative when overspent)
    burn rate          = ratio(window) / (1 - objective)      (1 = spending exactly on pace)
    met                = ratio(period) <= 1 - objective

The alert state is the SRE Workbook's multiwindow, multi-burn-rate rule (chapter 5):
`page` when the 1h and 5m burn rates are both >= 14.4, or 6h and 30m both >= 6;
`ticket` when 1d and 2h are both >= 3, or 3d and 6h both >= 1; else `none`.

Missing data is never read as healthy: a window whose query gave nothing is unknown,
and when a rule that did not fire needed an unknown window the state is unknown (None).
A window with no traffic at all (0 events) has no ratio to show, but it spent no
budget either, so it counts as below every threshold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from oncall_tui.config_dash import SloConfig
from oncall_tui.durations import format_duration
from oncall_tui.model.series import Sample
from oncall_tui.model.snapshot import BURN_WINDOWS, HealthTerm, Slo

WINDOW_LABEL = "oncall_window"
"""The label that tags each window's sum in an SLO's query (see dash_queries)."""
PERIOD = "period"
"""The key of the SLO period in per-window mappings (next to BURN_WINDOWS' keys)."""

PAGE_RULES: tuple[tuple[str, str, float], ...] = (("1h", "5m", 14.4), ("6h", "30m", 6.0))
TICKET_RULES: tuple[tuple[str, str, float], ...] = (("1d", "2h", 3.0), ("3d", "6h", 1.0))

NO_TRAFFIC = "no traffic"
NO_DATA = "no data"
_REL_TOLERANCE = 1e-9
"""1 - 0.99 is 0.010000000000000009 in floating point: a burn rate that is 3 on paper
must still reach the threshold 3."""


def allowed_ratio(objective: float) -> float:
    """The error budget as a ratio: 1 - objective, without float noise (0.99 -> 0.01)."""
    return round(1.0 - objective, 12)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def error_ratio(bad: float | None, total: float | None) -> tuple[float | None, str | None]:
    """(bad / total, why it is unknown). `bad` None means the query found no bad events
    at all (a `code=~"5.."` selector matches no series when nothing failed): 0.

    total None -> no data; total 0 -> no traffic; NaN, infinite or negative rates are
    not numbers we can trust; bad > total (skew between two scrapes) is capped at 1.
    """
    if total is None:
        return None, NO_DATA
    if not math.isfinite(total) or total < 0:
        return None, f"total is not a usable rate ({total})"
    if bad is not None and (not math.isfinite(bad) or bad < 0):
        return None, f"errors is not a usable rate ({bad})"
    if total == 0:
        return None, NO_TRAFFIC
    return min(1.0, (bad or 0.0) / total), None


def burn_rate(ratio: float | None, objective: float) -> float | None:
    return None if ratio is None else ratio / allowed_ratio(objective)


def budget_remaining(ratio: float | None, objective: float) -> float | None:
    return None if ratio is None else 1.0 - ratio / allowed_ratio(objective)


def _reaches(burn: float, threshold: float) -> bool:
    return burn >= threshold * (1.0 - _REL_TOLERANCE)


def alert_state(
    burns: Mapping[str, float | None], no_traffic: frozenset[str] = frozenset()
) -> tuple[str | None, tuple[str, ...]]:
    """("page" | "ticket" | "none" | None, the reasons in words) from burn rates per
    window; a window in `no_traffic` burns nothing."""

    def fired(rules: tuple[tuple[str, str, float], ...]) -> tuple[list[str], bool]:
        hits: list[str] = []
        unknown = False
        for long, short, threshold in rules:
            values = []
            for w in (long, short):
                b = _finite(burns.get(w))
                if b is None and w in no_traffic:
                    b = 0.0
                values.append(b)
            if all(v is not None and _reaches(v, threshold) for v in values):
                hits.append(
                    f"{long} burn {values[0]:.2f} and {short} burn {values[1]:.2f} "
                    f"are both ≥ {threshold:g}"
                )
            elif any(v is None for v in values) and not any(
                v is not None and not _reaches(v, threshold) for v in values
            ):
                # One window unknown and the other at or over the threshold (or also
                # unknown): the rule might be firing.
                unknown = True
        return hits, unknown

    page, page_unknown = fired(PAGE_RULES)
    if page:
        return "page", tuple(page)
    ticket, ticket_unknown = fired(TICKET_RULES)
    if page_unknown:
        return None, ("a page rule needs a window with no data",)
    if ticket:
        return "ticket", tuple(ticket)
    if ticket_unknown:
        return None, ("a ticket rule needs a window with no data",)
    return "none", ()


def slo_state(
    name: str,
    objective: float,
    period_s: float,
    bad: Mapping[str, float | None],
    total: Mapping[str, float | None],
    *,
    error: str | None = None,
    source: str = "config",
) -> Slo:
    """An SLO from bad and all events per second per window (BURN_WINDOWS' keys and
    PERIOD). With `error` (the query failed) everything is unknown and says why."""
    keys = [k for k, _ in BURN_WINDOWS] + [PERIOD]
    if error is not None:
        return Slo(
            name=name,
            objective=objective,
            period_s=period_s,
            error_ratio=None,
            budget_remaining=None,
            burn_rates=dict.fromkeys((k for k, _ in BURN_WINDOWS), None),
            alert=None,
            met=None,
            error=error,
            source=source,
        )
    ratios: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    for key in keys:
        ratio, why = error_ratio(bad.get(key), total.get(key))
        ratios[key] = ratio
        if why:
            notes[key] = why
    return from_ratios(
        name,
        objective,
        period_s,
        ratios,
        notes,
        source=source,
        rates={k: (bad.get(k), total.get(k)) for k in keys},
    )


def from_ratios(
    name: str,
    objective: float,
    period_s: float,
    ratios: Mapping[str, float | None],
    notes: Mapping[str, str] | None = None,
    *,
    source: str = "config",
    rates: Mapping[str, tuple[float | None, float | None]] | None = None,
    error: str | None = None,
) -> Slo:
    """An SLO from error ratios per window (what Sloth / Pyrra rules record)."""
    notes = dict(notes or {})
    clean: dict[str, float | None] = {}
    for key, value in ratios.items():
        v = _finite(value)
        if value is not None and v is None:
            notes.setdefault(key, f"not a number ({value})")
        clean[key] = None if v is None else min(1.0, max(0.0, v))
    for key in [k for k, _ in BURN_WINDOWS] + [PERIOD]:
        if clean.get(key) is None:
            notes.setdefault(key, NO_DATA)
    burns = {k: burn_rate(clean.get(k), objective) for k, _ in BURN_WINDOWS}
    quiet = frozenset(k for k, why in notes.items() if why == NO_TRAFFIC)
    alert, reasons = alert_state(burns, quiet)
    period_ratio = clean.get(PERIOD)
    return Slo(
        name=name,
        objective=objective,
        period_s=period_s,
        error_ratio=period_ratio,
        budget_remaining=budget_remaining(period_ratio, objective),
        burn_rates=burns,
        alert=alert,
        met=None if period_ratio is None else period_ratio <= allowed_ratio(objective),
        error=error,
        source=source,
        ratios=clean,
        rates=dict(rates or {}),
        notes=notes,
        reasons=reasons,
    )


def by_window(samples: Sequence[Sample]) -> dict[str, float]:
    """An SLO query's answer -> value per window key (series of one window are summed)."""
    out: dict[str, float] = {}
    for sample in samples:
        key = sample.labels.get(WINDOW_LABEL)
        if key is not None:
            out[key] = out.get(key, 0.0) + sample.value
    return out


def configured_slo(
    cfg: SloConfig,
    bad: Sequence[Sample] | None,
    total: Sequence[Sample] | None,
    error: str | None = None,
) -> Slo:
    """A `[[slos]]` entry's state from its two queries' answers (see dash_queries). For
    a latency SLO `bad` holds the good events (the `le` bucket at the threshold)."""
    if error is not None or bad is None or total is None:
        return slo_state(cfg.name, cfg.objective, cfg.period_s, {}, {}, error=error or NO_DATA)
    b, t = by_window(bad), by_window(total)
    if cfg.latency is None:
        return slo_state(cfg.name, cfg.objective, cfg.period_s, dict(b), dict(t))
    if not b and any(v > 0 for v in t.values()):
        sli = cfg.latency
        return slo_state(
            cfg.name,
            cfg.objective,
            cfg.period_s,
            {},
            {},
            error=(
                f"{sli.histogram}_bucket has no bucket at le={sli.threshold_s:g} "
                f"({format_duration(sli.threshold_s)}): the threshold must be a bucket bound"
            ),
        )
    slow = {k: max(0.0, t[k] - b.get(k, 0.0)) for k in t}
    return slo_state(cfg.name, cfg.objective, cfg.period_s, dict(slow), dict(t))


ALERT_FACTOR = {"page": 2.0, "ticket": 1.0}
"""How many `slo_penalty`s an SLO in this alert state costs the health score."""


def slo_health_terms(slos: Sequence[Slo], per_slo: float) -> tuple[float, list[HealthTerm]]:
    """(points off, one term per SLO) for the health score."""
    total = 0.0
    terms = []
    for s in slos:
        factor = ALERT_FACTOR.get(s.alert or "", 0.0)
        points = per_slo * factor
        total += points
        if s.alert is None:
            text = f"Not measurable ({s.error or 'a window has no data'}); no penalty."
        elif factor:
            why = "; ".join(s.reasons)
            text = (
                f"Burning its error budget at {s.alert} level ({why}): "
                f"{per_slo:g} x {factor:g} = {points:g} points off."
            )
        else:
            text = "No burn-rate alert rule reached; no penalty."
        terms.append(HealthTerm(f"SLO {s.name}", -points, text))
    return total, terms
