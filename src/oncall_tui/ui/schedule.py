"""When to poll: one poll at a time, the next one after it, backoff, pause (no Textual).

`PollSchedule` holds the decisions; ui/polling.py turns them into Textual timers and
workers. Every poll gets a generation number: starting a poll (R, a window key)
supersedes the running one, whose late answer `is_current` then refuses.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from oncall_tui.ui.state import Backoff


@dataclass(frozen=True, slots=True)
class PollState:
    """What the status line says about polling."""

    window_s: float
    refresh_s: float
    paused: bool = False
    polling: bool = False
    error: str | None = None  # the poll itself failed (not a source)
    retry_in_s: float | None = None
    polling_for_s: float | None = None  # how long the running poll has taken so far


class PollSchedule:
    """The poll loop's state. `clock` is wall time (the next poll's due time is shown);
    `monotonic` measures how long a poll has run."""

    def __init__(
        self,
        refresh_s: float,
        window_s: float,
        clock: Callable[[], float],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh_s = refresh_s
        self.window_s = window_s
        self.clock = clock
        self.monotonic = monotonic
        self.backoff = Backoff(refresh_s)
        self.generation = 0
        self.polling = False
        self.paused = False
        self.error: str | None = None
        self.next_poll_at: float | None = None  # wall clock, while a timer is armed
        self.started_at: float | None = None  # monotonic, of the running poll
        self.alerts_at: float | None = None  # monotonic, of the last alerts-only refresh
        self.alerts_busy = False

    def start(self) -> int:
        """A poll starts now; its generation."""
        self.generation += 1
        self.polling = True
        self.started_at = self.monotonic()
        self.next_poll_at = None
        return self.generation

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    def finished(self, all_sources_down: bool) -> float | None:
        """The poll answered; the delay until the next one (None while paused).
        Nothing answering backs off: retrying at full speed only adds load to a sick
        system."""
        self.polling = False
        self.error = None
        delay = self.backoff.failed() if all_sources_down else self.backoff.succeeded()
        return self._due(delay)

    def failed(self, error: str) -> float | None:
        """The poll itself raised; the (backed-off) delay until the next one."""
        self.polling = False
        self.error = error
        return self._due(self.backoff.failed())

    def _due(self, delay: float) -> float | None:
        return None if self.paused else delay

    def armed(self, delay: float) -> None:
        """The timer for the next poll runs: it is due in `delay` seconds."""
        self.next_poll_at = self.clock() + delay

    def disarmed(self) -> None:
        self.next_poll_at = None

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        if self.paused:
            self.next_poll_at = None
        return self.paused

    def reset_backoff(self) -> None:
        self.backoff.succeeded()

    def alerts_refresh_due(self) -> bool:
        """While a poll waits on one slow source longer than a refresh, the alert list
        is refreshed on its own (it must not freeze behind a hanging Prometheus)."""
        started = self.started_at
        return (
            self.polling
            and not self.paused
            and not self.alerts_busy
            and started is not None
            and self.monotonic() - started >= self.refresh_s
        )

    def alerts_refreshed(self) -> None:
        self.alerts_at = self.monotonic()

    def alerts_newer_than_poll(self) -> bool:
        """The alert list was refreshed while the running poll waited: the poll's own,
        older answer must not bring back what has changed since."""
        return (
            self.alerts_at is not None
            and self.started_at is not None
            and self.alerts_at > self.started_at
        )

    def state(self) -> PollState:
        retry = None
        if self.error and self.next_poll_at is not None:
            retry = max(0.0, self.next_poll_at - self.clock())
        waited = None
        if self.polling and self.started_at is not None:
            waited = self.monotonic() - self.started_at
        return PollState(
            window_s=self.window_s,
            refresh_s=self.refresh_s,
            paused=self.paused,
            polling=self.polling,
            error=self.error,
            retry_in_s=retry,
            polling_for_s=waited,
        )
