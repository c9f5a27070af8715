"""Polling for the app: one poll at a time in a worker, the next one armed after it.

Polls never overlap and never block input: each runs in an exclusive async worker and
posts a typed message; the next one-shot timer is armed only when that message is
handled, at the refresh interval, or with backoff (2x, up to 60 s) after a failure.
Starting a poll (R, a window key) cancels a running one, whose late result is ignored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

from textual import work
from textual.app import App
from textual.timer import Timer

from oncall_tui.config_types import Config
from oncall_tui.model.snapshot import (
    Alerts,
    CircuitBreakers,
    ErrorRate,
    Health,
    Incidents,
    Latency,
    RunbookStats,
    Snapshot,
)
from oncall_tui.text import clean
from oncall_tui.ui.actions_protocol import PollerLike
from oncall_tui.ui.messages import PollFailed, SnapshotReady
from oncall_tui.ui.overview import OverviewScreen
from oncall_tui.ui.state import Backoff, CriticalWatch, merge
from oncall_tui.ui.widgets.status import PollState


class PollingMixin(App[int]):
    # Set by OncallApp.__init__.
    config: Config
    poller: PollerLike
    clock: Callable[[], float]
    window_s: float
    view: Snapshot | None
    overview: OverviewScreen
    refresh_alert_keys: Callable[[], None]  # AlertActionsMixin's

    def init_polling(self) -> None:
        self._alerts_watch: Timer | None = None
        self._alerts_busy = False
        self._alerts_at: float | None = None  # monotonic: last alerts-only refresh
        self.paused = False
        self._outbox_busy = False
        self.polling = False
        self.poll_error: str | None = None
        self.backoff = Backoff(self.config.refresh_s)
        self.criticals = CriticalWatch()
        self._generation = 0
        self._timer: Timer | None = None
        self._next_poll_at: float | None = None
        self._poll_started_at: float | None = None  # monotonic

    def poll_state(self) -> PollState:
        retry = None
        if self.poll_error and self._next_poll_at is not None:
            retry = max(0.0, self._next_poll_at - self.clock())
        waited = None
        if self.polling and self._poll_started_at is not None:
            waited = time.monotonic() - self._poll_started_at
        return PollState(
            polling_for_s=waited,
            window_s=self.window_s,
            refresh_s=self.config.refresh_s,
            paused=self.paused,
            polling=self.polling,
            error=self.poll_error,
            retry_in_s=retry,
        )

    def poll_now(self) -> None:
        """Start a poll now (cancelling a running one and the armed timer)."""
        self._disarm()
        if not self.is_running:
            return  # shutting down
        self._generation += 1
        self.polling = True
        self._poll_started_at = time.monotonic()
        self._poll(self._generation, self.window_s)
        if self._alerts_watch is None:
            self._alerts_watch = self.set_interval(self.config.refresh_s, self._alerts_tick)
        self.overview.refresh_status()

    def _alerts_tick(self) -> None:
        """A poll stuck on one source (Prometheus hanging until its timeout) must not
        freeze the alert list: refresh the Alertmanager's part on its own meanwhile."""
        started = self._poll_started_at
        fetch = getattr(self.poller, "poll_alerts", None)
        if (
            not self.polling
            or self.paused
            or self._alerts_busy
            or started is None
            or time.monotonic() - started < self.config.refresh_s
            or not callable(fetch)
        ):
            return
        self._alerts_busy = True
        self._refresh_alerts(fetch)

    @work(group="alerts", exit_on_error=False)
    async def _refresh_alerts(self, fetch: Callable[[], Awaitable[Alerts]]) -> None:
        try:
            alerts = await fetch()
        except Exception:  # the full poll reports trouble; this is only a shortcut
            return
        finally:
            self._alerts_busy = False
        if not alerts.section.ok or not self.is_running or not self.polling:
            return
        self._alerts_at = time.monotonic()
        base = self.view if self.view is not None else _waiting(self.clock(), self.window_s)
        self.view = self._mark_pending(replace(base, alerts=alerts))
        self.overview.update_snapshot(self.view)
        self.refresh_alert_keys()
        self._notify_new_criticals()

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def _poll(self, generation: int, window_s: float) -> None:
        try:
            snapshot = await self.poller.poll(window_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any poller failure is shown, never fatal
            self.post_message(PollFailed(f"{type(exc).__name__}: {exc}", generation))
            return
        self.post_message(SnapshotReady(snapshot, generation))

    def on_snapshot_ready(self, message: SnapshotReady) -> None:
        if message.generation != self._generation or not self.is_running:
            return  # superseded (R, window change) while running, or shutting down
        new = message.snapshot
        started = self._poll_started_at
        if (
            self.view is not None
            and self._alerts_at is not None
            and started is not None
            and self._alerts_at > started
        ):
            # The alert list was refreshed while this poll waited: its own, older
            # answer must not bring back what has changed since.
            new = replace(new, alerts=self.view.alerts)
        self._after_poll(new)
        self.view = self._mark_pending(merge(self.view, new))
        self.overview.update_snapshot(self.view)
        self.refresh_alert_keys()
        self._notify_new_criticals()
        self.polling = False
        all_down = bool(new.sources) and not any(s.ok for s in new.sources.values())
        if all_down:
            # Nothing answered: retrying at full speed only adds load to a sick system.
            self.poll_error = None
            self._arm(self.backoff.failed())
        else:
            self.poll_error = None
            self._arm(self.backoff.succeeded())
        self.overview.refresh_status()

    def on_poll_failed(self, message: PollFailed) -> None:
        if message.generation != self._generation or not self.is_running:
            return
        self.polling = False
        self.poll_error = clean(message.error, one_line=True)
        self._arm(self.backoff.failed())
        self.overview.refresh_status()

    def _mark_pending(self, view: Snapshot) -> Snapshot:
        """The outbox as it is now on the alerts shown. While no Alertmanager answers,
        the alert list is the one kept from before the ack was written: without this
        it could never say "ack pending" (nor stop saying it once delivered)."""
        pending_of = getattr(getattr(self, "actions", None), "pending_fingerprints", None)
        if not callable(pending_of):
            return view
        pending = pending_of()
        items = view.alerts.items
        if all(a.ack_pending == (a.fingerprint in pending) for a in items):
            return view
        marked = tuple(replace(a, ack_pending=a.fingerprint in pending) for a in items)
        return replace(view, alerts=replace(view.alerts, items=marked))

    def _after_poll(self, snapshot: Snapshot) -> None:
        """Let the action backend work its outbox on what this poll saw (deliver pending
        acks, extend until-resolved ones). Its own worker: a poll restarted by R must not
        cancel a delivery half-way, and one runs at a time."""
        after = getattr(getattr(self, "actions", None), "after_poll", None)
        if callable(after) and not self._outbox_busy and not self.config.read_only:
            self._outbox_busy = True
            self._work_outbox(after, snapshot)

    @work(group="outbox", exit_on_error=False)
    async def _work_outbox(
        self, after: Callable[[Snapshot], Awaitable[list[str]]], snapshot: Snapshot
    ) -> None:
        try:
            words = await after(snapshot)
        except Exception as exc:  # the outbox keeps its items; the next poll retries
            words = [f"outbox: {type(exc).__name__}: {exc}"]
        finally:
            self._outbox_busy = False
        for line in words:
            self.notify(clean(line), title="Acks", markup=False, timeout=6)

    def _arm(self, delay: float) -> None:
        self._disarm()
        if self.paused:
            return
        self._next_poll_at = self.clock() + delay
        self._timer = self.set_timer(delay, self.poll_now, name="next-poll")

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._next_poll_at = None

    def _notify_new_criticals(self) -> None:
        new = self.criticals.update(self.view.alerts.items if self.view else ())
        if not new:
            return
        if self.config.ui.bell:
            self.bell()
        if self.config.ui.desktop_notify:
            names = ", ".join(sorted({a.alertname for a in new}))
            self.desktop_notify(f"critical: {names}")

    def desktop_notify(self, message: str) -> None:
        """OSC 9 (iTerm2, kitty, WezTerm, foot...). Off unless config.ui.desktop_notify."""
        driver = self._driver
        if driver is None or self.is_headless:
            return
        driver.write(f"\x1b]9;oncall-tui: {clean(message, one_line=True)}\x07")

    # -- keys ------------------------------------------------------------------------

    def action_window(self, seconds: float) -> None:
        self.window_s = float(seconds)
        self.poll_now()

    def action_refresh(self) -> None:
        invalidate = getattr(self.poller, "invalidate_history", None)
        if callable(invalidate):
            invalidate()
        self.backoff.succeeded()
        self.poll_now()

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._disarm()
            self.notify("Polling paused: p resumes", timeout=3)
        else:
            self.poll_now()
        self.overview.refresh_status()


def _waiting(now: float, window_s: float) -> Snapshot:
    """A Snapshot with every section still waiting for its first answer."""
    return Snapshot(
        taken_at=now,
        window_s=window_s,
        health=Health(score=None),
        latency=Latency(),
        errors=ErrorRate(),
        circuit_breakers=CircuitBreakers(),
        runbooks=RunbookStats(),
        incidents=Incidents(),
        alerts=Alerts(),
        sources={},
    )
