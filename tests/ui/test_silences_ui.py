"""Pilot tests: `u` never expires a colleague's silence unasked; `S` lists silences,
opens one, expires with a confirmation whose Enter says No; read-only has no expire."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.widgets import DataTable

from oncall_tui.config_types import Config
from oncall_tui.model.silences import muting
from oncall_tui.model.snapshot import Alerts, Section, Silence, Snapshot
from oncall_tui.ui.screens.dialogs import ChooseSilenceScreen, ConfirmScreen
from oncall_tui.ui.screens.silences import SilenceDetailScreen, SilencesScreen

from .conftest import FakePoller
from .factories import NOW, alert, snapshot
from .test_app_keys import SIZE, FakeActions, app_for, select_row, settled, started, until


def _m(name: str, value: str, regex: bool = False) -> dict[str, object]:
    return {"name": name, "value": value, "isRegex": regex, "isEqual": True}


BOB = Silence(
    "sil-bob",
    (_m("alertname", "ManyGroups1[0-9]", regex=True),),
    NOW - 600,
    NOW + 3600,
    "bob@ops",
    "maintenance CHG-123",
    "active",
)
ACK = Silence(
    "sil-ack",
    (_m("alertname", "ManyGroups10"), _m("instance", "a")),
    NOW - 60,
    NOW + 1800,
    "alice@ops",
    "ACK! on it",
    "active",
    ack=True,
)
LATER = Silence(
    "sil-later",
    (_m("alertname", "Nightly"),),
    NOW + 600,
    NOW + 4200,
    "carol@ops",
    "batch",
    "pending",
)


def team_snapshot(with_ack: bool) -> Snapshot:
    silences = (BOB, ACK, LATER) if with_ack else (BOB, LATER)
    a10 = alert(
        "ManyGroups10",
        "warning",
        "fp-10",
        {"instance": "a"},
        silenced_by=("sil-bob", "sil-ack") if with_ack else ("sil-bob",),
        acked_by="alice@ops" if with_ack else None,
    )
    a11 = alert("ManyGroups11", "warning", "fp-11", {"instance": "b"}, silenced_by=("sil-bob",))
    other = alert("Other", "critical", "fp-other")
    items = tuple(replace(a, muted_by=muting(a, silences)) for a in (a10, a11, other))
    alerts = Alerts(items, silences, Section("alertmanager", True, None, NOW))
    return replace(snapshot(), alerts=alerts)


def confirm_text(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ConfirmScreen)
    return str(screen._body) + " " + screen._title


async def test_u_on_a_colleagues_silence_asks_and_enter_says_no(config: Config) -> None:
    actions = FakeActions()
    app = app_for(config, FakePoller([team_snapshot(with_ack=False)]), actions)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        select_row(app, "fp-11")
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        text = confirm_text(app)
        for expected in (
            "Expire bob@ops's silence?",
            "maintenance CHG-123",
            'alertname=~"ManyGroups1[0-9]"',
            "not an ack",
            "mutes     2 current alert(s)",
            "ManyGroups10",
            "it also mutes 1 alert(s) outside 'ManyGroups11'",
        ):
            assert expected in text, expected
        await pilot.press("enter")  # default No
        await until(lambda: not isinstance(app.screen, ConfirmScreen), pilot)
        await settled(app, pilot)
        assert actions.calls == []
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("y")
        await until(lambda: actions.calls, pilot)
        assert actions.calls == [("unack", ("fp-11", "sil-bob"))]


async def test_u_with_an_ack_and_a_maintenance_silence_picks_then_asks_only_for_bobs(
    config: Config,
) -> None:
    actions = FakeActions()
    app = app_for(config, FakePoller([team_snapshot(with_ack=True)]), actions)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        select_row(app, "fp-10")
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, ChooseSilenceScreen), pilot)
        await pilot.press("escape")  # cancel: nothing happens
        await until(lambda: app.screen is app.overview, pilot)
        # Bob's lasts longest, so it is first; the ack is second: no confirmation.
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, ChooseSilenceScreen), pilot)
        await pilot.press("down", "enter")
        await until(lambda: actions.calls, pilot)
        assert actions.calls == [("unack", ("fp-10", "sil-ack"))]
        await pilot.press("u")
        await until(lambda: isinstance(app.screen, ChooseSilenceScreen), pilot)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        assert "bob@ops" in confirm_text(app)
        await pilot.press("n")
        await settled(app, pilot)
        assert len(actions.calls) == 1


async def test_silences_view_lists_opens_and_expires(config: Config) -> None:
    actions = FakeActions()
    app = app_for(config, FakePoller([team_snapshot(with_ack=True)]), actions)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("S")
        await until(lambda: isinstance(app.screen, SilencesScreen), pilot)
        table = app.screen.query_one(DataTable)
        assert [str(r.key.value) for r in table.ordered_rows] == ["sil-ack", "sil-bob", "sil-later"]
        bob = [str(c) for c in table.get_row("sil-bob")]
        assert bob[:5] == ["active", "silence", "in 1h", "bob@ops", "2"]
        assert bob[5] == "maintenance CHG-123" and 'alertname=~"ManyGroups1[0-9]"' in bob[6]
        later = [str(c) for c in table.get_row("sil-later")]
        assert later[:3] == ["pending", "silence", "starts in 10m"]
        # Enter opens the silence: its fields and the alerts it mutes.
        table.move_cursor(row=table.get_row_index("sil-bob"))
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, SilenceDetailScreen), pilot)
        detail = app.screen
        assert isinstance(detail, SilenceDetailScreen)
        assert [a.fingerprint for a in detail.mutes] == ["fp-10", "fp-11"]
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, SilencesScreen), pilot)
        # x asks first; Enter says No, y expires (with the alerts it mutes).
        await pilot.press("x")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        assert "maintenance CHG-123" in confirm_text(app)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, SilencesScreen), pilot)
        assert actions.calls == []
        await pilot.press("x")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("y")
        await until(lambda: actions.calls, pilot)
        assert actions.calls == [("expire", ("sil-bob", ("fp-10", "fp-11")))]


async def test_silences_view_read_only_has_no_expire(config: Config) -> None:
    actions = FakeActions()
    cfg = replace(config, read_only=True)
    app = app_for(cfg, FakePoller([team_snapshot(with_ack=True)]), actions)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("S")
        await until(lambda: isinstance(app.screen, SilencesScreen), pilot)
        screen = app.screen
        assert screen.check_action("expire", ()) is False
        assert "x expire" not in str(screen.query_one("#panel").border_subtitle)
        await pilot.press("x")
        await settled(app, pilot)
        assert app.screen is screen and actions.calls == []
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, SilenceDetailScreen), pilot)
        assert app.screen.check_action("expire", ()) is False


async def test_silences_key_is_in_help_and_palette(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert any(str(t).startswith("Silences (S)") for t in commands)
        assert any(b.id == "silences" and b.key == "S" for b in app.app_bindings())


def test_silence_rows_are_literal() -> None:
    """Comments and matchers from outside are text, never markup."""
    from oncall_tui.ui.screens.silences import silence_facts

    evil = replace(BOB, comment="[bold red]x[/] \x1b[2J", created_by="[link]e[/]")
    text = silence_facts(evil, (), NOW)
    assert isinstance(text, Text)
    assert "[bold red]x[/]" in text.plain and "\x1b" not in text.plain
