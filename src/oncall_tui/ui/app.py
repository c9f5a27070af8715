"""The Textual app: the overview screen, global keys, themes, and the app factory.

Polling lives in `polling.py`, alert actions and detail views in `alert_actions.py`,
the panels in `overview.py` and `widgets/`. `make_app` is shared by the CLI and tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Snapshot
from oncall_tui.ui.actions_protocol import AppActions, PollerLike
from oncall_tui.ui.alert_actions import ALERT_ACTIONS, AlertActionsMixin
from oncall_tui.ui.overview import OverviewScreen
from oncall_tui.ui.polling import PollingMixin
from oncall_tui.ui.widgets.format import FALLBACK_COLORS

__all__ = ["AppActions", "OncallApp", "PollerLike", "make_app", "run_app"]

WINDOWS: tuple[tuple[str, str, float], ...] = (
    ("1", "15m", 900.0),
    ("2", "1h", 3600.0),
    ("3", "6h", 6 * 3600.0),
    ("4", "24h", 86400.0),
    ("5", "7d", 7 * 86400.0),
)

FALLBACK_THEMES = ("textual-dark", "textual-light")


def _bindings() -> list[BindingType]:
    bindings: list[BindingType] = [
        Binding("a", "ack", "Ack", id="ack", tooltip="Acknowledge: silence the selected alert(s)"),
        Binding(
            "A", "ack_dialog", "Ack…", id="ack_dialog", tooltip="Ack with duration and comment"
        ),
        Binding("u", "unack", "Un-ack", id="unack", tooltip="Expire the alert's silence"),
        Binding("r", "runbook", "Runbook", id="runbook", tooltip="Run a runbook for the alert"),
        Binding("/", "filter", "Filter", id="filter", tooltip="Filter alerts by label text"),
    ]
    for key, label, seconds in WINDOWS:
        bindings.append(
            Binding(
                key,
                f"window({seconds:g})",
                f"Window {label}",
                show=False,
                id=f"window_{label}",
                tooltip=f"Show the last {label} and poll now",
            )
        )
    bindings += [
        Binding("p", "pause", "Pause", id="pause", tooltip="Pause / resume polling"),
        Binding("R", "refresh", "Refresh", id="refresh", tooltip="Poll now"),
        Binding("t", "cycle_theme", "Theme", id="theme", tooltip="Next theme"),
        Binding("question_mark", "help", "Help", key_display="?", id="help", tooltip="All keys"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit oncall-tui"),
    ]
    return bindings


OVERVIEW_ACTIONS = (
    frozenset(b.action.split("(", 1)[0] for b in _bindings() if isinstance(b, Binding))
    - ALERT_ACTIONS
)
"""The app's own keys; they act from the overview only, never through a dialog."""


class OncallApp(PollingMixin, AlertActionsMixin, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "oncall-tui"
    BINDINGS: ClassVar[list[BindingType]] = _bindings()

    def __init__(
        self,
        config: Config,
        poller: PollerLike,
        *,
        actions: AppActions | None = None,
        clock: Callable[[], float] = time.time,
        theme_dir: Path | None = None,
        poll_on_start: bool = True,
    ) -> None:
        self.config = config
        self.poller = poller
        self.actions = actions
        self.clock = clock
        self.window_s = config.ui.window_s
        self.view: Snapshot | None = None
        self.poll_on_start = poll_on_start
        self.owns_poller = False  # make_app sets it when it created the poller
        self.theme_names: list[str] = []
        self.theme_errors: list[str] = []
        self._theme_defaults = dict(FALLBACK_COLORS)
        self._themes = self._load_themes(theme_dir)
        super().__init__()
        self.init_polling()
        self.overview = OverviewScreen(clock)

    def _load_themes(self, theme_dir: Path | None) -> list[Any]:
        try:
            from oncall_tui.ui.themes import load_themes, variable_defaults
        except ImportError as exc:  # themes module missing: built-in themes still work
            self.theme_errors.append(f"themes unavailable: {exc}")
            return []
        themes, errors = load_themes(theme_dir)
        self.theme_errors.extend(errors)
        self._theme_defaults.update(variable_defaults(themes))
        return themes

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return self._theme_defaults

    def on_mount(self) -> None:
        for theme in self._themes:
            self.register_theme(theme)
        self.theme_names = [t.name for t in self._themes] or list(FALLBACK_THEMES)
        wanted = self.config.ui.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.theme = self.theme_names[0]
            self.theme_errors.append(f"theme {wanted!r} not found; using {self.theme!r}")
        for error in self.theme_errors:
            self.notify(error, title="Theme", severity="warning", markup=False, timeout=8)
        self.theme_changed_signal.subscribe(self, lambda _: self.overview.rerender())
        self.push_screen(self.overview)
        if self.poll_on_start:
            self.poll_now()

    async def on_unmount(self) -> None:
        aclose = getattr(self.poller, "aclose", None)
        if self.owns_poller and callable(aclose):
            await aclose()

    # -- bindings --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        over_overview = bool(self.screen_stack) and self.screen is self.overview
        if action in ALERT_ACTIONS:
            if self.config.read_only:
                return False
            if not over_overview:
                return None  # a dialog or detail view is open: its keys, not these
            return self.alert_action_allowed(action)
        if action in OVERVIEW_ACTIONS and not over_overview:
            # Textual already stops a modal's keys at the modal; greying them in the
            # overview's footer behind it says so (q there closes, it does not quit).
            return None
        return True

    def app_bindings(self) -> list[Binding]:
        """This app's own bindings, with the keys the user's keymap gave them."""
        active = {b.binding.id: b for b in self.overview.active_bindings.values() if b.binding.id}
        out = []
        for b in self.BINDINGS:
            assert isinstance(b, Binding)
            current = active.get(b.id) if b.id else None
            out.append(current.binding if current is not None else b)
        return out

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for b in self.app_bindings():
            action = b.action
            name = action.split("(", 1)[0]
            if self.check_action(name, ()) is False or b.id == "quit":
                continue
            yield SystemCommand(
                f"{b.description} ({self.get_key_display(b)})",
                b.tooltip or b.description,
                lambda action=action: self.run_action(action),
            )

    # -- keys ------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.overview.alerts.start_filter()

    def action_cycle_theme(self) -> None:
        from oncall_tui.ui.themes import theme_cycle

        self.theme = theme_cycle(self.theme_names, self.theme)
        self.notify(f"Theme: {self.theme}", timeout=2, markup=False)

    def action_help(self) -> None:
        from oncall_tui.ui.screens.help import HelpScreen

        rows = []
        for b in self.app_bindings():
            name = b.action.split("(", 1)[0]
            allowed = self.check_action(name, ())
            if allowed is False:
                continue  # hidden (read-only): not a key the user has
            rows.append((self.get_key_display(b), b.description, b.tooltip, allowed is True))
        rows += [
            ("tab / shift+tab", "Next / previous panel", "Move between panels", True),
            ("enter", "Details", "Health breakdown, alert, breaker history", True),
            ("esc", "Clear filter", "Clear the alert filter", True),
            ("ctrl+p", "Command palette", "Every action by name", True),
        ]
        self.push_screen(HelpScreen(rows, read_only=self.config.read_only))


def make_app(
    config: Config,
    poller: PollerLike | None = None,
    *,
    actions: AppActions | None = None,
    clock: Callable[[], float] = time.time,
    theme_dir: Path | None = None,
    poll_on_start: bool = True,
) -> OncallApp:
    """The app on `poller` (default: the real Poller of `config`, closed on exit)."""
    owns_poller = poller is None
    if poller is None:
        from oncall_tui.poll import Poller

        poller = Poller(config)
    app = OncallApp(
        config,
        poller,
        actions=actions,
        clock=clock,
        theme_dir=theme_dir,
        poll_on_start=poll_on_start,
    )
    app.owns_poller = owns_poller
    return app


def run_app(config: Config, actions: AppActions | None = None) -> int:
    """Run the TUI until the user quits; the exit code for the CLI.

    Without `actions`, the real backend: the journal (acks survive a restart), the
    poller reading it, and acks / runbook runs through it."""
    from oncall_tui.actions.app_actions import live_backend

    poller, live, journal = live_backend(config)
    try:
        app = make_app(config, poller, actions=actions or live)
        app.owns_poller = True
        result = app.run()
        return int(result or app.return_code or 0)
    finally:
        if journal is not None:
            journal.close()
