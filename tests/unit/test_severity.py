"""The one severity vocabulary, and that every consumer (sort, health, bell, colours,
text output) takes its answer from it: `page` behaves like `critical` everywhere."""

from __future__ import annotations

import pytest
from rich.style import Style

from oncall_tui.config_types import HealthConfig
from oncall_tui.model import levels
from oncall_tui.model.health import severity_points
from oncall_tui.model.severity import (
    NO_SEVERITY,
    SEVERITIES,
    Level,
    is_paging,
    severity_level,
    severity_rank,
    severity_text,
)
from oncall_tui.model.snapshot import Alert
from oncall_tui.render.text_out import _severity_style
from oncall_tui.ui.state import CriticalWatch
from oncall_tui.ui.widgets.format import Palette


def test_rank_orders_known_names_and_puts_unknown_last() -> None:
    order = ["critical", "page", "error", "high", "warning", "medium", "info", "low", "none"]
    assert [severity_rank(s) for s in order] == sorted(severity_rank(s) for s in order)
    assert severity_rank(" CRITICAL ") == 0
    assert severity_rank("whatever") == severity_rank(NO_SEVERITY) == len(SEVERITIES)


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("critical", Level.CRITICAL),
        ("Page", Level.CRITICAL),
        ("error", Level.CRITICAL),
        ("high", Level.CRITICAL),
        ("warning", Level.WARNING),
        ("medium", Level.WARNING),
        ("info", Level.INFO),
        ("low", Level.INFO),
        ("none", Level.OTHER),
        ("", Level.OTHER),
        ("sev1", Level.OTHER),
    ],
)
def test_level_of_each_name(name: str, level: Level) -> None:
    assert severity_level(name) is level
    assert is_paging(name) == (level is Level.CRITICAL)


def test_severity_text_is_cleaned_and_never_empty() -> None:
    assert severity_text("crit\x1b[31mical\n") == "critical"
    assert severity_text("  ") == NO_SEVERITY
    assert severity_text("[bold]x[/]") == "[bold]x[/]"  # literal, never markup


@pytest.mark.parametrize("same_as", [("page", "critical"), ("PAGE", "critical")])
def test_every_consumer_treats_page_like_critical(same_as: tuple[str, str]) -> None:
    page, critical = same_as
    cfg = HealthConfig()
    assert severity_points(page, cfg) == severity_points(critical, cfg) == cfg.penalty_critical
    palette = Palette({})
    assert palette.severity(page) == palette.severity(critical)
    assert _severity_style(page) == _severity_style(critical) == "bold red"
    # The bell: a new firing `page` alert rings like a critical one.
    watch = CriticalWatch()
    watch.update(())
    pager = Alert("fp-page", {"alertname": "Pager", "severity": page}, {}, "active", 0.0)
    rung = watch.update((pager,))
    assert [a.fingerprint for a in rung] == ["fp-page"]


def test_unknown_severity_costs_like_a_warning_and_is_coloured_as_info() -> None:
    cfg = HealthConfig()
    assert severity_points("sev9", cfg) == cfg.penalty_warning
    palette = Palette({})
    assert palette.severity("sev9") == palette.severity("info")
    assert isinstance(palette.severity("sev9"), Style)
    assert _severity_style("sev9") == ""


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (None, "unknown"),
        (float("nan"), "unknown"),
        (90, "ok"),
        (89.9, "warn"),
        (70, "warn"),
        (69.9, "bad"),
    ],
)
def test_score_levels(score: float | None, level: str) -> None:
    assert levels.score_level(score) == level


@pytest.mark.parametrize(
    ("ratio", "level"),
    [
        (None, "unknown"),
        (float("inf"), "unknown"),
        (0.99, "ok"),
        (0.989, "warn"),
        (0.95, "warn"),
        (0.949, "bad"),
    ],
)
def test_availability_levels(ratio: float | None, level: str) -> None:
    assert levels.availability_level(ratio) == level


def test_text_output_and_tui_share_thresholds() -> None:
    from oncall_tui.ui.widgets import format as ui_format

    assert ui_format.score_level is levels.score_level
    assert ui_format.availability_level is levels.availability_level
    assert ui_format.level_vs_target is levels.level_vs_target
