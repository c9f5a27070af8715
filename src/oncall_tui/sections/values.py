"""Small readings of query answers shared by several sections."""

from __future__ import annotations

from oncall_tui.model.series import Sample


def single_ratio(samples: list[Sample] | None) -> float | None:
    """The single value of a ratio query; NaN (0/0) and no result mean "unknown"."""
    if not samples:
        return None
    v = samples[0].value
    if v != v or v in (float("inf"), float("-inf")):
        return None
    return v
