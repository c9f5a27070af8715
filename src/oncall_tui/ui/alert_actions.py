"""a / A / u / r and the detail views: the app's side of acting on alerts.

The work itself (journal, silences, runbook runs) is the injected `AppActions`; this
module only asks the user (dialogs from ui/screens) and reports the outcome. Dialog
modules are imported when first used: they are not needed for the first frame.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

from textual import work
from textual.app import App

from oncall_tui.config_types import Config, Runbook
from oncall_tui.model.snapshot import Alert, Snapshot
from oncall_tui.text import clean
from oncall_tui.ui.actions_protocol import AppActions
from oncall_tui.ui.overview import OverviewScreen
from oncall_tui.ui.widgets.panel import Panel

ALERT_ACTIONS = frozenset({"ack", "ack_dialog", "unack", "runbook"})
"""Actions that change something: hidden in read-only mode."""


def describe_run(runbook: Runbook, alert: Alert) -> str:
    """Exactly what will run for `alert` (labels substituted, secrets redacted).

    Raises RunbookError when it cannot be planned (e.g. a label it needs is missing)."""
    from oncall_tui.sources.runbooks import plan_run

    return plan_run(runbook, alert, os.environ).describe()


class AlertActionsMixin(App[int]):
    # Set by OncallApp.__init__.
    config: Config
    actions: AppActions | None
    clock: Callable[[], float]
    window_s: float
    view: Snapshot | None
    overview: OverviewScreen
    poll_now: Callable[[], None]  # PollingMixin's, next in OncallApp's MRO

    def alert_action_allowed(self, action: str) -> bool | None:
        """check_action for ALERT_ACTIONS: hidden when read-only, greyed without a selection."""
        if self.config.read_only:
            return False
        panel = self.overview.alerts
        selected = panel.selected_alerts() if action.startswith("ack") else panel.selected_alert()
        return True if selected else None

    def refresh_alert_keys(self) -> None:
        """Refresh the footer when a / A / u / r became (un)available. Only then: a
        footer refresh rebuilds every key widget, and polls and row moves are frequent."""
        state = tuple(self.check_action(a, ()) for a in sorted(ALERT_ACTIONS))
        if state != getattr(self, "_alert_keys_state", None):
            self._alert_keys_state = state
            self.refresh_bindings()

    def _refuse(self, action: str) -> bool:
        """True (and tells why) when `action` must not run now."""
        if self.config.read_only:
            self.notify("Read-only mode: nothing can be changed.", severity="warning")
            return True
        if self.alert_action_allowed(action) is not True:
            self.notify("Select an alert first.", severity="warning")
            return True
        if self.actions is None:
            self.notify("Not available: no action backend is configured.", severity="warning")
            return True
        return False

    def action_ack(self) -> None:
        if self._refuse("ack"):
            return
        cfg = self.config.ack
        alerts = self.overview.alerts.selected_alerts()
        self._ack(alerts, cfg.default_duration_s, cfg.default_comment, cfg.until_resolved)

    @work(group="actions", exit_on_error=False)
    async def action_ack_dialog(self) -> None:
        if self._refuse("ack_dialog"):
            return
        from oncall_tui.ui.screens.dialogs import AckDialog

        alerts = self.overview.alerts.selected_alerts()
        request = await self.push_screen_wait(AckDialog(len(alerts), self.config.ack))
        if request is not None:
            self._ack(alerts, request.duration_s, request.comment, request.until_resolved)

    @work(group="actions", exit_on_error=False)
    async def _ack(
        self, alerts: list[Alert], duration_s: float, comment: str, until_resolved: bool
    ) -> None:
        assert self.actions is not None
        try:
            message = await self.actions.ack(alerts, duration_s, comment, until_resolved)
        except Exception as exc:  # shown, never fatal; the outbox keeps the ack
            self.notify(clean(f"Ack failed: {exc}"), severity="error", timeout=10, markup=False)
        else:
            self.notify(clean(message), markup=False)
        self.poll_now()

    @work(group="actions", exit_on_error=False)
    async def action_unack(self) -> None:
        if self._refuse("unack"):
            return
        alert = self.overview.alerts.selected_alert()
        assert alert is not None and self.actions is not None
        if not alert.silenced_by:
            if alert.ack_pending:
                await self._withdraw(alert)
            else:
                self.notify("This alert is not acknowledged.", severity="warning")
            return
        silence_id: str | None = alert.silenced_by[0]
        if len(alert.silenced_by) > 1:
            from oncall_tui.ui.screens.dialogs import ChooseSilenceScreen

            ids = set(alert.silenced_by)
            silences = [s for s in self.view.alerts.silences if s.id in ids] if self.view else []
            silence_id = await self.push_screen_wait(ChooseSilenceScreen(silences))
        if silence_id is None:
            return
        try:
            message = await self.actions.unack(alert, silence_id)
        except Exception as exc:
            self.notify(clean(f"Un-ack failed: {exc}"), severity="error", timeout=10, markup=False)
        else:
            self.notify(clean(message), markup=False)
        self.poll_now()

    async def _withdraw(self, alert: Alert) -> None:
        """Un-ack of an ack that no Alertmanager has yet: take it back from the outbox."""
        withdraw = getattr(self.actions, "withdraw_pending", None)
        if not callable(withdraw):
            self.notify("The ack is still pending: it cannot be withdrawn.", severity="warning")
            return
        try:
            message = await withdraw(alert)
        except Exception as exc:  # e.g. it was delivered meanwhile: said, never fatal
            self.notify(clean(f"Un-ack failed: {exc}"), severity="error", timeout=10, markup=False)
        else:
            self.notify(clean(message), markup=False)
        self.poll_now()

    @work(group="actions", name="runbook", exit_on_error=False)
    async def action_runbook(self) -> None:
        if self._refuse("runbook"):
            return
        from oncall_tui.ui.screens.dialogs import ConfirmScreen, RunbookPicker

        alert = self.overview.alerts.selected_alert()
        assert alert is not None and self.actions is not None
        runbooks = self.actions.runbooks_for(alert)
        if not runbooks:
            self.notify("No runbook is configured.", severity="warning")
            return
        named = {alert.labels.get("runbook"), alert.annotations.get("runbook")}
        linked = [r.name for r in runbooks if alert.alertname in r.alerts or r.name in named]
        runbook = await self.push_screen_wait(RunbookPicker(runbooks, linked))
        if runbook is None:
            return
        try:
            body = describe_run(runbook, alert)
        except Exception as exc:  # RunbookError: says what is missing, in words
            self.notify(clean(str(exc)), title="Runbook", severity="error", markup=False)
            return
        if not await self.push_screen_wait(ConfirmScreen(f"Run {runbook.name}?", body, True)):
            return
        await self._run(runbook, alert, body)

    async def _run(self, runbook: Runbook, alert: Alert, description: str) -> None:
        from oncall_tui.ui.screens.run_output import RunOutputScreen

        assert self.actions is not None
        screen = RunOutputScreen(f"runbook {runbook.name}", description)
        await self.push_screen(screen)
        ok, summary = True, ""
        try:
            result: Any = await self.actions.run_runbook(runbook, alert, screen.append_output)
        except asyncio.CancelledError:
            screen.finish(False, "cancelled")
            raise
        except Exception as exc:
            ok, summary = False, str(exc) or type(exc).__name__
        else:
            if isinstance(result, tuple):
                ok, summary = bool(result[0]), str(result[1])
            else:
                summary = str(result)
        screen.finish(ok, summary)
        self.poll_now()

    def on_run_output_screen_cancel_requested(self) -> None:
        # The run is the worker awaiting run_runbook: cancelling it stops the run.
        for worker in self.workers:
            if worker.group == "actions" and worker.name == "runbook":
                worker.cancel()

    # -- details ---------------------------------------------------------------------

    def open_details(self, panel: Panel) -> None:
        ov = self.overview
        if panel is ov.health and self.view is not None:
            from oncall_tui.ui.screens.health import HealthBreakdownScreen

            self.push_screen(HealthBreakdownScreen(self.view.health))
        elif panel is ov.breakers:
            breaker = ov.breakers.selected()
            if breaker is not None:
                from oncall_tui.ui.screens.breaker import BreakerHistoryScreen

                self.push_screen(BreakerHistoryScreen(breaker, self.window_s))
        elif panel is ov.alerts:
            alert = ov.alerts.selected_alert()
            if alert is not None:
                from oncall_tui.ui.screens.detail import AlertDetailScreen

                ids = set(alert.silenced_by)
                silences = (
                    [s for s in self.view.alerts.silences if s.id in ids] if self.view else []
                )
                self.push_screen(AlertDetailScreen(alert, self.runbooks_for(alert), silences))

    def runbooks_for(self, alert: Alert) -> list[Runbook]:
        if self.actions is not None:
            return self.actions.runbooks_for(alert)
        linked = [r for r in self.config.runbooks if alert.alertname in r.alerts]
        return linked + [r for r in self.config.runbooks if r not in linked]
