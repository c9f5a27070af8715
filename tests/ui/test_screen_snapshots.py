"""SVG snapshots of the detail screens and the ack dialog at fixed terminal sizes.

Update with `pytest tests/ui/test_screen_snapshots.py --snapshot-update` and look at the
report / SVGs before committing them. Times are fixed (`now=`) and shown in UTC.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen

from oncall_tui.config_types import AckConfig, Config, Runbook
from oncall_tui.model.snapshot import (
    Alert,
    BreakerState,
    CircuitBreaker,
    ComponentHealth,
    Health,
    HealthTerm,
    Section,
    Silence,
    SloCheck,
    StateChange,
)
from oncall_tui.ui.screens.breaker import BreakerHistoryScreen
from oncall_tui.ui.screens.detail import AlertDetailScreen
from oncall_tui.ui.screens.dialogs import (
    AckDialog,
    ChooseSilenceScreen,
    ConfirmScreen,
    RunbookPicker,
)
from oncall_tui.ui.screens.health import HealthBreakdownScreen
from oncall_tui.ui.themes import load_themes, variable_defaults

SnapCompare = Callable[..., bool]
NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
THEMES, _ = load_themes()


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Wall-clock times on screen in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


class Host(App[None]):
    def __init__(self, screen: Screen[Any], theme: str = "oncall-dark") -> None:
        super().__init__()
        self._pushed = screen
        self._theme_name = theme

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults(THEMES)

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._theme_name
        self.push_screen(self._pushed)


ALERT = Alert(
    fingerprint="4f1c2a9e0b7d3c55",
    labels={
        "alertname": "APIHighErrorRate",
        "severity": "critical",
        "service": "[bold red]api[/]",
        "instance": "10.0.0.12:8080",
        "job": "api",
    },
    annotations={
        "summary": "5xx ratio above 5 % for 10 minutes",
        "description": "The API answers 7.3 % of requests with 5xx.\n"
        "Check the payments backend first; see the dashboard.",
        "runbook_url": "https://wiki.example/runbooks/api-errors",
    },
    state="suppressed",
    starts_at=NOW - 3725,
    generator_url="http://127.0.0.1:9090/graph?g0.expr=job%3Aerrors%3Aratio5m",
    silenced_by=("a1b2c3d4-0000-4e5f-9a8b-7c6d5e4f3a2b",),
    receivers=("pager",),
    acked_by="alice@ops-laptop",
    acked_until=NOW + 200,
    ack_pending=True,
)
SILENCES = [
    Silence(
        "a1b2c3d4-0000-4e5f-9a8b-7c6d5e4f3a2b",
        (),
        NOW - 3400,
        NOW + 200,
        "alice@ops-laptop",
        "ACK! on it, failing over the db",
        "active",
        ack=True,
    )
]
RUNBOOKS = [
    Runbook(
        "restart-api",
        "exec",
        command=("systemctl", "restart", "{labels.service}"),
        description="Restart the API service",
    )
]
BREAKER = CircuitBreaker(
    "payments-db",
    BreakerState.HALF_OPEN,
    42.0,
    55.5,
    NOW - 120,
    (
        StateChange(NOW - 3000, BreakerState.CLOSED),
        StateChange(NOW - 1800, BreakerState.OPEN),
        StateChange(NOW - 1500, BreakerState.HALF_OPEN),
        StateChange(NOW - 1450, BreakerState.CLOSED),
        StateChange(NOW - 600, BreakerState.OPEN),
        StateChange(NOW - 120, BreakerState.HALF_OPEN),
    ),
)
HEALTH = Health(
    score=79.2,
    components=(
        ComponentHealth("API Gateway", 0.992),
        ComponentHealth("Payments", 0.951),
        ComponentHealth("Search", None, "no data: the query returned nothing"),
    ),
    slo_checks=(
        SloCheck("p95 latency", 0.412, 0.3, "s", False, 7.0),
        SloCheck("error rate", 0.004, 0.01, "ratio", True, 0.0),
    ),
    alert_penalty=13.0,
    terms=(
        HealthTerm("base", 100.0, "every score starts at 100"),
        HealthTerm("API Gateway", -0.8, "availability 99.2 %: 0.8 points lost"),
        HealthTerm("p95 latency", -7.0, "412ms is 1.37x the 300ms target"),
        HealthTerm("alerts", -13.0, "1 critical firing (10) + 1 warning firing (3)"),
    ),
    section=Section("prometheus", True, None, NOW - 3),
)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_alert_detail(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    screen = AlertDetailScreen(ALERT, RUNBOOKS, SILENCES, now=NOW)
    assert snap_compare(Host(screen), terminal_size=size)


def test_alert_detail_light_theme(snap_compare: SnapCompare) -> None:
    screen = AlertDetailScreen(ALERT, RUNBOOKS, SILENCES, now=NOW)
    assert snap_compare(Host(screen, theme="oncall-light"), terminal_size=(100, 30))


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_breaker_history(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    screen = BreakerHistoryScreen(BREAKER, 3600.0, NOW)
    assert snap_compare(Host(screen), terminal_size=size)


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_health_breakdown(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    screen = HealthBreakdownScreen(HEALTH, now=NOW)
    assert snap_compare(Host(screen), terminal_size=size)


def test_ack_dialog(snap_compare: SnapCompare) -> None:
    screen = AckDialog(3, AckConfig(default_duration_s=5400, default_comment="on it"))
    assert snap_compare(Host(screen), terminal_size=(80, 24))


def test_ack_dialog_rejects_duration(snap_compare: SnapCompare) -> None:
    screen = AckDialog(1, AckConfig())

    async def type_soon(pilot: Any) -> None:
        await pilot.pause()
        pilot.app.screen.query_one("#duration").value = ""
        await pilot.press(*"soon", "enter")

    assert snap_compare(Host(screen), terminal_size=(80, 24), run_before=type_soon)


def test_confirm_runbook(snap_compare: SnapCompare) -> None:
    body = "exec: systemctl restart [bold]api[/]\ntimeout 2m · as alice@ops-laptop"
    screen = ConfirmScreen("Run restart-api?", body, danger=True)
    assert snap_compare(Host(screen), terminal_size=(80, 24))


def test_choose_silence(snap_compare: SnapCompare) -> None:
    other = Silence("b2c3", (), NOW - 60, NOW + 7200, "bob@ops", "maintenance window", "active")
    screen = ChooseSilenceScreen([*SILENCES, other], now=NOW)
    assert snap_compare(Host(screen), terminal_size=(80, 24))


def test_runbook_picker(snap_compare: SnapCompare) -> None:
    catalogue = [
        Runbook("clear-cache", "http", url="http://127.0.0.1:8080/hooks/clear", method="POST"),
        *RUNBOOKS,
    ]
    screen = RunbookPicker(catalogue, linked={"restart-api"})
    assert snap_compare(Host(screen), terminal_size=(80, 24))


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_silences_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    from oncall_tui.ui.screens.silences import SilencesScreen
    from oncall_tui.ui.store import ViewStore

    from .factories import NOW as TEAM_NOW
    from .test_silences_ui import team_snapshot

    store = ViewStore()
    store.view = team_snapshot(with_ack=True)
    screen = SilencesScreen(store, Config(), None, lambda: None, now=TEAM_NOW)
    assert snap_compare(Host(screen), terminal_size=size)
