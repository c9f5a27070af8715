"""Custom panels: Prometheus answers -> `PanelData` for each `[[panels]]` entry.

- stat: the instant values (usually one), named by the legend.
- sparkline: the instant values plus each series' points over the window.
- bars: one bar per series, largest first, at most `top`.
- chart: each series' points over the window; the value is its last point.
- table: one instant query per column, joined on `join_on` labels (default: the
  labels of the first column's series); rows by the first column, largest first.

A failed query makes only its own panel `ok=False` with Prometheus' error text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from oncall_tui.config_dash import PanelConfig, Thresholds
from oncall_tui.model.series import Sample, Series
from oncall_tui.model.snapshot import PanelData, PanelValue

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def series_name(labels: Mapping[str, str], legend: str = "") -> str:
    """The legend with labels filled in ("{method}" -> "GET"), or the labels in words
    (`code=500 method=GET`, without `__name__`), or "value" for a label-less series."""
    if legend:
        return _FIELD.sub(lambda m: labels.get(m.group(1), ""), legend)
    parts = [f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__"]
    if parts:
        return " ".join(parts)
    return labels.get("__name__", "value")


def level(value: float | None, thresholds: Thresholds | None) -> str | None:
    """The value's level by the thresholds; None without thresholds or value."""
    v = _finite(value)
    return None if v is None or thresholds is None else thresholds.level(v)


def _sort_key(v: PanelValue) -> tuple[int, float, str]:
    # Largest first; unknown values last; ties by name so the order does not flicker.
    value = _finite(v.value)
    return (value is None, -(value or 0.0), v.name)


def failed(cfg: PanelConfig, error: str) -> PanelData:
    return _table_head(cfg, PanelData(cfg.title, cfg.kind, cfg.unit, ok=False, error=error))


def _table_head(cfg: PanelConfig, data: PanelData, join: tuple[str, ...] = ()) -> PanelData:
    if cfg.kind != "table":
        return data
    return replace(
        data,
        columns=tuple(c.name for c in cfg.columns),
        column_units=tuple(c.unit for c in cfg.columns),
        label_columns=join or cfg.join_on,
    )


def _values(cfg: PanelConfig, samples: Sequence[Sample]) -> list[PanelValue]:
    return [
        PanelValue(
            dict(s.labels),
            _finite(s.value),
            series_name(s.labels, cfg.legend),
            level=level(s.value, cfg.thresholds),
        )
        for s in samples
    ]


def instant_panel(cfg: PanelConfig, samples: Sequence[Sample]) -> PanelData:
    """stat and bars."""
    values = _values(cfg, samples)
    if cfg.kind == "bars":
        values = sorted(values, key=_sort_key)[: cfg.top]
    return PanelData(cfg.title, cfg.kind, cfg.unit, ok=True, values=tuple(values))


def series_panel(
    cfg: PanelConfig, series: Sequence[Series], samples: Sequence[Sample] | None = None
) -> PanelData:
    """sparkline (instant values + history) and chart (history; value = last point)."""
    history = {_key(s.labels): s for s in series}
    values: list[PanelValue] = []
    if samples is not None:
        for s in samples:
            hist = history.get(_key(s.labels))
            points = _clean_points(hist.points) if hist else ()
            values.append(
                PanelValue(
                    dict(s.labels),
                    _finite(s.value),
                    series_name(s.labels, cfg.legend),
                    points,
                    level=level(s.value, cfg.thresholds),
                )
            )
    else:
        for h in series:
            points = _clean_points(h.points)
            last = points[-1][1] if points else None
            values.append(
                PanelValue(
                    dict(h.labels),
                    last,
                    series_name(h.labels, cfg.legend),
                    points,
                    level=level(last, cfg.thresholds),
                )
            )
    values = sorted(values, key=_sort_key)[: cfg.top]
    return PanelData(cfg.title, cfg.kind, cfg.unit, ok=True, values=tuple(values))


def _clean_points(points: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    return tuple(p for p in points if math.isfinite(p[1]))


def _key(labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))


def table_panel(cfg: PanelConfig, columns: Sequence[Sequence[Sample]]) -> PanelData:
    """One row per combination of the join labels, one cell per column query."""
    first = columns[0] if columns else []
    join = cfg.join_on or tuple(sorted({k for s in first for k in s.labels if k != "__name__"}))
    rows: dict[tuple[str, ...], dict[str, float | None]] = {}
    labels_of: dict[tuple[str, ...], dict[str, str]] = {}
    for column, samples in zip(cfg.columns, columns, strict=True):
        for s in samples:
            key = tuple(s.labels.get(name, "") for name in join)
            labels_of.setdefault(key, {name: s.labels.get(name, "") for name in join})
            rows.setdefault(key, {})[column.name] = _finite(s.value)
    first_name = cfg.columns[0].name if cfg.columns else ""
    values = [
        PanelValue(
            labels_of[key],
            cells.get(first_name),
            series_name(labels_of[key], cfg.legend) if join else cfg.title,
            cells={c.name: cells.get(c.name) for c in cfg.columns},
            level=level(cells.get(first_name), cfg.columns[0].thresholds),
            levels={c.name: level(cells.get(c.name), c.thresholds) for c in cfg.columns},
        )
        for key, cells in rows.items()
    ]
    values = sorted(values, key=_sort_key)[: cfg.top]
    data = PanelData(cfg.title, cfg.kind, cfg.unit, ok=True, values=tuple(values))
    return _table_head(cfg, data, tuple(join))
