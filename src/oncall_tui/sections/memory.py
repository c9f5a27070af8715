"""What the Poller remembers from one poll to the next. Everything else is rebuilt from
the sources each time; these are the few facts a single poll cannot see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from oncall_tui.model.series import Series
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.errors import SourceError


@dataclass
class IncidentHistory:
    """The ALERTS history changes slowly: re-read at most every `refresh_s`, or at the
    next poll once `invalidate()` was called (an alert resolved, `R`)."""

    series: list[Series] = field(default_factory=list)
    fetched_at: float = 0.0  # 0: never
    error: SourceError | None = None
    step: float = 60.0
    _stale: bool = True

    def due(self, now: float, refresh_s: float) -> bool:
        return self._stale or now - self.fetched_at >= refresh_s

    def invalidate(self) -> None:
        self._stale = True

    def store(
        self, series: list[Series] | None, error: SourceError | None, now: float, step: float
    ) -> None:
        """One fetch's result: a failure keeps the older series and says why."""
        self.error = error
        if error is None and series is not None:
            self.series, self.fetched_at, self.step = series, now, step
            self._stale = False


@dataclass
class ResolvedAlerts:
    """Alerts this poller saw firing that have gone since: the incident log gives them
    their exact start and end (a history step could round them away)."""

    _firing: dict[str, Alert] = field(default_factory=dict)  # fingerprint -> last seen
    _resolved: dict[str, Alert] = field(default_factory=dict)  # ends_at = last seen firing

    def note(self, firing_now: Iterable[Alert], now: float, horizon: float) -> bool:
        """Take this poll's firing alerts; forget resolved ones older than `horizon`.
        True when one has resolved since the last call."""
        firing = {a.fingerprint: replace(a, ends_at=now) for a in firing_now}
        gone = self._firing.keys() - firing.keys()
        for fp in gone:
            self._resolved[fp] = self._firing[fp]
        self._resolved = {
            fp: a
            for fp, a in self._resolved.items()
            if fp not in firing and (a.ends_at or now) >= horizon
        }
        self._firing = firing
        return bool(gone)

    def recent(self) -> tuple[Alert, ...]:
        return tuple(self._resolved.values())


@dataclass
class LastOk:
    """When each source last answered, for "stale since" (a poll only knows now)."""

    _at: dict[str, float] = field(default_factory=dict)

    def note(self, source: str, ok: bool, now: float) -> float | None:
        """Record this poll's verdict; the last time `source` answered (None: never)."""
        if ok:
            self._at[source] = now
        return self._at.get(source)


@dataclass
class PollMemory:
    """All of the Poller's memory; a section that needs one more fact adds it here."""

    history: IncidentHistory = field(default_factory=IncidentHistory)
    resolved: ResolvedAlerts = field(default_factory=ResolvedAlerts)
    last_ok: LastOk = field(default_factory=LastOk)
