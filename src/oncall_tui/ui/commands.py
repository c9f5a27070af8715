"""a / A / u / r and the detail views: the app's side of acting on alerts.

The work itself (journal, silences, runbook runs) is the injected `AppActions`; this
class only asks the user (dialogs from ui/screens) and reports the outcome. The app
owns one `AlertCommands`; its actions and the screen's messages (`DetailsRequested`,
`SelectionChanged`) land here. Dialog modules are imported when first used: they are
not needed for the first frame.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from textual.app import App

from oncall_tui.config_types import Config, Runbook
from oncall_tui.model.snapshot import (
    Alert,
    CircuitBreaker,
    ErrorRate,
    Health,
    Latency,
    RunbookCoverage,
    Slo,
)
from oncall_tui.text import clean
from oncall_tui.ui.actions_protocol import AppActions
from oncall_tui.ui.keys import MUTATING_ACTIONS, SELECTION_ACTIONS
from oncall_tui.ui.store import ViewStore


class AlertSelection(Protocol):
    """What is selected in the alert list (the overview's alerts panel)."""

    def selected_alert(self) -> Alert | None: ...

    def selected_alerts(self) -> list[Alert]:
        """The selected alert, or every shown alert of the selected group."""
        ...


def describe_run(runbook: Runbook, alert: Alert) -> str:
    """Exactly what will run for `alert` (labels substituted, secrets redacted).

    Raises RunbookError when it cannot be planned (e.g. a label it needs is missing)."""
    from oncall_tui.sources.runbooks import plan_run

    return plan_run(runbook, alert, os.environ).describe()


class AlertCommands:
    def __init__(
        self,
        app: App[int],
        config: Config,
        actions: AppActions | None,
        store: ViewStore,
        selection: AlertSelection,
        poll_now: Callable[[], None],
        window_s: Callable[[], float],
    ) -> None:
        self.app = app
        self.config = config
        self.actions = actions
        self.store = store
        self.selection = selection
        self.poll_now = poll_now
        self.window_s = window_s
        self._keys_state: tuple[bool | None, ...] | None = None

    def allowed(self, action: str) -> bool | None:
        """check_action for the alert actions: hidden when read-only, greyed out
        without a selection."""
        if action in MUTATING_ACTIONS and self.config.read_only:
            return False
        if action not in SELECTION_ACTIONS:
            return True
        sel = self.selection
        selected = sel.selected_alerts() if action.startswith("ack") else sel.selected_alert()
        return True if selected else None

    def refresh_keys(self) -> None:
        """Refresh the footer when a / A / u / r became (un)available. Only then: a
        footer refresh rebuilds every key widget, and polls and row moves are frequent."""
        if not self.app.screen_stack:
            return  # shutting down: a late SelectionChanged
        state = tuple(self.app.check_action(a, ()) for a in sorted(SELECTION_ACTIONS))
        if state != self._keys_state:
            self._keys_state = state
            self.app.refresh_bindings()

    def _refuse(self, action: str) -> bool:
        """True (and tells why) when `action` must not run now."""
        if self.config.read_only:
            self.app.notify("Read-only mode: nothing can be changed.", severity="warning")
            return True
        if self.allowed(action) is not True:
            self.app.notify("Select an alert first.", severity="warning")
            return True
        if self.actions is None:
            self.app.notify("Not available: no action backend is configured.", severity="warning")
            return True
        return False

    def _worker(self, work: Coroutine[Any, Any, None], name: str = "") -> None:
        self.app.run_worker(work, group="actions", name=name, exit_on_error=False)

    def _report(self, message: str) -> None:
        self.app.notify(clean(message), markup=False)

    def _failed(self, what: str, exc: BaseException) -> None:
        self.app.notify(clean(f"{what} failed: {exc}"), severity="error", timeout=10, markup=False)

    # -- a / A ---------------------------------------------------------------------------

    def ack(self) -> None:
        if self._refuse("ack"):
            return
        cfg = self.config.ack
        alerts = self.selection.selected_alerts()
        self._worker(
            self._ack(alerts, cfg.default_duration_s, cfg.default_comment, cfg.until_resolved)
        )

    def ack_dialog(self) -> None:
        if self._refuse("ack_dialog"):
            return
        self._worker(self._ack_dialog(self.selection.selected_alerts()))

    async def _ack_dialog(self, alerts: list[Alert]) -> None:
        from oncall_tui.ui.screens.dialogs import AckDialog

        request = await self.app.push_screen_wait(AckDialog(len(alerts), self.config.ack))
        if request is not None:
            await self._ack(alerts, request.duration_s, request.comment, request.until_resolved)

    async def _ack(
        self, alerts: list[Alert], duration_s: float, comment: str, until_resolved: bool
    ) -> None:
        assert self.actions is not None
        try:
            message = await self.actions.ack(alerts, duration_s, comment, until_resolved)
        except Exception as exc:  # shown, never fatal; the outbox keeps the ack
            self._failed("Ack", exc)
        else:
            self._report(message)
        self.poll_now()

    # -- u -------------------------------------------------------------------------------

    def unack(self) -> None:
        if self._refuse("unack"):
            return
        alert = self.selection.selected_alert()
        assert alert is not None
        self._worker(self._unack(alert))

    async def _unack(self, alert: Alert) -> None:
        """Expire this alert's ack at once; any other silence (a colleague's, a regex,
        one muting other alerts too) only after a confirmation showing what it mutes,
        whose Enter answers No (`unack_choices` decides which is which)."""
        from oncall_tui.actions.silences import unack_choices

        assert self.actions is not None
        view = self.store.view
        choices = unack_choices(alert, view.alerts.items if view is not None else (alert,))
        if not choices:
            if alert.ack_pending:
                await self._withdraw(self.actions, alert)
            else:
                self.app.notify("This alert is not acknowledged.", severity="warning")
            return
        choice = choices[0]
        if len(choices) > 1:
            from oncall_tui.ui.screens.dialogs import ChooseSilenceScreen

            mutes = {c.silence.id: len(c.mutes) for c in choices}
            picker = ChooseSilenceScreen([c.silence for c in choices], mutes=mutes)
            picked = await self.app.push_screen_wait(picker)
            found = [c for c in choices if c.silence.id == picked]
            if not found:
                return
            choice = found[0]
        if not choice.safe:
            from oncall_tui.ui.screens.detail import app_now
            from oncall_tui.ui.screens.dialogs import ConfirmScreen
            from oncall_tui.ui.screens.silences import expire_title, silence_facts

            now = app_now(self.app)
            body = silence_facts(choice.silence, choice.mutes, now, choice.reasons)
            body.append(f"\n\nExpiring it lets {len(choice.mutes)} alert(s) notify again.", "bold")
            confirm = ConfirmScreen(expire_title(choice.silence), body, True, default_no=True)
            if not await self.app.push_screen_wait(confirm):
                return
        silence_id = choice.silence.id
        try:
            message = await self.actions.unack(alert, silence_id)
        except Exception as exc:
            self._failed("Un-ack", exc)
        else:
            self._report(message)
        self.poll_now()

    async def _withdraw(self, actions: AppActions, alert: Alert) -> None:
        """Un-ack of an ack that no Alertmanager has yet: take it back from the outbox."""
        try:
            message = await actions.withdraw_pending(alert)
        except Exception as exc:  # e.g. it was delivered meanwhile: said, never fatal
            self._failed("Un-ack", exc)
        else:
            self._report(message)
        self.poll_now()

    # -- r -------------------------------------------------------------------------------

    def runbook(self) -> None:
        if self._refuse("runbook"):
            return
        alert = self.selection.selected_alert()
        assert alert is not None
        self._worker(self._runbook(alert), name="runbook")

    async def _runbook(self, alert: Alert) -> None:
        from oncall_tui.ui.screens.dialogs import ConfirmScreen, RunbookPicker

        assert self.actions is not None
        runbooks = self.actions.runbooks_for(alert)
        if not runbooks:
            self.app.notify("No runbook is configured.", severity="warning")
            return
        named = {alert.labels.get("runbook"), alert.annotations.get("runbook")}
        linked = [r.name for r in runbooks if alert.alertname in r.alerts or r.name in named]
        runbook = await self.app.push_screen_wait(RunbookPicker(runbooks, linked))
        if runbook is None:
            return
        try:
            body = describe_run(runbook, alert)
        except Exception as exc:  # RunbookError: says what is missing, in words
            self.app.notify(clean(str(exc)), title="Runbook", severity="error", markup=False)
            return
        confirm = ConfirmScreen(f"Run {runbook.name}?", body, True)
        if not await self.app.push_screen_wait(confirm):
            return
        await self._run(self.actions, runbook, alert, body)

    async def _run(
        self, actions: AppActions, runbook: Runbook, alert: Alert, description: str
    ) -> None:
        from oncall_tui.ui.screens.run_output import RunOutputScreen

        screen = RunOutputScreen(f"runbook {runbook.name}", description)
        await self.app.push_screen(screen)
        ok, summary = True, ""
        try:
            summary = await actions.run_runbook(runbook, alert, screen.append_output)
        except asyncio.CancelledError:
            screen.finish(False, "cancelled")
            raise
        except Exception as exc:
            ok, summary = False, str(exc) or type(exc).__name__
        screen.finish(ok, summary)
        self.poll_now()

    def cancel_run(self) -> None:
        # The run is the worker awaiting run_runbook: cancelling it stops the run.
        for worker in self.app.workers:
            if worker.group == "actions" and worker.name == "runbook":
                worker.cancel()

    # -- details -------------------------------------------------------------------------

    def open_details(self, subject: object) -> None:
        """The detail view of what the screen asked about (`DetailsRequested`)."""
        if isinstance(subject, Health):
            from oncall_tui.ui.screens.health import HealthBreakdownScreen

            self.app.push_screen(HealthBreakdownScreen(subject))
        elif isinstance(subject, CircuitBreaker):
            from oncall_tui.ui.screens.breaker import BreakerHistoryScreen

            self.app.push_screen(BreakerHistoryScreen(subject, self.window_s()))
        elif isinstance(subject, Alert):
            from oncall_tui.ui.screens.detail import AlertDetailScreen

            silences = self.store.silences_of(subject)
            self.app.push_screen(AlertDetailScreen(subject, self.runbooks_for(subject), silences))
        else:
            self._dashboard_details(subject)

    def _dashboard_details(self, subject: object) -> None:
        """SLOs, coverage and the charts of latency / error rate (issue 12's views)."""
        view = self.store.view
        span = (view.taken_at - view.window_s, view.taken_at) if view is not None else (0.0, 1.0)
        if isinstance(subject, Slo):
            from oncall_tui.ui.screens.slo import SloDetailScreen

            self.app.push_screen(SloDetailScreen(subject))
        elif isinstance(subject, RunbookCoverage):
            from oncall_tui.ui.screens.coverage import CoverageScreen

            self.app.push_screen(CoverageScreen(subject, self.window_s()))
        elif isinstance(subject, Latency):
            from oncall_tui.ui.screens.charts import LatencyChartScreen

            self.app.push_screen(LatencyChartScreen(subject, span))
        elif isinstance(subject, ErrorRate):
            from oncall_tui.ui.screens.charts import ErrorChartScreen

            self.app.push_screen(ErrorChartScreen(subject, span))

    def runbooks_for(self, alert: Alert) -> list[Runbook]:
        if self.actions is not None:
            return self.actions.runbooks_for(alert)
        linked = [r for r in self.config.runbooks if alert.alertname in r.alerts]
        return linked + [r for r in self.config.runbooks if r not in linked]
