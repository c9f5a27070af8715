"""Decoded Prometheus answers: the plain data that sources hand to the model."""

from __future__ import annotations

from dataclasses import dataclass

from oncall_tui.model.snapshot import Point


@dataclass(frozen=True, slots=True)
class Sample:
    """One series of an instant vector (or a scalar, with empty labels)."""

    labels: dict[str, str]
    value: float  # may be NaN or +/-Inf: Prometheus sends those as strings
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a range query (matrix)."""

    labels: dict[str, str]
    points: tuple[Point, ...]
