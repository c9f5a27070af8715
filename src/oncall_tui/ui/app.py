"""The Textual app: owns the view store, the poll schedule and the alert commands.

Composition, not mixins: `PollDriver` (polling.py) runs the `PollSchedule`
(schedule.py) and feeds the `ViewStore` (store.py); `AlertCommands` (commands.py)
does a / A / u / r and the detail views; the overview screen (overview.py) shows the
store's view and posts messages (`DetailsRequested`, `SelectionChanged`). Keys are
data in keys.py (`[ui.keys]` remaps them by id). `make_app` is shared by the CLI and
the tests.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import RenderableType
from textual._compositor import LayoutUpdate
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import Signal

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Alert, Snapshot
from oncall_tui.text import clean
from oncall_tui.ui.actions_protocol import AppActions, PollerLike
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.commands import AlertCommands
from oncall_tui.ui.keys import MUTATING_ACTIONS, keys_of
from oncall_tui.ui.messages import (
    DetailsRequested,
    EarlySections,
    PollFailed,
    SelectionChanged,
    SnapshotReady,
)
from oncall_tui.ui.overview import OverviewScreen
from oncall_tui.ui.polling import PollDriver
from oncall_tui.ui.schedule import PollSchedule
from oncall_tui.ui.state import Backoff
from oncall_tui.ui.store import ViewStore
from oncall_tui.ui.widgets.format import FALLBACK_COLORS

if TYPE_CHECKING:
    from textual.driver import Driver

    from oncall_tui.actions.deferred import DeferredBackend
    from oncall_tui.head_start import HeadStart
    from oncall_tui.ui.screens.incidents import IncidentsScreen

__all__ = ["AppActions", "OncallApp", "PollerLike", "live_app", "make_app", "run_app"]

FALLBACK_THEMES = ("textual-dark", "textual-light")

APP_ACTIONS = frozenset(k.action_name for k in keys_of("app"))
"""The app's own keys; they act from the overview only, never through a dialog."""


class OncallApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "oncall-tui"
    BINDINGS: ClassVar[list[BindingType]] = bindings("app")

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
        self.poll_on_start = poll_on_start
        self.owns_poller = False  # make_app sets it when it created the poller
        self.freeze_start_heap = False  # run_app sets it (see _freeze_start_heap)
        self._incidents_page: IncidentsScreen | None = None
        self.theme_names: list[str] = []
        self.theme_errors: list[str] = []
        self.startup_warnings: list[str] = []  # e.g. the journal was set aside (run_app)
        self._theme_defaults = dict(FALLBACK_COLORS)
        self._themes = self._load_themes(theme_dir)
        super().__init__()
        self._start_theme()
        self.store = ViewStore(actions.pending_fingerprints if actions is not None else None)
        self.schedule = PollSchedule(config.refresh_s, config.ui.window_s, clock)
        self.view_signal: Signal[Snapshot] = Signal(self, "view")
        """Published with the store's view after each change: a screen that shows live
        data subscribes (`app.view_signal.subscribe(self, self.show)`)."""
        self.overview = OverviewScreen(clock, self.schedule.state)
        self.polls = PollDriver(self, self, config, poller, actions, self.store, self.schedule)
        self.commands = AlertCommands(
            self,
            config,
            actions,
            self.store,
            self.overview.alerts,
            self.polls.poll_now,
            lambda: self.schedule.window_s,
        )
        if config.ui.keys:
            self.set_keymap(dict(config.ui.keys))
        self._dropped: list[tuple[Screen[Any], RenderableType]] = []

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        if self._batch_count and renderable is not None:
            # Textual drops a frame made inside a batch, yet its compositor counts it
            # as sent: later frames carry only what changed after it. The overview's
            # first frame is made inside the app's mount batch, so the screen stayed
            # blank where nothing changed since (until a resize repainted it all).
            # Kept, and written when the batch ends.
            if isinstance(renderable, LayoutUpdate):
                self._dropped.clear()  # the whole screen: nothing before it matters
            self._dropped.append((screen, renderable))
            return
        super()._display(screen, renderable)

    def _end_batch(self) -> None:
        super()._end_batch()
        if self._batch_count or not self._dropped:
            return
        dropped, self._dropped = self._dropped, []
        for screen, renderable in dropped:
            if screen is self.screen:
                super()._display(screen, renderable)
            else:  # another screen is on top now: it is painted whole instead
                self.screen.refresh()

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, but on Linux the one that answers a lone Esc at once
        (ui/driver.py); tests run headless and never get here."""
        chosen = super().get_driver_class()
        if sys.platform == "win32":
            return chosen  # no termios: Textual's Linux driver cannot even be imported
        from textual.drivers.linux_driver import LinuxDriver

        if chosen is not LinuxDriver:
            return chosen  # TEXTUAL_DRIVER, another platform
        from oncall_tui.ui.driver import PromptEscapeDriver

        return PromptEscapeDriver

    # -- read-only views of the parts (tests and scripts read them) ---------------------

    @property
    def view(self) -> Snapshot | None:
        return self.store.view

    @property
    def window_s(self) -> float:
        return self.schedule.window_s

    @property
    def paused(self) -> bool:
        return self.schedule.paused

    @property
    def polling(self) -> bool:
        return self.schedule.polling

    @property
    def poll_error(self) -> str | None:
        return self.schedule.error

    @property
    def backoff(self) -> Backoff:
        return self.schedule.backoff

    # -- themes -------------------------------------------------------------------------

    def _load_themes(self, theme_dir: Path | None) -> list[Any]:
        from oncall_tui.ui.themes import load_themes, variable_defaults

        themes, errors = load_themes(theme_dir)
        self.theme_errors.extend(errors)
        self._theme_defaults.update(variable_defaults(themes))
        return themes

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return self._theme_defaults

    def _start_theme(self) -> None:
        """The configured theme, in place before anything is styled. Set as `App.theme`
        is set later (by `T`), it would re-parse every stylesheet and restyle every
        widget already mounted at start-up; here the first parse has its colours."""
        for theme in self._themes:
            self.register_theme(theme)
        self.theme_names = [t.name for t in self._themes] or list(FALLBACK_THEMES)
        wanted = self.config.ui.theme
        name = wanted if wanted in self.available_themes else self.theme_names[0]
        if name != wanted:
            self.theme_errors.append(f"theme {wanted!r} not found; using {name!r}")
        self.set_reactive(OncallApp.theme, name)  # no watcher: what it would do follows
        dark = self.current_theme.dark
        self.update_classes(
            {f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark},
            update=False,
        )
        self._refresh_truecolor_filter(self.ansi_theme)  # Textual 8.2's, as its watcher
        self.stylesheet.set_variables(self.get_css_variables())

    def on_mount(self) -> None:
        for error in self.theme_errors:
            self.notify(error, title="Theme", severity="warning", markup=False, timeout=8)
        for warning in self.startup_warnings:
            self.notify(warning, title="Journal", severity="warning", markup=False, timeout=30)
        self.theme_changed_signal.subscribe(self, lambda _: self.overview.rerender())
        self.push_screen(self.overview)
        if self.freeze_start_heap:
            self.call_after_refresh(self._freeze_start_heap)
        if self.poll_on_start:
            self.polls.poll_now()

    def _freeze_start_heap(self) -> None:
        """After the first frame, what start-up made (modules, the screens, their styles:
        most of the heap, and alive until the end) is left out of every later garbage
        collection: a full collection walked all of it again, ~10 % of the CPU at steady
        state. Objects freed since are still freed by their reference counts; only a
        reference cycle among them, which start-up rarely leaves, is kept."""
        gc.freeze()

    async def on_unmount(self) -> None:
        if self.owns_poller:
            await self.poller.aclose()

    # -- what the parts tell the app (PollHost) -----------------------------------------

    def view_changed(self) -> None:
        view = self.store.view
        if view is None:
            return
        self.overview.update_snapshot(view)
        self.view_signal.publish(view)
        self.commands.refresh_keys()

    def poll_state_changed(self) -> None:
        self.overview.refresh_status()

    def after_drawn(self, callback: Callable[[], object]) -> None:
        if self.screen is self.overview and self.overview.is_mounted:
            self.overview.call_after_refresh(callback)
        elif self.screen is self.overview:
            # Start-up: the screen's messages wait for its mount; the refresh after that
            # is its first frame (before it, a refresh callback may run at any idle).
            self.overview.call_later(self.overview.call_after_refresh, callback)
        else:
            callback()

    def new_paging_alerts(self, alerts: list[Alert]) -> None:
        if not alerts:
            return
        if self.config.ui.bell:
            self.bell()
        if self.config.ui.desktop_notify:
            names = ", ".join(sorted({a.alertname for a in alerts}))
            self.desktop_notify(f"critical: {names}")

    def desktop_notify(self, message: str) -> None:
        """OSC 9 (iTerm2, kitty, WezTerm, foot...). Off unless config.ui.desktop_notify."""
        driver = self._driver
        if driver is None or self.is_headless:
            return
        driver.write(f"\x1b]9;oncall-tui: {clean(message, one_line=True)}\x07")

    # -- messages -----------------------------------------------------------------------

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        self.polls.snapshot_ready(message)

    def on_early_sections(self, message: EarlySections) -> None:
        self.polls.early_sections(message)

    def on_poll_failed(self, message: PollFailed) -> None:
        self.polls.poll_failed(message)

    def on_details_requested(self, message: DetailsRequested) -> None:
        self.commands.open_details(message.subject)

    def on_selection_changed(self, message: SelectionChanged) -> None:
        self.commands.refresh_keys()

    def on_run_output_screen_cancel_requested(self) -> None:
        self.commands.cancel_run()

    # -- bindings -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATING_ACTIONS and self.config.read_only:
            return False  # read-only: not a key the user has at all
        over_overview = bool(self.screen_stack) and (
            self.screen is self.overview or getattr(self.screen, "OVERVIEW_PAGE", False)
        )
        if action in APP_ACTIONS and not over_overview:
            # A dialog or detail view is open: its keys, not these. Textual already
            # stops a modal's keys at the modal; greying them in the overview's footer
            # behind it says so (q there closes, it does not quit).
            return None
        return self.commands.allowed(action)

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

    # -- keys ---------------------------------------------------------------------------

    def action_ack(self) -> None:
        self.commands.ack()

    def action_ack_dialog(self) -> None:
        self.commands.ack_dialog()

    def action_unack(self) -> None:
        self.commands.unack()

    def action_runbook(self) -> None:
        self.commands.runbook()

    def action_silences(self) -> None:
        from oncall_tui.ui.screens.silences import SilencesScreen

        self.push_screen(SilencesScreen(self.store, self.config, self.actions, self.poll_now))

    def action_filter(self) -> None:
        # The box is in the alerts panel: in the compact layout, show that panel first.
        self.overview.bring_forward(self.overview.alerts)
        self.overview.alerts.start_filter()

    def action_window(self, seconds: float) -> None:
        self.polls.set_window(seconds)

    def action_refresh(self) -> None:
        self.polls.refresh()

    def action_incidents(self) -> None:
        from oncall_tui.ui.screens.incidents import IncidentsScreen

        page = self._incidents_page
        if page is None:
            page = IncidentsScreen(self.store.view, self.view_signal, self.clock)
            self.install_screen(page, "incidents")  # kept: its rows outlive a close
            self._incidents_page = page
        elif page in self.screen_stack:
            return
        else:
            page.reopen(self.store.view)
        self.push_screen(page)

    def action_pause(self) -> None:
        self.polls.toggle_pause()

    def poll_now(self) -> None:
        self.polls.poll_now()

    def action_dashboards(self) -> None:
        from oncall_tui.ui.screens.dashboard import DashboardScreen

        if self.screen is self.overview:
            self.push_screen(
                DashboardScreen(self.store, self.config, self.schedule.state, self.clock)
            )

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


GIL_SWITCH_S = 0.0005
"""How long a thread holds the interpreter lock while another waits for it."""


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


def live_app(
    config: Config, backend: DeferredBackend, actions: AppActions | None = None
) -> OncallApp:
    """The app on the real backend (`actions`: instead of the backend's). A journal that
    cannot be opened, or a source's credentials that cannot be read, when the backend is
    built end it (exit code 2); `backend.setup_error` then says why."""
    app = make_app(config, backend.poller, actions=actions or backend.actions)
    app.owns_poller = True
    backend.on_setup_error = lambda _: app.exit(return_code=2)
    backend.on_notice = lambda words: app.notify(
        words, title="Journal", severity="warning", markup=False, timeout=30
    )
    return app


def run_app(
    config: Config, actions: AppActions | None = None, head_start: HeadStart | None = None
) -> int:
    """Run the TUI until the user quits; the exit code for the CLI.

    Without `actions`, the real backend: the journal (acks survive a restart), the
    poller reading it, and acks / runbook runs through it; all built after the first
    frame (actions/deferred.py). `head_start`: the first early poll, already asked
    (head_start.py). Raises JournalError (acks need the journal) and AuthSetupError (a
    source's credentials could not be read) for the CLI's words, after the app ended."""
    from oncall_tui.actions.deferred import DeferredBackend

    backend = DeferredBackend(config, head_start)
    # The event loop gives up the interpreter lock at every select(), dozens of times
    # per key; while a lane thread (cpu_lane) computes, each time it waits a whole
    # switch interval (5 ms by default) to get it back. A shorter interval keeps a key
    # from waiting ~50 intervals behind a poll's build in an alert storm.
    sys.setswitchinterval(GIL_SWITCH_S)
    try:
        app = live_app(config, backend, actions)
        app.freeze_start_heap = True  # not in tests: many apps share their process
        result = app.run()
        if backend.setup_error is not None:
            raise backend.setup_error
        return int(result or app.return_code or 0)
    finally:
        backend.close()
