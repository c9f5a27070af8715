"""Pilot tests of the detail screens, dialogs and run-output screen, each pushed on a
small host App that registers the shipped themes (their variables feed the screens'
CSS) and records what the screen dismissed with and which messages reached the app."""

from __future__ import annotations

import html
import re
import threading
from collections import defaultdict
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Log, OptionList, Static

from oncall_tui.config_types import AckConfig, Runbook
from oncall_tui.model.snapshot import (
    Alert,
    BreakerState,
    CircuitBreaker,
    ComponentHealth,
    Health,
    HealthTerm,
    Silence,
    SloCheck,
    StateChange,
)
from oncall_tui.ui.screens.breaker import BreakerHistoryScreen, Segment, segments
from oncall_tui.ui.screens.detail import AlertDetailScreen
from oncall_tui.ui.screens.dialogs import (
    AckDialog,
    AckRequest,
    ChooseSilenceScreen,
    ConfirmScreen,
    RunbookPicker,
)
from oncall_tui.ui.screens.health import HealthBreakdownScreen
from oncall_tui.ui.screens.run_output import MAX_LINE_CHARS, RunOutputScreen
from oncall_tui.ui.themes import load_themes, variable_defaults
from waiting import until

NOW = 1_700_000_000.0
MARKUP = "[bold red]api[/]"
THEMES, THEME_ERRORS = load_themes()
_UNSET = object()


class Host(App[None]):
    """Pushes one screen on mount; keeps its result and the messages the app saw."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.pushed = screen
        self.result: object = _UNSET
        self.cancels: list[RunOutputScreen.CancelRequested] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults(THEMES)

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = "oncall-dark"
        self.push_screen(self.pushed, self._done)

    def _done(self, result: object) -> None:
        self.result = result

    def on_run_output_screen_cancel_requested(
        self, message: RunOutputScreen.CancelRequested
    ) -> None:
        self.cancels.append(message)


def screen_text(app: App[Any]) -> str:
    """What the terminal shows, as plain text lines (from the SVG screenshot).

    Each text run of the SVG has an x position and a textLength; runs are placed at
    their column so the blanks between them are kept."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)
    cell = 0.0
    pattern = (
        r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>(.*?)</text>'
    )
    for m in re.finditer(pattern, svg):
        run = html.unescape(m[4]).replace("\xa0", " ")
        if not cell and run:
            cell = float(m[3]) / len(run)
        rows[float(m[2])].append((float(m[1]), run))
    lines = []
    for y in sorted(rows):
        line = ""
        for x, run in sorted(rows[y]):
            line = line.ljust(round(x / cell)) + run
        lines.append(line)
    return "\n".join(lines)


def alert(**changes: Any) -> Alert:
    base: dict[str, Any] = dict(
        fingerprint="f00d",
        labels={"alertname": "HighErrorRate", "severity": "critical", "service": MARKUP},
        annotations={"summary": "errors [b]up[/b]", "description": "one\ntwo\x1b[31m red"},
        state="suppressed",
        starts_at=NOW - 3725,
        generator_url="http://127.0.0.1:9090/graph",
        silenced_by=("s-1",),
        acked_by="alice@host",
        acked_until=NOW + 200,
    )
    base.update(changes)
    return Alert(**base)


SILENCES = [
    Silence("s-1", (), NOW - 100, NOW + 200, "alice", "looking", "active"),
    Silence("s-2", (), NOW - 100, NOW + 7200, "bob", "maintenance", "active"),
]
RUNBOOKS = [
    Runbook("clear-cache", "http", url="http://127.0.0.1:1/x", description="drop caches"),
    Runbook("restart-api", "exec", command=("systemctl", "restart", "api")),
    Runbook("page-db-team", "exec", command=("page", "db")),
]


def test_shipped_themes_load_cleanly() -> None:
    # The host relies on them; a failure here explains every other failure.
    assert THEME_ERRORS == []


# --- ConfirmScreen -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"), [("enter", True), ("y", True), ("escape", False), ("n", False)]
)
async def test_confirm_answers_by_key(key: str, expected: bool) -> None:
    app = Host(ConfirmScreen("Run restart-api?", "systemctl restart api", danger=True))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert app.result is expected
        assert not isinstance(app.screen, ConfirmScreen)


async def test_confirm_other_keys_do_nothing_and_body_is_literal() -> None:
    app = Host(ConfirmScreen("Run [b]it[/b]?", f"argv: {MARKUP}\x1b[2J"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("x", "q", "space")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        text = screen_text(app)
        assert f"argv: {MARKUP}" in text
        assert "Run [b]it[/b]?" in text


# --- AckDialog -----------------------------------------------------------------------


async def test_ack_enter_submits_defaults() -> None:
    app = Host(AckDialog(2, AckConfig(default_duration_s=5400, default_comment="on it")))
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.screen.query_one("#duration", Input).value == "1h 30m"
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == AckRequest(5400.0, "on it", False)


async def test_ack_returns_typed_values() -> None:
    app = Host(AckDialog(1, AckConfig()))
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#duration", Input).value = ""
        await pilot.press(*"2h")
        comment = screen.query_one("#comment", Input)
        comment.value = ""
        comment.focus()
        await pilot.press(*"db failover, no need")  # "n" is text here, not "refuse"
        screen.query_one("#until", Checkbox).focus()
        await pilot.press("space")
        await pilot.press("enter")  # on the checkbox: submits, does not toggle
        await pilot.pause()
        assert app.result == AckRequest(7200.0, "db failover, no need", True)


async def test_ack_duration_typed_in_one_burst_keeps_key_order() -> None:
    # Over SSH "⌫⌫3m⏎" often arrives in one read; Textual 8.2's Input applied the
    # backspaces after the characters ("" -> "got an empty string").
    from textual import events

    app = Host(AckDialog(1, AckConfig(default_duration_s=3600, default_comment="x")))
    async with app.run_test() as pilot:
        await pilot.pause()
        duration = app.screen.query_one("#duration", Input)
        duration.focus()
        duration.cursor_position = len(duration.value)
        for key in ("backspace", "backspace", "3", "m", "enter"):
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await until(lambda: app.result is not _UNSET, pilot, 3, "the dialog's answer")
        assert app.result == AckRequest(180.0, "x", False)


@pytest.mark.parametrize(("key", "submits"), [("y", True), ("n", False), ("escape", False)])
async def test_ack_y_and_n_off_the_text_fields(key: str, submits: bool) -> None:
    app = Host(AckDialog(1, AckConfig(default_duration_s=600, default_comment="x")))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one("#until", Checkbox).focus()
        await pilot.press(key)
        await pilot.pause()
        assert app.result == (AckRequest(600.0, "x", False) if submits else None)


async def test_ack_rejects_bad_duration_and_keeps_input() -> None:
    app = Host(AckDialog(1, AckConfig()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        duration = screen.query_one("#duration", Input)
        duration.value = ""
        await pilot.press(*"soon", "enter")
        await pilot.pause()
        assert app.result is _UNSET and isinstance(app.screen, AckDialog)
        assert duration.value == "soon"
        assert duration.has_class("-invalid")
        assert "Not a duration" in screen_text(app)
        assert '"soon"' in screen_text(app)
        # Fixing it clears the message and submits.
        duration.value = ""
        await pilot.press(*"45m")
        assert not duration.has_class("-invalid")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.result, AckRequest) and app.result.duration_s == 2700.0


async def test_ack_rejects_zero_duration() -> None:
    app = Host(AckDialog(1, AckConfig()))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one("#duration", Input).value = "0s"
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is _UNSET
        assert "longer than zero" in screen_text(app)


# --- ChooseSilenceScreen -------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("enter",), "s-1"),
        (("y",), "s-1"),
        (("down", "enter"), "s-2"),
        (("down", "y"), "s-2"),
        (("escape",), None),
        (("n",), None),
    ],
)
async def test_choose_silence(keys: tuple[str, ...], expected: str | None) -> None:
    app = Host(ChooseSilenceScreen(SILENCES, now=NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "alice" in text and "maintenance" in text and "in 3m 20s" in text
        await pilot.press(*keys)
        await pilot.pause()
        assert app.result == expected


# --- RunbookPicker -------------------------------------------------------------------


async def test_runbook_picker_linked_first_and_marked() -> None:
    app = Host(RunbookPicker(RUNBOOKS, linked={"restart-api"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        first = options.get_option_at_index(0).prompt
        assert str(first).startswith("★ restart-api")
        assert str(options.get_option_at_index(1).prompt).startswith("  clear-cache")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == RUNBOOKS[1]


async def test_runbook_picker_hides_url_passwords() -> None:
    runbooks = [
        Runbook("rundeck", "http", url="https://ops:s3cr3t@127.0.0.1:4440/api/41/job/x/run"),
    ]
    app = Host(RunbookPicker(runbooks, linked=()))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert "s3cr3t" not in shown
        assert "POST https://ops:<redacted>@127.0.0.1:4440/api/41/job/x/run" in shown


async def test_runbook_picker_type_to_filter() -> None:
    app = Host(RunbookPicker(RUNBOOKS, linked=()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"page")
        options = app.screen.query_one(OptionList)
        assert options.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == RUNBOOKS[2]


async def test_runbook_picker_no_match_enter_does_nothing() -> None:
    app = Host(RunbookPicker(RUNBOOKS, linked=()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"zzz", "enter")
        await pilot.pause()
        assert app.result is _UNSET
        assert "No runbook matches." in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


@pytest.mark.parametrize(
    ("keys", "expected"), [(("down", "y"), 1), (("y",), 0), (("n",), None), (("escape",), None)]
)
async def test_runbook_picker_keys_on_the_list(keys: tuple[str, ...], expected: int | None) -> None:
    app = Host(RunbookPicker(RUNBOOKS, linked=()))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one(OptionList).focus()
        await pilot.press(*keys)
        await pilot.pause()
        assert app.result == (None if expected is None else RUNBOOKS[expected])


# --- RunOutputScreen -----------------------------------------------------------------


async def test_run_output_streams_literally_and_finishes() -> None:
    screen = RunOutputScreen("restart [b]api[/b]", "systemctl restart api")
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen.append_output("plain line\n")
        screen.append_output("\x1b[31mred?\x1b[0m and [bold]not bold[/bold]")
        screen.append_output("progress 10%\rprogress 90%")
        await pilot.pause()
        log = screen.query_one(Log)
        assert list(log.lines) == [
            "plain line",
            "red? and [bold]not bold[/bold]",
            "progress 10%",
            "progress 90%",
        ]
        assert "red? and [bold]not bold[/bold]" in screen_text(app)
        assert "restart [b]api[/b]" in screen_text(app)
        assert "running…" in str(screen.query_one("#status", Static).render())
        # Esc while running keeps the screen: the run's end is reported here.
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        screen.finish(False, "exit code 2")
        await pilot.pause()
        status = str(screen.query_one("#status", Static).render())
        assert "failed" in status and "exit code 2" in status and "took" in status
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen and app.result is None


async def test_run_output_c_posts_cancel_once() -> None:
    screen = RunOutputScreen("restart-api", "")
    app = Host(screen)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("c", "c")
        await pilot.pause()
        assert len(app.cancels) == 1 and app.cancels[0].screen is screen
        assert "cancelling" in str(screen.query_one("#status", Static).render())
        screen.finish(False, "cancelled")
        await pilot.press("c")
        await pilot.pause()
        assert len(app.cancels) == 1


async def test_run_output_from_another_thread_keeps_order() -> None:
    screen = RunOutputScreen("t", "d")
    app = Host(screen)
    async with app.run_test() as pilot:
        await pilot.pause()

        def produce() -> None:
            for i in range(500):
                screen.append_output(f"line {i}")
            screen.finish(True, "exit code 0")

        thread = threading.Thread(target=produce)
        thread.start()
        thread.join()
        await until(
            lambda: screen.finished and len(screen.query_one(Log).lines) >= 500,
            pilot,
            5,
            "all 500 lines shown",
        )
        assert list(screen.query_one(Log).lines) == [f"line {i}" for i in range(500)]
        assert "ok" in str(screen.query_one("#status", Static).render())


async def test_run_output_cuts_very_long_lines() -> None:
    screen = RunOutputScreen("t", "d")
    app = Host(screen)
    async with app.run_test() as pilot:
        await pilot.pause()
        screen.append_output("x" * (MAX_LINE_CHARS + 10))
        await pilot.pause()
        (line,) = screen.query_one(Log).lines
        assert line == "x" * MAX_LINE_CHARS + "… (10 more characters)"


async def test_run_output_lines_before_mount_are_kept() -> None:
    screen = RunOutputScreen("t", "d")
    screen.append_output("early")
    app = Host(screen)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert list(screen.query_one(Log).lines) == ["early"]


# --- detail screens ------------------------------------------------------------------


@pytest.mark.parametrize("key", ["escape", "q"])
async def test_alert_detail_shows_labels_literally_and_closes(key: str) -> None:
    app = Host(AlertDetailScreen(alert(ack_pending=True), RUNBOOKS[1:2], SILENCES, now=NOW))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert MARKUP in text
        assert "errors [b]up[/b]" in text
        assert "two red" in text  # the escape sequence is dropped, the text kept
        assert "expires in 3m 20s" in text
        assert "ack pending" in text
        assert "looking" in text  # the covering silence's comment
        await pilot.press("end")  # the runbooks are at the bottom
        await pilot.pause()
        assert "systemctl restart api" in screen_text(app)
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, AlertDetailScreen)


async def test_alert_detail_unacked_without_runbooks() -> None:
    plain = alert(silenced_by=(), acked_by=None, acked_until=None, state="active")
    app = Host(AlertDetailScreen(plain, [], [], now=NOW))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "not acknowledged" in text
        assert "No runbook is linked" in text
        assert "expires" not in text


def test_links_are_osc8_hyperlinks_with_safe_targets() -> None:
    from oncall_tui.ui.screens.detail import alert_links, linked

    text = linked("https://runbooks.example/search\x1b]8;;http://evil\x07#x")
    (span,) = [s for s in text.spans if getattr(s.style, "link", None)]
    assert span.style.link == "https://runbooks.example/search#x"  # type: ignore[union-attr]
    assert "\x1b" not in text.plain and "\x07" not in text.plain
    assert not any(getattr(s.style, "link", None) for s in linked("javascript:alert(1)").spans)
    links = alert_links(
        alert(annotations={"dashboard": "https://grafana/d/1", "runbook_url": "https://rb/1"}),
        RUNBOOKS,
    )
    assert [what for what, _ in links] == [
        "runbook_url",
        "dashboard",
        "source (Prometheus)",
        "runbook clear-cache",
    ]


async def test_alert_detail_shows_the_description_on_top_and_copies_links() -> None:
    annotations = {
        "summary": "search fails 80 % of requests",
        "description": "The gateway sees 5xx from search; its breaker opens.",
        "runbook_url": "https://runbooks.example/search",
    }
    app = Host(AlertDetailScreen(alert(annotations=annotations), [], SILENCES, now=NOW))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        top = screen_text(app).splitlines()[:8]
        assert any("The gateway sees 5xx from search" in line for line in top), top
        await pilot.press("c")
        assert app.clipboard == "https://runbooks.example/search"
        await pilot.press("n", "c")
        assert app.clipboard == "http://127.0.0.1:9090/graph"
        await pilot.press("n", "c")  # wraps around
        assert app.clipboard == "https://runbooks.example/search"


BREAKER = CircuitBreaker(
    "payments-[b]db[/b]",
    BreakerState.HALF_OPEN,
    12.0,
    55.5,
    NOW - 120,
    (
        StateChange(NOW - 3000, BreakerState.CLOSED),
        StateChange(NOW - 600, BreakerState.OPEN),
        StateChange(NOW - 120, BreakerState.HALF_OPEN),
    ),
)


def test_segments_cover_the_window() -> None:
    parts = segments(BREAKER, NOW - 3600, NOW)
    assert parts == [
        Segment(NOW - 3600, NOW - 3000, None),
        Segment(NOW - 3000, NOW - 600, BreakerState.CLOSED),
        Segment(NOW - 600, NOW - 120, BreakerState.OPEN),
        Segment(NOW - 120, NOW, BreakerState.HALF_OPEN),
    ]
    steady = CircuitBreaker("x", BreakerState.CLOSED, 0.0, 0.0, None)
    assert segments(steady, NOW - 60, NOW) == [Segment(NOW - 60, NOW, BreakerState.CLOSED)]
    # A change before the window clips to its start.
    early = CircuitBreaker(
        "x", BreakerState.OPEN, 1.0, None, NOW - 7200, (StateChange(NOW - 7200, BreakerState.OPEN),)
    )
    assert segments(early, NOW - 60, NOW) == [Segment(NOW - 60, NOW, BreakerState.OPEN)]


async def test_breaker_history_screen() -> None:
    app = Host(BreakerHistoryScreen(BREAKER, 3600, NOW))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "payments-[b]db[/b]" in text
        assert "55.5 %" in text and "12 failed calls" in text
        assert "Transitions (3)" in text
        assert "ongoing" in text
        assert "CLOSED 40m (67 %)" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, BreakerHistoryScreen)


async def test_breaker_first_seen_inside_the_window() -> None:
    """A series that began a minute ago (fresh Prometheus): its state is known since
    then, which is not "no change within the last 1h"; failures are whole calls."""
    fresh = CircuitBreaker(
        "search",
        BreakerState.OPEN,
        31.8343,
        None,
        None,
        (StateChange(NOW - 64, BreakerState.OPEN),),
    )
    app = Host(BreakerHistoryScreen(fresh, 3600, NOW))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "first seen" in text and "no change since" in text
        assert "no change within" not in text
        assert "32 failed calls" in text


def test_breaker_since_column() -> None:
    from oncall_tui.ui.widgets.breakers import since_text

    changed = CircuitBreaker("a", BreakerState.OPEN, 1.0, None, NOW - 300)
    assert since_text(changed, NOW, 3600) == "5m"
    fresh = CircuitBreaker(
        "b", BreakerState.OPEN, 1.0, None, None, (StateChange(NOW - 64, BreakerState.OPEN),)
    )
    assert since_text(fresh, NOW, 3600) == "≥1m 4s"
    just_seen = CircuitBreaker(
        "b", BreakerState.OPEN, 1.0, None, None, (StateChange(NOW - 5, BreakerState.OPEN),)
    )
    assert since_text(just_seen, NOW, 7 * 86400) == "—"
    steady = CircuitBreaker(
        "c", BreakerState.CLOSED, 0.0, 0.0, None, (StateChange(NOW - 3600, BreakerState.CLOSED),)
    )
    assert since_text(steady, NOW, 3600) == "> 1h"
    assert since_text(CircuitBreaker("d", BreakerState.CLOSED, 0.0, 0.0, None), NOW, 3600) == "—"


HEALTH = Health(
    score=79.2,
    components=(ComponentHealth("API Gateway", 0.992), ComponentHealth(MARKUP, None, "timeout")),
    slo_checks=(
        SloCheck("p95 latency", 0.412, 0.3, "s", False, 7.0),
        SloCheck("error rate", 0.004, 0.01, "ratio", True, 0.0),
    ),
    alert_penalty=13.0,
    terms=(
        HealthTerm("base", 100.0, "start from 100"),
        HealthTerm("API Gateway", -0.8, "availability 99.2 %"),
        HealthTerm("p95 latency", -7.0, "412ms over the 300ms target"),
        HealthTerm("alerts", -13.0, "1 critical, 1 warning"),
    ),
)


async def test_health_breakdown_adds_up() -> None:
    app = Host(HealthBreakdownScreen(HEALTH))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert re.search(r"sum\s+79\.2", text)
        assert "clamped" not in text and "differs" not in text
        assert MARKUP in text and "timeout" in text
        assert re.search(r"p95 latency\s+412ms\s+≤ 300ms\s+violated\s+-7\.0", text)
        assert "-13.0 points for firing alerts" in text


async def test_health_breakdown_says_when_clamped() -> None:
    clamped = Health(
        score=0.0,
        terms=(HealthTerm("base", 100.0, "start"), HealthTerm("alerts", -140.0, "many")),
    )
    app = Host(HealthBreakdownScreen(clamped))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert re.search(r"sum\s+-40\.0", text)
        assert "clamped to 0 … 100" in text


async def test_detail_follows_a_theme_switch() -> None:
    screen = AlertDetailScreen(alert(), [], SILENCES, now=NOW)
    app = Host(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        light = app.get_theme("oncall-light")
        assert light is not None
        facts = screen.query_one("#facts")
        app.theme = "oncall-light"
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one("#facts") is not facts  # refilled with the new colours
        assert MARKUP in screen_text(app)
        colour = screen.style("alert-detail--critical").color
        assert colour is not None and colour.triplet is not None
        assert colour.triplet.hex == light.variables["severity-critical"]


class ClockHost(Host):
    """An app with a `clock`, as the real one has: screens without `now` follow it."""

    now = NOW

    def clock(self) -> float:
        return self.now


async def test_screens_without_now_follow_the_app_clock() -> None:
    screen = AlertDetailScreen(alert(), [], SILENCES)
    app = ClockHost(screen)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert "expires in 3m 20s" in screen_text(app)
        app.now = NOW + 100
        screen._refresh_facts()  # what its 5 s timer does
        await pilot.pause()
        assert "expires in 1m 40s" in screen_text(app)
    app = ClockHost(ChooseSilenceScreen(SILENCES))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "in 3m 20s" in screen_text(app)


def test_the_app_and_the_clock_hosts_tell_the_time_through_the_protocol() -> None:
    from oncall_tui.config_types import Config
    from oncall_tui.ui.actions_protocol import HasClock
    from oncall_tui.ui.app import make_app

    from .conftest import FakeClock, FakePoller

    clock = FakeClock(NOW + 7)
    app = make_app(Config(), FakePoller(), clock=clock)
    assert isinstance(app, HasClock) and app.clock() == NOW + 7
    assert isinstance(ClockHost(Screen()), HasClock)
    assert not isinstance(Host(Screen()), HasClock)  # the system clock, then
