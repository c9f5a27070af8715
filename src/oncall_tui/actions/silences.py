"""Silences as acknowledgements: pure functions, no I/O.

An ack is an Alertmanager silence whose matchers are the alert's labels (exact, equal
matchers), authored by the user, with a comment that starts with "ACK! ". That prefix
is the "ours" marker and a trailing "[until-resolved]" says the silence is to be
extended while its alert fires: both live in the Alertmanager itself, so every copy of
the tool (any user, any machine) sees them without sharing a journal.

Acking a group makes one silence per alert, not one silence with regex matchers:
- exact: a regex silence over a group (`alertname=~"A|B", instance=~"x|y"`) also mutes
  label combinations that were never in the group, and future alerts that happen to
  fit it;
- un-ack and ack-until-resolved stay per alert: one alert of the group resolving lets
  its own silence lapse while the others are still extended, and `u` on one alert
  does not un-ack its neighbours;
- Alertmanager groups are a routing view (by `group_by` labels); the alert is what the
  engineer looked at and what the incident log records.
The cost is N small POSTs for a group of N, which the outbox delivers like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from oncall_tui.durations import format_duration, parse_duration
from oncall_tui.model.silences import ACK_MARK, is_exact, muted_alerts
from oncall_tui.model.silences import matcher_matches as matcher_matches
from oncall_tui.model.silences import silence_matches as silence_matches
from oncall_tui.model.snapshot import Alert, Silence

ACK_PREFIX = "ACK! "
"""Every silence this tool makes has a comment starting with this."""
UNTIL_RESOLVED_MARK = "[until-resolved]"
"""Trailing marker: extend while the alert fires, let it lapse once resolved."""

MatcherKey = frozenset[tuple[str, str, bool, bool]]


class EmptyMatchers(ValueError):
    """The alert has no label with a value: a silence for it would match everything
    (Alertmanager refuses such a silence)."""


def rfc3339(ts: float) -> str:
    """POSIX seconds -> RFC 3339 in UTC with milliseconds, as Alertmanager writes it."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_MARK = re.compile(r"\s*\[until-resolved(?:, every ((?:[0-9]+(?:\.[0-9]+)?[smhdw] ?)+))?\]\s*$")
"""The until-resolved marker, optionally with the step each extension adds: the
duration the user chose, so any copy of the tool extends by it (and a resolved alert's
silence lapses within one step, not one default duration)."""


def ack_comment(text: str, until_resolved: bool = False, step_s: float | None = None) -> str:
    """The comment "ACK! <text>", plus the until-resolved marker when asked (and only
    then: the user's text cannot bring the marker in by accident)."""
    words = _MARK.sub("", text.replace(UNTIL_RESOLVED_MARK, "")).strip()
    comment = ACK_PREFIX + words
    if not until_resolved:
        return comment
    if step_s is None or step_s < 1:
        return f"{comment} {UNTIL_RESOLVED_MARK}"
    step = float(round(step_s))
    shown = format_duration(step)
    if parse_duration(shown) != step:  # "1h" for 3601 s: exact seconds then
        shown = f"{step:.0f}s"
    return f"{comment} [until-resolved, every {shown}]"


def ack_text(comment: str) -> str:
    """The user's words of an ack comment, without prefix and marker."""
    return _MARK.sub("", comment.removeprefix(ACK_PREFIX)).rstrip()


def is_ours(silence: Silence) -> bool:
    """Made by this tool (any copy, any user)."""
    return silence.comment.startswith(ACK_PREFIX)


def is_until_resolved(silence: Silence) -> bool:
    return is_ours(silence) and _MARK.search(silence.comment) is not None


def until_resolved_step(silence: Silence) -> float | None:
    """The extension step the marker names, None for a bare marker (or none)."""
    m = _MARK.search(silence.comment) if is_ours(silence) else None
    if m is None or m.group(1) is None:
        return None
    return parse_duration(m.group(1))


def matchers_for(labels: Mapping[str, str]) -> list[dict[str, object]]:
    """One exact equality matcher per label, sorted by name. Labels with an empty value
    are skipped: `name=""` matches only alerts *without* that label, which an alert with
    labels never is, and Alertmanager treats an empty label as absent anyway."""
    return [
        {"name": name, "value": value, "isRegex": False, "isEqual": True}
        for name, value in sorted(labels.items())
        if value != ""
    ]


def silence_for(
    alert_labels: Mapping[str, str],
    *,
    starts_at: float,
    ends_at: float,
    created_by: str,
    comment: str,
    until_resolved: bool = False,
    step_s: float | None = None,
) -> dict[str, object]:
    """The POST /api/v2/silences body that acknowledges one alert. `comment` is the
    user's text; the "ACK! " prefix (and the until-resolved marker) are added here.
    `step_s`: the duration the user asked for (default: the silence's length, which is
    shorter when it is sent a moment after the ack was written)."""
    matchers = matchers_for(alert_labels)
    if not matchers:
        raise EmptyMatchers("the alert has no label with a value to silence it by")
    return {
        "matchers": matchers,
        "startsAt": rfc3339(starts_at),
        "endsAt": rfc3339(ends_at),
        "createdBy": created_by,
        "comment": ack_comment(
            comment, until_resolved, ends_at - starts_at if step_s is None else step_s
        ),
    }


def covering(alert: Alert, silences: Iterable[Silence]) -> list[Silence]:
    """Active silences whose matchers all match the alert's labels, longest-lasting
    first (the one `u` most likely means)."""
    found = [s for s in silences if s.state == "active" and silence_matches(s, alert.labels)]
    return sorted(found, key=lambda s: (-s.ends_at, s.id))


def matcher_key(matchers: Iterable[Mapping[str, object]]) -> MatcherKey:
    """Order-free identity of a matcher list (Alertmanager may reorder them)."""
    return frozenset(
        (
            str(m.get("name", "")),
            str(m.get("value", "")),
            m.get("isRegex") is True,
            m.get("isEqual", True) is not False,
        )
        for m in matchers
    )


def identical_acks(
    silences: Iterable[Silence], matchers: Iterable[Mapping[str, object]], created_by: str
) -> list[Silence]:
    """Our silences (active or pending) with exactly these matchers by this author:
    an ack that was already delivered — by an earlier try whose answer got lost, or
    by another copy of the tool. Latest-ending first."""
    key = matcher_key(matchers)
    found = [
        s
        for s in silences
        if s.state in ("active", "pending")
        and is_ours(s)
        and s.created_by == created_by
        and matcher_key(s.matchers) == key
    ]
    return sorted(found, key=lambda s: (-s.ends_at, s.id))


def duplicate_groups(silences: Sequence[Silence]) -> list[tuple[Silence, list[Silence]]]:
    """(keeper, duplicates) for each set of our active silences with the same matchers,
    author and until-resolved flag. The keeper is chosen the same way by every copy of
    the tool (latest end, then smallest id), so copies that race converge on one."""
    groups: dict[tuple[MatcherKey, str, bool], list[Silence]] = {}
    for s in silences:
        if s.state == "active" and is_ours(s):
            key = (matcher_key(s.matchers), s.created_by, is_until_resolved(s))
            groups.setdefault(key, []).append(s)
    out = []
    for members in groups.values():
        if len(members) > 1:
            ordered = sorted(members, key=lambda s: (-s.ends_at, s.id))
            out.append((ordered[0], ordered[1:]))
    return out


# -- what `u` may expire --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnackChoice:
    """One silence `u` could expire for an alert, and what expiring it would unmute."""

    silence: Silence
    mutes: tuple[Alert, ...]  # the current alerts it mutes (this one included)
    outside_group: int  # of those, how many are not in the alert's group
    reasons: tuple[str, ...]  # why it is not simply this alert's ack; () = it is

    @property
    def safe(self) -> bool:
        """An ack of this group's alerts only: `u` may expire it without asking."""
        return not self.reasons


def unack_choices(alert: Alert, alerts: Sequence[Alert]) -> list[UnackChoice]:
    """The active silences muting `alert`, longest-lasting first, each with what it
    mutes among `alerts` (all current alerts) and why it needs a confirmation:
    only an "ACK!" silence with exact matchers that mutes nothing outside the alert's
    group (same alertname) is this alert's ack. A colleague's maintenance silence, a
    regex silence, or one muting other alerts too, is not."""
    out: list[UnackChoice] = []
    for s in alert.muted_by:
        if s.state != "active":
            continue
        mutes = tuple(muted_alerts(s, alerts))
        if all(a.fingerprint != alert.fingerprint for a in mutes):
            mutes = (alert, *mutes)
        outside = sum(1 for a in mutes if a.alertname != alert.alertname)
        reasons = []
        if not s.ack:
            reasons.append(f'not an ack: its comment does not start with "{ACK_MARK}"')
        if not is_exact(s):
            reasons.append("its matchers are not exact (regex or negative)")
        if outside:
            reasons.append(f"it also mutes {outside} alert(s) outside {alert.alertname!r}")
        out.append(UnackChoice(s, mutes, outside, tuple(reasons)))
    return out
