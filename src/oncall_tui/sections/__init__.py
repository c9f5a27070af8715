"""The Snapshot's sections, one module each: what it asks which source, and how the
answers become its part of the Snapshot. poll.py runs them; see docs/DESIGN.md, "How to
add a section".

`SECTIONS` lists every section the Poller fills, in the Snapshot's field order; a
section's `needs` are built before it whatever the order here.
"""

from __future__ import annotations

from typing import Any

from oncall_tui.sections.alerts import ALERTS
from oncall_tui.sections.breakers import CIRCUIT_BREAKERS
from oncall_tui.sections.coverage import COVERAGE
from oncall_tui.sections.errors import ERRORS
from oncall_tui.sections.health import HEALTH
from oncall_tui.sections.incidents import INCIDENTS
from oncall_tui.sections.latency import LATENCY
from oncall_tui.sections.panels import PANELS
from oncall_tui.sections.runbooks import RUNBOOKS
from oncall_tui.sections.slos import SLOS
from oncall_tui.sections.spec import SectionSpec

SECTIONS: tuple[SectionSpec[Any], ...] = (
    HEALTH,
    LATENCY,
    ERRORS,
    CIRCUIT_BREAKERS,
    RUNBOOKS,
    INCIDENTS,
    ALERTS,
    SLOS,
    PANELS,
    COVERAGE,
)

EARLY: tuple[SectionSpec[Any], ...] = (LATENCY, ERRORS)
"""Asked alone before the first full poll: a few cheap queries, and the numbers read
first, on screen before the 7-day history, the alerts and the journal are in. Health
is not one: its score needs the alerts and SLOs too, and waits for them."""

__all__ = [
    "ALERTS",
    "CIRCUIT_BREAKERS",
    "COVERAGE",
    "EARLY",
    "ERRORS",
    "HEALTH",
    "INCIDENTS",
    "LATENCY",
    "PANELS",
    "RUNBOOKS",
    "SECTIONS",
    "SLOS",
    "SectionSpec",
]
