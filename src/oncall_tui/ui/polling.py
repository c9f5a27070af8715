"""Polling for the app: one poll at a time in a worker, the next one armed after it.

Polls never overlap and never block input: each runs in an exclusive async worker and
posts a typed message; the next one-shot timer is armed only when that message is
handled, at the refresh interval, or with backoff (2x, up to 60 s) after a failure.
Starting a poll (R, a window key) cancels a running one, whose late result is ignored.
The decisions are `PollSchedule`'s (ui/schedule.py); this class only runs them on
Textual's timers and workers, and hands the answers to the app's `ViewStore`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from textual.app import App
from textual.timer import Timer

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import Alert, Alerts, Snapshot
from oncall_tui.text import clean
from oncall_tui.ui.actions_protocol import AppActions, PollerLike
from oncall_tui.ui.messages import EarlySections, PollFailed, SnapshotReady
from oncall_tui.ui.schedule import PollSchedule
from oncall_tui.ui.store import ViewStore


class PollHost(Protocol):
    """What the poll driver tells the app."""

    def view_changed(self) -> None:
        """The store's view changed: show it."""

    def poll_state_changed(self) -> None:
        """Polling / paused / error changed: the status line says it."""

    def new_paging_alerts(self, alerts: list[Alert]) -> None:
        """Paging alerts that just started firing (bell, desktop notification)."""

    def after_drawn(self, callback: Callable[[], object]) -> None:
        """Call `callback` once the view's change is on screen (at once when the
        overview is not shown)."""


class PollDriver:
    def __init__(
        self,
        app: App[int],
        host: PollHost,
        config: Config,
        poller: PollerLike,
        actions: AppActions | None,
        store: ViewStore,
        schedule: PollSchedule,
    ) -> None:
        self.app = app
        self.host = host
        self.config = config
        self.poller = poller
        self.actions = actions
        self.store = store
        self.schedule = schedule
        self._timer: Timer | None = None
        self._alerts_watch: Timer | None = None
        self._outbox_busy = False

    def poll_now(self) -> None:
        """Start a poll now (cancelling a running one and the armed timer)."""
        self._disarm()
        if not self.app.is_running:
            return  # shutting down
        generation = self.schedule.start()
        first = self.store.view is None
        if first:
            # Asked ahead (the head start) and here already: in the view before the
            # overview mounts, so its first frame shows them.
            ready = self.poller.early_ready(self.schedule.window_s)
            if ready and self.store.apply_early(
                ready, self.schedule.clock(), self.schedule.window_s
            ):
                self.host.view_changed()
        self.app.run_worker(
            self._poll(generation, self.schedule.window_s, first),
            group="poll",
            exclusive=True,
            exit_on_error=False,
        )
        if self._alerts_watch is None:
            self._alerts_watch = self.app.set_interval(self.config.refresh_s, self._alerts_tick)
        self.host.poll_state_changed()

    async def _poll(self, generation: int, window_s: float, first: bool = False) -> None:
        try:
            if first:
                # The first poll: its cheap sections on screen before the slow ones.
                drawn = asyncio.Event()
                if self.store.view is None:
                    early = await self.poller.poll_early(window_s)
                    self.app.post_message(EarlySections(early, generation, drawn))
                    shown = bool(early)
                else:  # in the view already (poll_now): drawn with the first frame
                    self.host.after_drawn(drawn.set)
                    shown = True
                if shown:
                    # That frame first: the full poll's requests would take the loop's
                    # CPU before it is drawn (at start-up the early parts come at once).
                    await drawn.wait()
                await self._first_alerts(generation)
            snapshot = await self.poller.poll(window_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any poller failure is shown, never fatal
            self.app.post_message(PollFailed(f"{type(exc).__name__}: {exc}", generation))
            return
        self.app.post_message(SnapshotReady(snapshot, generation))

    async def _first_alerts(self, generation: int) -> None:
        """The first poll's alert list, alone and before the rest: in a storm the full
        poll (the incident record's first merge of thousands of alerts) takes seconds,
        and the alerts are what the on-call engineer acts on. The full poll then re-uses
        the alerts parsed here (the poller's AlertReuse) and brings everything else."""
        try:
            alerts = await self.poller.poll_alerts()
        except asyncio.CancelledError:
            raise
        except Exception:  # the full poll that follows says what is wrong
            return
        if not alerts.section.ok or not self.app.is_running:
            return
        if not self.schedule.is_current(generation):
            return  # superseded (R, a window key): that poll shows its own
        self._show_alerts(alerts)

    def snapshot_ready(self, message: SnapshotReady) -> None:
        if not self.schedule.is_current(message.generation) or not self.app.is_running:
            return  # superseded (R, window change) while running, or shutting down
        new = message.snapshot
        keep_alerts = self.schedule.alerts_newer_than_poll()
        self._after_poll(new)
        paging = self.store.apply_poll(new, keep_alerts=keep_alerts)
        self.host.view_changed()
        self.host.new_paging_alerts(paging)
        all_down = bool(new.sources) and not any(s.ok for s in new.sources.values())
        self._arm(self.schedule.finished(all_down))
        self.host.poll_state_changed()

    def early_sections(self, message: EarlySections) -> None:
        if not self.schedule.is_current(message.generation) or not self.app.is_running:
            message.drawn.set()
            return
        if self.store.apply_early(message.parts, self.schedule.clock(), self.schedule.window_s):
            self.host.view_changed()
            self.host.after_drawn(message.drawn.set)
        else:
            message.drawn.set()

    def poll_failed(self, message: PollFailed) -> None:
        if not self.schedule.is_current(message.generation) or not self.app.is_running:
            return
        self._arm(self.schedule.failed(clean(message.error, one_line=True)))
        self.host.poll_state_changed()

    # -- the alert list while a poll hangs ---------------------------------------------

    def _alerts_tick(self) -> None:
        if not self.schedule.alerts_refresh_due():
            return
        self.schedule.alerts_busy = True
        self.app.run_worker(self._refresh_alerts(), group="alerts", exit_on_error=False)

    async def _refresh_alerts(self) -> None:
        try:
            alerts = await self.poller.poll_alerts()
        except Exception:  # the full poll reports trouble; this is only a shortcut
            return
        finally:
            self.schedule.alerts_busy = False
        if not alerts.section.ok or not self.app.is_running or not self.schedule.polling:
            return
        self.schedule.alerts_refreshed()
        self._show_alerts(alerts)

    def _show_alerts(self, alerts: Alerts) -> None:
        """An alerts-only answer into the view (the first poll's, or one while a poll
        hangs): shown, and its new paging alerts rung."""
        sched = self.schedule
        paging = self.store.apply_alerts(alerts, sched.clock(), sched.window_s)
        self.host.view_changed()
        self.host.new_paging_alerts(paging)

    # -- the outbox ---------------------------------------------------------------------

    def _after_poll(self, snapshot: Snapshot) -> None:
        """Let the action backend work its outbox on what this poll saw (deliver pending
        acks, extend until-resolved ones). Its own worker: a poll restarted by R must not
        cancel a delivery half-way, and one runs at a time."""
        if self.actions is None or self._outbox_busy or self.config.read_only:
            return
        self._outbox_busy = True
        self.app.run_worker(
            self._work_outbox(self.actions, snapshot), group="outbox", exit_on_error=False
        )

    async def _work_outbox(self, actions: AppActions, snapshot: Snapshot) -> None:
        try:
            words = await actions.after_poll(snapshot)
        except Exception as exc:  # the outbox keeps its items; the next poll retries
            words = [f"outbox: {type(exc).__name__}: {exc}"]
        finally:
            self._outbox_busy = False
        for line in words:
            self.app.notify(clean(line), title="Acks", markup=False, timeout=6)

    # -- timers -------------------------------------------------------------------------

    def _arm(self, delay: float | None) -> None:
        self._disarm()
        if delay is None:
            return  # paused
        self.schedule.armed(delay)
        self._timer = self.app.set_timer(delay, self.poll_now, name="next-poll")

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.schedule.disarmed()

    # -- what the keys do -----------------------------------------------------------------

    def set_window(self, seconds: float) -> None:
        self.schedule.window_s = float(seconds)
        self.poll_now()

    def refresh(self) -> None:
        self.poller.invalidate_history()
        self.schedule.reset_backoff()
        self.poll_now()

    def toggle_pause(self) -> None:
        if self.schedule.toggle_pause():
            self._disarm()
            self.app.notify("Polling paused: p resumes", timeout=3)
        else:
            self.poll_now()
        self.host.poll_state_changed()
