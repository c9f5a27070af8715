"""What a silence is to an on-call team: an ack, or someone's maintenance window.

An *ack* is a silence whose comment starts with "ACK!" — the convention this tool,
karma's ack button and kthxbye share. Any other silence (a colleague's maintenance
silence made with amtool or the Alertmanager UI) makes its alerts *silenced*, not
acked: it says nothing about anyone looking at them, so it never shows as "acked by"
and never counts towards TTA / MTTA.

Matchers follow Alertmanager's semantics (`matcher_matches`), so "which current alerts
does this silence mute" can be answered for pending silences too, where Alertmanager's
own `silencedBy` does not list them yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from oncall_tui.model.snapshot import Alert, Silence

ACK_MARK = "ACK!"
"""A silence whose comment starts with this is an acknowledgement."""


def is_ack_comment(comment: str) -> bool:
    return comment.lstrip().startswith(ACK_MARK)


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def matcher_matches(matcher: Mapping[str, object], labels: Mapping[str, str]) -> bool:
    """Alertmanager's matcher semantics: a missing label has the value ""; regexes are
    anchored at both ends; `isEqual` false negates (absent in old versions = true).
    A regex Python cannot compile (RE2-only syntax) is taken as not matching: we then
    fail to see a silence rather than claim one that may not apply."""
    name = matcher.get("name")
    value = matcher.get("value")
    if not isinstance(name, str) or not isinstance(value, str):
        return False
    actual = labels.get(name, "")
    if matcher.get("isRegex") is True:
        pattern = _regex(value)
        if pattern is None:
            return False
        hit = pattern.fullmatch(actual) is not None
    else:
        hit = actual == value
    return hit if matcher.get("isEqual", True) is not False else not hit


def silence_matches(silence: Silence, labels: Mapping[str, str]) -> bool:
    return bool(silence.matchers) and all(matcher_matches(m, labels) for m in silence.matchers)


def is_exact(silence: Silence) -> bool:
    """Only `name="value"` matchers: no regex, no negation."""
    return all(
        m.get("isRegex") is not True and m.get("isEqual", True) is not False
        for m in silence.matchers
    )


def matcher_text(matcher: Mapping[str, object]) -> str:
    """One matcher as amtool writes it: `alertname=~"ManyGroups1[0-9]"`."""
    regex = matcher.get("isRegex") is True
    equal = matcher.get("isEqual", True) is not False
    op = ("=~" if regex else "=") if equal else ("!~" if regex else "!=")
    value = str(matcher.get("value", "")).replace("\\", "\\\\").replace('"', '\\"')
    return f'{matcher.get("name", "")}{op}"{value}"'


def matchers_text(silence: Silence) -> str:
    """All matchers, as `{a="1", b=~"x|y"}`."""
    return "{" + ", ".join(matcher_text(m) for m in silence.matchers) + "}"


def muted_alerts(silence: Silence, alerts: Iterable[Alert]) -> list[Alert]:
    """The current alerts this silence mutes: those Alertmanager says it silences,
    plus those its matchers match (a pending silence will mute them once it starts;
    a regex Python reads differently from Go's RE2 errs towards "mutes")."""
    return [a for a in alerts if silence.id in a.silenced_by or silence_matches(silence, a.labels)]


def muting(alert: Alert, silences: Sequence[Silence]) -> tuple[Silence, ...]:
    """The known silences Alertmanager says mute `alert`, longest-lasting first."""
    ids = set(alert.silenced_by)
    found = [s for s in silences if s.id in ids]
    return tuple(sorted(found, key=lambda s: (-s.ends_at, s.id)))


def active_or_pending(silences: Iterable[Silence]) -> list[Silence]:
    """What a silences view lists: active first (ending soonest first), then pending
    (starting soonest first). Expired silences are history."""
    active = sorted((s for s in silences if s.state == "active"), key=lambda s: (s.ends_at, s.id))
    pending = sorted(
        (s for s in silences if s.state == "pending"), key=lambda s: (s.starts_at, s.id)
    )
    return active + pending
