"""The latency panel's table, drawn every poll: laid out as one Text where it fits, and
showing the very cells Rich's Table shows."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.table import Table
from rich.text import Text

from oncall_tui.model.snapshot import Latency, ServiceLatency
from oncall_tui.ui.widgets import latency as latency_module
from oncall_tui.ui.widgets.format import Palette
from oncall_tui.ui.widgets.latency import latency_table
from oncall_tui.ui.widgets.sized_table import fix_widths

from .test_sized_table import cells

PALETTE = Palette({"error": "#ff0000", "warning": "#ffaa00", "success": "#00ff00"})
NOW = 1_800_000_000.0
SPAN = (NOW - 3600.0, NOW)


def service(name: str, p50: float, p95: float) -> ServiceLatency:
    quantiles: dict[str, float | None] = {
        "p50": p50,
        "p75": p50 * 1.4,
        "p95": p95,
        "p99": p95 * 1.8,
        "max": p95 * 3,
    }
    history = tuple((NOW - 60.0 * i, p95 * (1 + (i % 3) / 4)) for i in range(60, -1, -1))
    return ServiceLatency(name, quantiles, {"p95": history})


def demo_latency() -> Latency:
    """Within and over the SLO, a name cut to its column, an unbounded max, no data."""
    services = (
        service("a-service-with-a-long-name", 0.148, 0.291),
        replace(service("checkout", 0.210, 0.412), max_unbounded=True),
        replace(service("search", 0.045, 0.090), quantiles={}),
    )
    return Latency(services=services, slo_p95=0.3)


@pytest.mark.parametrize("width", [76, 96, 116])
def test_drawn_as_text_with_the_cells_of_the_table(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = latency_table(demo_latency(), PALETTE, width, SPAN)
    assert isinstance(fast, Text)  # no Rich table layout on every poll
    # The same table through Rich's own layout: the same characters in the same styles.
    monkeypatch.setattr(latency_module, "as_text", lambda t, room: fix_widths(t, room) and t)
    table = latency_table(demo_latency(), PALETTE, width, SPAN)
    assert isinstance(table, Table)
    assert cells(fast, width) == cells(table, width)


def test_a_table_too_wide_is_left_to_rich() -> None:
    assert isinstance(latency_table(demo_latency(), PALETTE, 30, SPAN), Table)
