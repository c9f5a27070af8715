"""Pilot tests: every key of the overview, staleness, bells, read-only, literal text."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets import DataTable

from oncall_tui.config_types import Config, Runbook
from oncall_tui.model.snapshot import Alert, Snapshot
from oncall_tui.ui.app import OncallApp, make_app
from oncall_tui.ui.screens.help import HelpScreen
from oncall_tui.ui.widgets.panel import OFF_LOOP_ITEMS
from waiting import until

from .conftest import FakeClock, FakePoller
from .factories import NOW, alert, default_alerts, failed, snapshot

SIZE = (160, 48)


BACKGROUND = ("poll", "alerts", "outbox")
"""The app's own work (not the action workers, which wait on their dialogs)."""


async def settled(app: OncallApp, pilot: object) -> None:
    """Everything queued handled and the background work finished: for asserting that
    something did NOT happen."""
    await pilot.pause()  # type: ignore[attr-defined]
    busy = [w for w in app.workers if w.group in BACKGROUND]
    if busy:  # (an empty list would mean "all of them" to wait_for_complete)
        await app.workers.wait_for_complete(busy)
    await pilot.pause()  # type: ignore[attr-defined]


def palette_hit(app: OncallApp, words: str) -> bool:
    """The command palette lists a hit with `words` and highlights one."""
    hits = app.screen.query(CommandList)
    if not hits:
        return False
    options = hits.first()
    found = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return options.highlighted is not None and any(words in f for f in found)


def screen_text(app: OncallApp) -> str:
    return "\n".join(s.text for s in app.screen._compositor.render_strips())


@dataclass
class FakeActions:
    calls: list[tuple[str, object]] = field(default_factory=list)

    async def ack(
        self, alerts: Sequence[Alert], duration_s: float, comment: str, until_resolved: bool
    ) -> str:
        self.calls.append(("ack", ([a.fingerprint for a in alerts], duration_s, comment)))
        return f"acked {len(alerts)}"

    async def unack(self, alert: Alert, silence_id: str) -> str:
        self.calls.append(("unack", (alert.fingerprint, silence_id)))
        return "un-acked"

    def runbooks_for(self, alert: Alert) -> list[Runbook]:
        return [Runbook("restart", "exec", command=("true",))]

    async def run_runbook(
        self, runbook: Runbook, alert: Alert, on_output: Callable[[str], None]
    ) -> str:
        on_output("restarting")
        self.calls.append(("run", (runbook.name, alert.fingerprint)))
        return "exit 0"

    async def expire_silence(self, silence_id: str, fingerprints: Sequence[str]) -> str:
        self.calls.append(("expire", (silence_id, tuple(fingerprints))))
        return "expired"

    async def withdraw_pending(self, alert: Alert) -> str:
        self.calls.append(("withdraw", alert.fingerprint))
        return "withdrawn"

    def pending_fingerprints(self) -> set[str]:
        return set()

    async def after_poll(self, snapshot: Snapshot) -> list[str]:
        return []


def app_for(
    config: Config, poller: FakePoller | None = None, actions: FakeActions | None = None
) -> OncallApp:
    return make_app(config, poller or FakePoller(), actions=actions, clock=FakeClock())


def alerts_table(app: OncallApp) -> DataTable[Text]:
    return app.overview.alerts.table


def row_keys(app: OncallApp) -> list[str]:
    return [str(r.key.value) for r in alerts_table(app).ordered_rows]


def select_row(app: OncallApp, key: str) -> None:
    table = alerts_table(app)
    table.move_cursor(row=table.get_row_index(key))


async def started(app: OncallApp, pilot: object) -> None:
    await until(lambda: app.view is not None and alerts_table(app).row_count > 0, pilot)


async def test_window_keys_repoll_with_that_window(config: Config) -> None:
    poller = FakePoller()
    app = app_for(config, poller)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert poller.windows == [3600.0]
        for key, seconds in (("1", 900), ("3", 21600), ("4", 86400), ("5", 604800), ("2", 3600)):
            await pilot.press(key)
            await until(lambda s=seconds: poller.windows[-1] == s, pilot)
            assert app.window_s == seconds
        await until(lambda: not app.polling, pilot)
        assert "window 1h" in str(app.overview.query_one("#status").render())


async def test_refresh_and_pause(config: Config) -> None:
    poller = FakePoller()
    app = app_for(replace(config, refresh_s=0.05), poller)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await until(lambda: poller.calls >= 3, pilot)  # the timer re-arms after each poll
        await pilot.press("p")
        assert app.paused
        await until(lambda: not app.polling, pilot)
        calls = poller.calls
        # Something NOT happening, proven over six ticks of the app's own refresh-interval
        # timer (it asks the schedule each tick), not over a guessed sleep: a busy
        # machine cannot make this pass by running the app less.
        ticks = 0
        due = app.schedule.alerts_refresh_due

        def counted() -> bool:
            nonlocal ticks
            ticks += 1
            return due()

        app.schedule.alerts_refresh_due = counted  # type: ignore[method-assign]
        await until(lambda: ticks >= 6, pilot, what="six refresh ticks while paused")
        assert poller.calls == calls  # paused: no polls
        assert "PAUSED" in str(app.overview.query_one("#status").render())
        await pilot.press("R")  # refresh works while paused
        await until(lambda: poller.calls == calls + 1, pilot)
        await pilot.press("p")
        assert not app.paused
        await until(lambda: poller.calls >= calls + 3, pilot)


async def test_polls_never_overlap(config: Config) -> None:
    poller = FakePoller(delay_s=0.2)
    running = 0
    most = 0
    inner = poller.poll

    async def counting(window_s: float):  # type: ignore[no-untyped-def]
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            return await inner(window_s)
        finally:
            running -= 1

    poller.poll = counting  # type: ignore[method-assign]
    app = app_for(replace(config, refresh_s=0.01), poller)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: poller.calls >= 4, pilot, timeout=5)
        assert most == 1


async def test_configured_theme_is_styled_once_at_start(config: Config) -> None:
    # The configured theme is in place before the first parse: no re-parse of every
    # stylesheet and restyle of every widget at start-up (as `T` does later).
    light = replace(config, ui=replace(config.ui, theme="oncall-light"))
    app = app_for(light)
    parses = 0
    reparse = app.stylesheet.reparse

    def counted() -> None:
        nonlocal parses
        parses += 1
        reparse()

    app.stylesheet.reparse = counted  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert app.theme == "oncall-light" and parses == 0
        assert app.has_class("-light-mode", "-theme-oncall-light")
        assert not app.has_class("-dark-mode")
        light_bg = app.current_theme.background
        assert light_bg is not None
        assert app.theme_variables["background"].lower() == light_bg.lower()
        await pilot.press("t")  # the key still switches, re-styling then
        await until(lambda: app.theme != "oncall-light", pilot, what="the next theme")
        await settled(app, pilot)
        assert parses >= 1 and not app.has_class("-theme-oncall-light")


async def test_filter_narrows_enter_selects_first_esc_clears(config: Config) -> None:
    poller = FakePoller()
    app = app_for(config, poller)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        # The box is mounted at the first `/`: styling it was part of every cold start.
        assert not app.overview.alerts.filter_mounted
        everything = row_keys(app)
        await pilot.press("escape")  # Esc before any `/`: nothing to clear, nothing breaks
        await settled(app, pilot)
        assert row_keys(app) == everything and app.is_running
        await pilot.press("/")
        assert app.focused is app.overview.alerts.filter_input
        await pilot.press(*"instance=api")
        assert row_keys(app) == ["group:APIHighErrorRate", "fp-api-1", "fp-api-2"]
        assert "filter: 2 match" in app.overview.alerts.border_title
        await pilot.press("enter")
        assert app.focused is alerts_table(app)
        assert app.overview.alerts.selected_alert().fingerprint == "fp-api-1"  # type: ignore[union-attr]
        # The filter stays applied after Enter and survives a new poll.
        calls = poller.calls
        await pilot.press("R")
        await until(lambda: poller.calls > calls and not app.polling, pilot, what="a new poll")
        await settled(app, pilot)
        assert len(row_keys(app)) == 3
        panel = app.overview.alerts
        built = 0
        table_rows = panel.table_rows

        def counted(*args: Any) -> Any:
            nonlocal built
            built += 1
            return table_rows(*args)

        panel.table_rows = counted  # type: ignore[method-assign]
        await pilot.press("escape")
        await settled(app, pilot)
        assert row_keys(app) == everything
        assert not app.overview.alerts.filter_input.display
        # No rebuild at all: the whole list's rows were kept for this list (the poll
        # answered the same one), not one for the key and one for the emptied box.
        assert built == 0
        # Esc while still typing clears too.
        await pilot.press("/", *"cert")
        assert row_keys(app) == ["group:CertExpiry", "fp-cert-1"]
        await pilot.press("escape")
        assert row_keys(app) == everything
        assert app.focused is alerts_table(app)


async def test_a_long_list_is_filtered_off_the_loop_only(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storm's list is filtered where its rows are built (the lane's thread), never
    again on the loop: not for the title's count, not at a letter typed, not at a poll."""
    from oncall_tui.ui.widgets import alerts as alerts_module

    on_loop: list[str] = []
    filtered: list[str] = []
    original = alerts_module.filter_alerts

    def spy(items: Any, query: str) -> list[Alert]:
        (on_loop if threading.current_thread() is threading.main_thread() else filtered).append(
            query
        )
        return original(items, query)

    monkeypatch.setattr(alerts_module, "filter_alerts", spy)
    many = tuple(
        alert(f"Disk{i % 7}", "warning", f"fp-{i:04d}", labels={"instance": f"db-{i}"})
        for i in range(OFF_LOOP_ITEMS + 100)
    )
    poller = FakePoller([snapshot(NOW, alerts=many)])
    app = app_for(config, poller)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("/", *"db-12")
        panel = app.overview.alerts
        await until(lambda: "filter: 11 match" in panel.border_title, pilot, what="the count")
        await pilot.press("enter")  # out of the box, the filter kept
        calls = poller.calls
        await pilot.press("R")
        await until(lambda: poller.calls > calls and not app.polling, pilot, what="a poll")
        await settled(app, pilot)
        assert "filter: 11 match" in panel.border_title  # db-12, db-120 .. db-129
        await pilot.press("/")
        await pilot.press("escape")
        await until(lambda: "filter" not in panel.border_title, pilot, what="the filter gone")
        await settled(app, pilot)
        assert filtered and "db-12" in filtered
        assert on_loop == []


async def test_help_lists_the_bindings_and_closes(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = [r[0] for r in app.screen.rows]
        for key in ("a", "A", "u", "r", "/", "1", "5", "p", "R", "t", "?", "q"):
            assert key in keys
        descriptions = [r[1] for r in app.screen.rows]
        assert "Window 7d" in descriptions and "Ack…" in descriptions
        await pilot.press("escape")
        assert app.screen is app.overview


async def test_keymap_changes_show_in_help(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        app.set_keymap({"pause": "P"})
        await pilot.press("P")
        assert app.paused
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert ("P", "Pause") in [(r[0], r[1]) for r in app.screen.rows]


async def test_quit(config: Config) -> None:
    poller = FakePoller()
    app = app_for(config, poller)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("q")
        await until(lambda: app.return_code is not None, pilot, what="the app to exit")
    assert app.return_code == 0
    assert not poller.closed  # not ours: the caller closes what it passed in


async def test_tab_moves_between_panels(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        ov = app.overview
        assert app.focused is ov.alerts.table
        await pilot.press("tab")
        await until(lambda: app.focused is ov.health, pilot, what="focus on health")
        await pilot.press("tab")
        await until(lambda: app.focused is ov.latency, pilot, what="focus on latency")
        await pilot.press("shift+tab", "shift+tab")
        await until(lambda: app.focused is ov.alerts.table, pilot, what="focus on the alerts")


async def test_tab_in_compact_layout_shows_one_panel_at_a_time(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        ov = app.overview
        assert ov.has_class("-narrow")
        assert ov.alerts.display and ov.alerts.region.height > 0
        assert ov.breakers.region.height == 0
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        await until(lambda: app.focused is ov.breakers.table, pilot, what="focus on breakers")
        assert ov.breakers.region.height > 0
        assert ov.alerts.region.height == 0


async def test_filter_in_compact_layout_brings_the_alerts_forward(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        ov = app.overview
        await pilot.press("tab")  # the health panel is the one shown
        await until(lambda: app.focused is ov.health, pilot, what="focus on health")
        assert ov.alerts.region.height == 0
        await pilot.press("/", *"cert")
        # The filter box is in the alerts panel: typing into it where it cannot be seen
        # would be typing blind.
        await until(lambda: ov.alerts.region.height > 0, pilot, what="the alerts shown")
        assert app.focused is ov.alerts.filter_input
        assert row_keys(app) == ["group:CertExpiry", "fp-cert-1"]
        assert ov.health.region.height == 0


async def test_enter_opens_detail_screens(config: Config) -> None:
    from oncall_tui.ui.screens.breaker import BreakerHistoryScreen
    from oncall_tui.ui.screens.detail import AlertDetailScreen
    from oncall_tui.ui.screens.health import HealthBreakdownScreen

    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        select_row(app, "fp-lat-1")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, AlertDetailScreen), pilot, what="detail")
        assert app.screen.alert.fingerprint == "fp-lat-1"
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot, what="back to the overview")
        await pilot.press("tab")  # -> health
        await until(lambda: app.focused is app.overview.health, pilot, what="focus on health")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, HealthBreakdownScreen), pilot, what="health")
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot, what="back to the overview")
        app.overview.breakers.table.focus()
        await until(lambda: app.focused is app.overview.breakers.table, pilot, what="focus")
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, BreakerHistoryScreen), pilot, what="history")
        await pilot.press("escape")
        assert app.screen is app.overview


def enabled(app: OncallApp, action: str) -> bool | None:
    return app.check_action(action, ())


async def test_alert_keys_need_a_selection(config: Config) -> None:
    actions = FakeActions()
    app = app_for(config, actions=actions)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        select_row(app, "group:APIHighErrorRate")
        await pilot.pause()
        # A group header: ack takes the whole group; un-ack and runbook need one alert.
        assert enabled(app, "ack") is True
        assert enabled(app, "unack") is None and enabled(app, "runbook") is None
        await pilot.press("a")
        await until(lambda: actions.calls, pilot)
        assert actions.calls[0] == (
            "ack",
            (["fp-api-1", "fp-api-2"], 3600.0, "acknowledged from oncall-tui"),
        )
        select_row(app, "fp-api-2")
        await pilot.pause()
        assert enabled(app, "unack") is True
        await pilot.press("u")
        await until(lambda: len(actions.calls) == 2, pilot)
        assert actions.calls[1] == ("unack", ("fp-api-2", "sil-1"))
        # Over a detail view the overview's action keys are off.
        await pilot.press("enter")
        await until(lambda: app.screen is not app.overview, pilot, what="the detail view")
        assert enabled(app, "ack") is None
        await pilot.press("a", "u")
        await settled(app, pilot)
        assert len(actions.calls) == 2


async def test_no_alerts_disables_alert_keys(config: Config) -> None:
    app = app_for(config, FakePoller([snapshot(alerts=())]), FakeActions())
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: app.view is not None, pilot)
        for action in ("ack", "ack_dialog", "unack", "runbook"):
            assert enabled(app, action) is None
        empty = "No alerts: the Alertmanager reports nothing firing."
        await until(lambda: empty in screen_text(app), pilot, what="the empty-list words")
        app.action_ack()  # the key is disabled; the action itself refuses too
        await until(
            lambda: any("Select an alert" in n.message for n in app._notifications),
            pilot,
            what="the refusal",
        )


async def test_ack_dialog_and_runbook_flow(config: Config) -> None:
    from oncall_tui.ui.screens.dialogs import AckDialog, ConfirmScreen, RunbookPicker
    from oncall_tui.ui.screens.run_output import RunOutputScreen

    actions = FakeActions()
    app = app_for(config, actions=actions)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        select_row(app, "fp-lat-1")
        await pilot.press("A")
        await until(lambda: isinstance(app.screen, AckDialog), pilot)
        await pilot.press("enter")
        await until(lambda: actions.calls, pilot)
        assert actions.calls[0][0] == "ack"
        await until(lambda: app.screen is app.overview, pilot)
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, RunbookPicker), pilot)
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        await pilot.press("y")
        await until(lambda: isinstance(app.screen, RunOutputScreen), pilot)
        await until(lambda: app.screen.finished, pilot)  # type: ignore[attr-defined]
        assert ("run", ("restart", "fp-lat-1")) in actions.calls


async def test_without_actions_the_keys_say_not_available(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        select_row(app, "fp-api-1")
        await pilot.press("a")
        await until(
            lambda: any("Not available" in n.message for n in app._notifications),
            pilot,
            what="the notice",
        )


async def test_read_only_hides_and_refuses_alert_keys(config: Config) -> None:
    actions = FakeActions()
    app = app_for(replace(config, read_only=True), actions=actions)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        select_row(app, "fp-api-1")
        await pilot.pause()
        for action in ("ack", "ack_dialog", "unack", "runbook"):
            assert enabled(app, action) is False
        shown = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
        assert not shown & {"ack", "ack_dialog", "unack", "runbook"}
        await pilot.press("a", "A", "u", "r")
        app.action_ack()  # also refused when invoked directly
        app.action_unack()
        app.action_runbook()
        await until(
            lambda: any("Read-only" in n.message for n in app._notifications),
            pilot,
            what="the read-only notice",
        )
        await settled(app, pilot)
        assert actions.calls == []
        assert app.screen is app.overview
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert not {"a", "A", "u", "r"} & {r[0] for r in app.screen.rows}


async def test_outside_text_is_shown_literally(config: Config) -> None:
    evil = alert(
        "[bold red]x[/] \x1b[2J",
        "critical",
        "fp-evil",
        {"team": "[link=http://x]y[/link]\x1b]0;title\x07"},
        summary="[reverse]s[/]\x1b[31m",
    )
    app = app_for(config, FakePoller([snapshot(alerts=(evil,))]))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        table = alerts_table(app)
        header = table.get_row("group:[bold red]x[/] \x1b[2J")
        row = table.get_row("fp-evil")
        assert header[0].plain == "▾ [bold red]x[/] "
        assert row[0].plain == "  team=[link=http://x]y[/link]"
        assert row[5].plain == "[reverse]s[/]"
        # What reaches the screen: the brackets, no escape bytes.
        await until(lambda: "team=[link=" in screen_text(app), pilot, what="the row drawn")
        screen = screen_text(app)
        # (the label set may be cut with "…" to keep the columns after it on screen)
        assert "▾ [bold red]x[/]" in screen and "team=[link=http://x]" in screen
        assert "\x1b" not in screen


async def test_stale_marker_appears_then_clears(config: Config, clock: FakeClock) -> None:
    script = [snapshot(NOW), lambda w: failed(clock.now), lambda w: snapshot(clock.now)]
    poller = FakePoller(script)  # type: ignore[arg-type]
    app = make_app(config, poller, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        latency = app.overview.latency
        assert not latency.has_class("-stale")
        clock.now = NOW + 45
        await pilot.press("R")
        await until(lambda: latency.has_class("-stale"), pilot)
        age = str(latency.age_line.render())
        assert "stale 40s — prometheus: connection refused" in age  # in 10 s steps
        assert app.view is not None and app.view.latency.services  # last good data kept
        assert not app.overview.alerts.has_class("-stale")  # alertmanager answered
        clock.now = NOW + 50
        await pilot.press("R")
        await until(lambda: not latency.has_class("-stale"), pilot)
        assert "updated just now" in str(latency.age_line.render())


async def test_poll_that_raises_is_shown_and_retried(config: Config) -> None:
    boom = RuntimeError("decoder exploded")
    poller = FakePoller([snapshot(NOW), boom, boom, snapshot(NOW)])  # type: ignore[list-item]
    app = app_for(replace(config, refresh_s=0.2), poller)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        # Backoff: retried after 0.4 s, then after 0.8 s.
        await until(lambda: app.backoff.failures == 2, pilot)
        assert app.poll_error == "RuntimeError: decoder exploded"
        assert "decoder exploded" in str(app.overview.query_one("#status").render())
        assert app.view is not None and app.view.latency.services  # data kept
        assert app.backoff.next_delay() == pytest.approx(0.8)
        await until(lambda: app.poll_error is None, pilot)  # recovers by itself
        assert app.backoff.failures == 0
        # Two failures, then the good poll (a loaded machine may already be on the next).
        assert poller.calls >= 4


async def test_bell_for_new_critical_only(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    new = alert("DBDown", "critical", "fp-db")
    poller = FakePoller([snapshot(), snapshot(alerts=(*default_alerts(), new))])
    app = app_for(config, poller)
    rings: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(1))
    sent: list[str] = []
    monkeypatch.setattr(app, "desktop_notify", sent.append)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert rings == []
        await pilot.press("R")
        await until(lambda: rings, pilot)
        calls = poller.calls
        await pilot.press("R")  # the same critical again: no second ring
        await until(lambda: poller.calls > calls and not app.polling, pilot, what="a new poll")
        await settled(app, pilot)
        assert rings == [1]
        assert sent == []  # desktop notifications are off by default


async def test_desktop_notification_when_enabled(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = alert("DBDown", "critical", "fp-db")
    poller = FakePoller([snapshot(), snapshot(alerts=(*default_alerts(), new))])
    cfg = replace(config, ui=replace(config.ui, bell=False, desktop_notify=True))
    app = app_for(cfg, poller)
    rings: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(1))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        written: list[str] = []
        # The headless test driver writes nothing; a recording one shows the bytes.
        monkeypatch.setattr(app._driver, "write", written.append)
        monkeypatch.setattr(type(app), "is_headless", property(lambda self: False))
        await pilot.press("R")
        osc = "\x1b]9;oncall-tui: critical: DBDown\x07"
        await until(lambda: osc in written, pilot)
        assert sum(w.startswith("\x1b]9;") for w in written) == 1
        assert rings == []


async def test_theme_key_cycles_shipped_themes(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert app.theme == "oncall-dark"
        seen = {app.theme}
        for _ in range(len(app.theme_names)):
            await pilot.press("t")
            seen.add(app.theme)
        assert seen == set(app.theme_names) and len(seen) >= 2
        assert app.theme == "oncall-dark"


async def test_no_color(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        assert app.no_color
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_the_actions(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Pause (p)" in titles and "Window 7d (5)" in titles
        read_only = app_for(replace(config, read_only=True))
    async with read_only.run_test(size=SIZE) as pilot:
        await started(read_only, pilot)
        titles = [c.title for c in read_only.get_system_commands(read_only.screen)]
        assert not [t for t in titles if t.startswith("Ack")]


GLOBAL_KEYS = ("q", "t", "1", "5", "p", "R", "question_mark", "slash")


async def test_app_keys_do_not_fall_through_a_dialog(config: Config) -> None:
    """Over a dialog, keys it does not bind do nothing: `q` must not quit the app from
    the runbook confirmation, `t` / `1` / `p` / `R` must not act behind it."""
    from oncall_tui.ui.screens.dialogs import AckDialog, ConfirmScreen

    poller = FakePoller()
    app = app_for(config, poller, actions=FakeActions())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        select_row(app, "fp-lat-1")
        await pilot.press("r", "enter")  # the picker's first runbook -> its confirmation
        await until(lambda: isinstance(app.screen, ConfirmScreen), pilot)
        theme, calls = app.theme, poller.calls
        await pilot.press(*GLOBAL_KEYS)
        await settled(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)  # still open: q did not quit
        # ... and the overview's footer behind the dialog shows them off, not live.
        for action in ("quit", "cycle_theme", "pause", "refresh", "help", "filter"):
            assert enabled(app, action) is None, action
        assert app.is_running and app.return_code is None
        assert (app.theme, app.paused, app.window_s) == (theme, False, 3600.0)
        assert poller.calls == calls  # R did not poll
        await pilot.press("n")
        await until(lambda: app.screen is app.overview, pilot)
        # The ack dialog with the focus off its text fields (on the checkbox).
        await pilot.press("A")
        await until(lambda: isinstance(app.screen, AckDialog), pilot)
        await pilot.press("tab", "tab")
        await pilot.press(*GLOBAL_KEYS)
        await settled(app, pilot)
        assert isinstance(app.screen, AckDialog)
        assert (app.theme, app.paused, app.window_s) == (theme, False, 3600.0)
        assert poller.calls == calls
        await pilot.press("escape")
        await until(lambda: app.screen is app.overview, pilot)
        # Back on the overview the same keys act again.
        await pilot.press("p")
        assert app.paused


async def test_keys_typed_into_text_fields_are_text(config: Config) -> None:
    from textual.widgets import Input

    from oncall_tui.ui.screens.dialogs import AckDialog

    poller = FakePoller()
    app = app_for(config, poller, actions=FakeActions())
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        theme, calls = app.theme, poller.calls
        typed = ("t", "1", "5", "p", "R", "q", "question_mark", "A")
        await pilot.press("/", *typed)
        field = app.overview.alerts.filter_input
        await until(lambda: field.value == "t15pRq?A", pilot, what="the filter text")
        await settled(app, pilot)
        assert (app.theme, app.paused, app.window_s, poller.calls) == (theme, False, 3600.0, calls)
        assert app.screen is app.overview and app.is_running
        await pilot.press("escape")
        select_row(app, "fp-lat-1")
        await pilot.press("A")
        await until(lambda: isinstance(app.screen, AckDialog), pilot)
        await pilot.press("tab")  # -> the comment field
        comment = app.screen.query_one("#comment", Input)
        assert app.focused is comment
        comment.value = ""
        await pilot.press("t", "1", "p", "R", "q")
        await until(lambda: comment.value == "t1pRq", pilot, what="the comment text")
        await settled(app, pilot)
        assert (app.theme, app.paused, app.window_s, poller.calls) == (theme, False, 3600.0, calls)
        assert isinstance(app.screen, AckDialog)


async def test_command_palette_runs_an_app_action(config: Config) -> None:
    app = app_for(config)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("ctrl+p")
        await until(lambda: isinstance(app.screen, CommandPalette), pilot, what="the palette")
        await pilot.press(*"Pause (p)")
        # The palette searches in a worker; Enter runs the highlighted hit.
        await until(lambda: palette_hit(app, "Pause"), pilot, what="the Pause command listed")
        await pilot.press("enter")
        await until(lambda: app.paused, pilot)
        assert app.screen is app.overview


async def test_config_keys_remap_through_binding_ids(config: Config) -> None:
    ui = replace(config.ui, keys=(("pause", "P"), ("help", "f1")))
    app = app_for(replace(config, ui=ui))
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("p")
        assert not app.paused  # p is no longer pause
        await pilot.press("P")
        assert app.paused
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert ("P", "Pause") in [(r[0], r[1]) for r in app.screen.rows]


def test_every_binding_id_is_unique_and_every_app_key_has_an_action() -> None:
    from oncall_tui.ui.app import OncallApp
    from oncall_tui.ui.keys import KEYS, keys_of

    ids = [k.id for k in KEYS]
    assert len(ids) == len(set(ids))
    for key in keys_of("app"):
        assert hasattr(OncallApp, f"action_{key.action_name}"), key.id
