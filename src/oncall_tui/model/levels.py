"""Health levels and their thresholds: "ok" / "warn" / "bad" / "unknown".

The TUI colours them with its theme (`$health-ok`...), `snapshot --format text` with
Rich colours; the thresholds live here only, so both say the same about a number.
A missing or non-finite value is always "unknown", never "ok".
"""

from __future__ import annotations

import math
from typing import Literal

HealthLevel = Literal["ok", "warn", "bad", "unknown"]

SCORE_OK = 90.0
"""A health score at or above this is ok."""
SCORE_WARN = 70.0
"""At or above this (and under SCORE_OK) it is a warning; below, bad."""
AVAILABILITY_OK = 0.99
AVAILABILITY_WARN = 0.95
TARGET_WARN_AT = 0.8
"""A value over this fraction of its SLO target (but within it) is a warning."""


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def score_level(score: float | None, partial: bool = False) -> HealthLevel:
    """`partial`: some term could not be measured (`Health.unknown`), so the score is
    at best a warning: missing data never shows as healthy."""
    v = _finite(score)
    if v is None:
        return "unknown"
    if v >= SCORE_OK:
        return "warn" if partial else "ok"
    if v >= SCORE_WARN:
        return "warn"
    return "bad"


def availability_level(ratio: float | None) -> HealthLevel:
    v = _finite(ratio)
    if v is None:
        return "unknown"
    if v >= AVAILABILITY_OK:
        return "ok"
    if v >= AVAILABILITY_WARN:
        return "warn"
    return "bad"


def level_vs_target(
    value: float | None, target: float | None, warn_at: float = TARGET_WARN_AT
) -> HealthLevel:
    """ "ok" below `warn_at` x target, "warn" up to the target, "bad" above it;
    "unknown" without a value; "ok" without a target (nothing to compare with)."""
    v = _finite(value)
    if v is None:
        return "unknown"
    if target is None:
        return "ok"
    if v > target:
        return "bad"
    if v > target * warn_at:
        return "warn"
    return "ok"
