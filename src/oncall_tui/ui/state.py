"""View state that does not need Textual: staleness, alert grouping, filtering, bells.

The poller reports what one cycle learned; a section it could not refresh comes back
empty with `ok=False`. The screen must keep showing the last good data instead, marked
stale with its age and the error. `merge` does that, section by section, so widgets
render one Snapshot and read freshness from each `section`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from oncall_tui.durations import format_duration
from oncall_tui.model.severity import NO_SEVERITY, is_paging, severity_rank
from oncall_tui.model.snapshot import Alert, Section, Snapshot
from oncall_tui.text import clean

SECTIONS: tuple[str, ...] = (
    "health",
    "latency",
    "errors",
    "circuit_breakers",
    "runbooks",
    "incidents",
    "alerts",
)
"""The Snapshot fields that carry a `section` header, one per panel."""


def _merge_part(prev: Any, new: Any) -> Any:
    sec: Section = new.section
    if sec.ok:
        return new
    if prev is None or prev.section.fetched_at is None:
        return new  # nothing good to keep: show the empty part with its error
    # Keep the old data and when it was fetched, but say why it is not fresh.
    kept = replace(prev.section, ok=False, error=sec.error)
    return replace(prev, section=kept)


def merge(prev: Snapshot | None, new: Snapshot) -> Snapshot:
    """`new`, except that each section `new` could not refresh keeps `prev`'s data.

    A kept section has `ok=False`, the new error, and the `fetched_at` of its data,
    so its age keeps growing until a poll refreshes it; then it is simply replaced.
    """
    if prev is None:
        return new
    parts = {name: _merge_part(getattr(prev, name), getattr(new, name)) for name in SECTIONS}
    return replace(new, **parts)


def age_text(seconds: float) -> str:
    """A short age: "3s", "2m 5s"; never negative (clock skew shows as 0s)."""
    if not math.isfinite(seconds):
        return "n/a"
    return format_duration(max(0, round(seconds)))


def coarse_age_text(seconds: float) -> str:
    """An age that changes rarely, for text rewritten every second: "<10s", "20s"
    (10 s steps), "5m", "3h 5m", "2d 4h" (so the line is repainted at most every 10 s,
    and once a minute after that)."""
    if not math.isfinite(seconds):
        return "n/a"
    s = max(0.0, seconds)
    if s < 10:
        return "<10s"
    if s < 60:
        return f"{int(s // 10 * 10)}s"
    step = 60.0 if s < 86400 else 3600.0
    return format_duration(s // step * step)


def freshness(section: Section, now: float, limit: int = 80) -> str:
    """The words at a panel's foot: "updated just now", "updated 20s ago", "stale 5m —
    prometheus: ...", "no data — alertmanager: ..." or "waiting for data"."""
    if section.ok:
        if section.fetched_at is None:
            return "waiting for data"
        age = now - section.fetched_at
        return "updated just now" if age < 10 else f"updated {coarse_age_text(age)} ago"
    error = clean(section.error or "no answer", one_line=True)
    head = (
        "no data"
        if section.fetched_at is None
        else f"stale {coarse_age_text(now - section.fetched_at)}"
    )
    out = f"{head} — {section.source}: {error}"
    return out if len(out) <= limit else out[: limit - 1] + "…"


def is_stale(section: Section) -> bool:
    return not section.ok


# -- alerts: filter, grouping ------------------------------------------------------


def _haystack(alert: Alert) -> list[str]:
    pairs = list(alert.labels.items()) + list(alert.annotations.items())
    return [f"{k}={v}".lower() for k, v in pairs]


def alert_matches(alert: Alert, query: str) -> bool:
    """Case-insensitive: every whitespace-separated term of `query` is a substring of
    some `key=value` of the alert's labels or annotations ("sev=crit", "api", "=db")."""
    terms = query.lower().split()
    if not terms:
        return True
    hay = _haystack(alert)
    return all(any(t in h for h in hay) for t in terms)


def filter_alerts(alerts: Iterable[Alert], query: str) -> list[Alert]:
    return [a for a in alerts if alert_matches(a, query)]


@dataclass(frozen=True, slots=True)
class AlertGroup:
    name: str
    alerts: tuple[Alert, ...]
    """Most urgent first (`group_alerts`)."""

    @property
    def severity(self) -> str:
        return self.alerts[0].severity if self.alerts else NO_SEVERITY

    def count(self, state: str) -> int:
        return sum(1 for a in self.alerts if a.display_state == state)


_STATE_ORDER = {"active": 0, "inhibited": 1, "silenced": 2}


def _alert_order(a: Alert) -> tuple[int, int, float]:
    return (severity_rank(a.severity), _STATE_ORDER.get(a.display_state, 3), -a.starts_at)


def group_alerts(alerts: Iterable[Alert]) -> list[AlertGroup]:
    """Grouped by alertname; the most urgent group first, then by name. Within a group,
    the most urgent first, active before inhibited before silenced, then the newest."""
    by_name: dict[str, list[Alert]] = {}
    for a in alerts:
        by_name.setdefault(a.alertname, []).append(a)
    groups = [
        AlertGroup(name, tuple(sorted(items, key=_alert_order))) for name, items in by_name.items()
    ]
    return sorted(groups, key=lambda g: (severity_rank(g.severity), g.name))


def ack_expiring(alert: Alert, now: float, within_s: float = 300.0) -> bool:
    """True when the alert's ack (silence) ends within `within_s`."""
    return alert.acked_until is not None and 0 <= alert.acked_until - now <= within_s


# -- new critical alerts ------------------------------------------------------------


@dataclass
class CriticalWatch:
    """Which firing paging alerts (critical tier: critical, page...) are new since the
    last snapshot.

    The first snapshot only sets the baseline: starting the tool must not ring for
    alerts that were already firing. The memory holds only fingerprints still present,
    so it stays bounded and an alert that resolves and fires again counts as new.
    """

    seen: set[str] = field(default_factory=set)
    primed: bool = False

    def update(self, alerts: Sequence[Alert]) -> list[Alert]:
        firing = [a for a in alerts if is_paging(a.severity) and a.display_state == "active"]
        new = [a for a in firing if a.fingerprint not in self.seen] if self.primed else []
        self.seen = {a.fingerprint for a in firing}
        self.primed = True
        return new


# -- polling schedule ---------------------------------------------------------------


@dataclass
class Backoff:
    """Delay before the next poll: the refresh interval, doubled after each failure
    in a row up to `ceiling_s`, back to normal after a success."""

    base_s: float
    ceiling_s: float = 60.0
    failures: int = 0

    def next_delay(self) -> float:
        if self.failures == 0:
            return self.base_s
        return min(self.ceiling_s, self.base_s * 2.0**self.failures)

    def failed(self) -> float:
        self.failures += 1
        return self.next_delay()

    def succeeded(self) -> float:
        self.failures = 0
        return self.base_s


Clock = Callable[[], float]
