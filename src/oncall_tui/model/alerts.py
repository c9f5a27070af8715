"""Alertmanager v2 answers (GET /api/v2/alerts, /api/v2/silences) -> Alert / Silence.

Outside data is untrusted: an entry with missing or mistyped fields or an unreadable
time is skipped (and counted, see `parse_alerts_counted`), never fatal. Strings are
kept verbatim; escaping for the screen happens in the renderers.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.interned import interned_dict
from oncall_tui.model.severity import severity_rank
from oncall_tui.model.silences import is_ack_comment
from oncall_tui.model.snapshot import Alert, Silence

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
ZERO_TIME = "0001-01-01T00:00:00Z"
"""Go's zero time.Time, which Alertmanager prints for an unset time."""
_ZERO_TIME_S = -62135596800.0


def parse_time(rfc3339: str) -> float:
    """RFC 3339 (Z or +hh:mm offset, up to 9 fractional digits) -> POSIX seconds.

    Raises ValueError for anything else. Go's zero time parses to its real value
    (year 1); `parse_optional_time` turns it into None.
    """
    m = _RFC3339.fullmatch(rfc3339.strip())
    if m is None:
        raise ValueError(f"not an RFC 3339 time: {rfc3339!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59):
        raise ValueError(f"not an RFC 3339 time: {rfc3339!r}")
    if second > 60 or day > calendar.monthrange(year, month)[1]:
        raise ValueError(f"not an RFC 3339 time: {rfc3339!r}")
    whole = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if m.group(9):
        offset = int(m.group(10)) * 3600 + int(m.group(11)) * 60
        whole -= offset if m.group(9) == "+" else -offset
    fraction = m.group(7)
    return whole + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


def parse_optional_time(value: object) -> float | None:
    """Like parse_time, but absent, empty or Go's zero time -> None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a time: {value!r}")
    t = parse_time(value)
    return None if t <= _ZERO_TIME_S else t


def _str_dict(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("expected an object of strings")
    # Interned: most label values and every name repeat across a storm's alerts.
    return interned_dict(value)


def _str_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def _text(value: object, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _status_state(entry: Mapping[str, Any]) -> str:
    status = entry.get("status")
    if not isinstance(status, Mapping):
        raise ValueError("missing status")
    return _text(status.get("state"), "unknown")


def _parse_silence(entry: Mapping[str, Any]) -> Silence:
    matchers = entry.get("matchers")
    if not isinstance(matchers, list) or not all(isinstance(m, Mapping) for m in matchers):
        raise ValueError("matchers must be a list of objects")
    silence_id = _text(entry.get("id"))
    if not silence_id:
        raise ValueError("missing id")
    comment = _text(entry.get("comment"))
    return Silence(
        id=silence_id,
        matchers=tuple(dict(m) for m in matchers),
        starts_at=parse_time(_text(entry.get("startsAt"))),
        ends_at=parse_time(_text(entry.get("endsAt"))),
        created_by=_text(entry.get("createdBy")),
        comment=comment,
        state=_status_state(entry),
        ack=is_ack_comment(comment),
    )


def parse_silences_counted(raw: object) -> tuple[tuple[Silence, ...], int]:
    """(silences, number of malformed entries skipped)."""
    if not isinstance(raw, list):
        return (), 0
    out: list[Silence] = []
    skipped = 0
    for entry in raw:
        try:
            if not isinstance(entry, Mapping):
                raise ValueError("not an object")
            out.append(_parse_silence(entry))
        except (ValueError, TypeError):
            skipped += 1
    return tuple(out), skipped


def parse_silences(raw: object) -> tuple[Silence, ...]:
    """Silences in the order Alertmanager gave them; matchers kept verbatim."""
    return parse_silences_counted(raw)[0]


def _muted_by(ids: Sequence[str], by_id: Mapping[str, Silence]) -> tuple[Silence, ...]:
    """The known silences muting an alert, longest-lasting first."""
    if not ids:
        return ()
    found = {by_id[i].id: by_id[i] for i in ids if i in by_id}
    return tuple(sorted(found.values(), key=lambda s: (-s.ends_at, s.id)))


def _covering_ack(muted_by: Sequence[Silence]) -> Silence | None:
    """Of the acks ("ACK!" silences) muting an alert, the active one that lasts
    longest: its author is who acknowledged, its end is when the ack lapses. Other
    silences mute the alert without anyone having acknowledged it."""
    return next((s for s in muted_by if s.ack and s.state == "active"), None)


def _receiver_names(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("receivers must be a list")
    names = []
    for r in value:
        # v2 gives [{"name": ...}]; accept bare strings from look-alike servers.
        name = r.get("name") if isinstance(r, Mapping) else r
        names.append(_text(name))
    return tuple(names)


def _parse_alert(
    entry: Mapping[str, Any], by_id: Mapping[str, Silence], pending: Collection[str]
) -> Alert:
    labels = _str_dict(entry.get("labels"))
    annotations = _str_dict(entry.get("annotations") or {})
    status = entry.get("status")
    if not isinstance(status, Mapping):
        raise ValueError("missing status")
    fp = _text(entry.get("fingerprint")) or fingerprint(labels)
    silenced_by = _str_tuple(status.get("silencedBy"))
    muted_by = _muted_by(silenced_by, by_id)
    covering = _covering_ack(muted_by)
    return Alert(
        fingerprint=fp,
        labels=labels,
        annotations=annotations,
        state=_text(status.get("state"), "unknown"),
        starts_at=parse_time(_text(entry.get("startsAt"))),
        ends_at=parse_optional_time(entry.get("endsAt")),
        generator_url=_text(entry.get("generatorURL")),
        silenced_by=silenced_by,
        inhibited_by=_str_tuple(status.get("inhibitedBy")),
        receivers=_receiver_names(entry.get("receivers")),
        acked_by=covering.created_by if covering else None,
        acked_until=covering.ends_at if covering else None,
        ack_pending=fp in pending,
        muted_by=muted_by,
    )


def alert_sort_key(alert: Alert) -> tuple[int, float, str]:
    """Most severe first, then newest first, then by name."""
    return (severity_rank(alert.severity), -alert.starts_at, alert.alertname)


def parse_alerts_counted(
    raw: object, silences: Sequence[Silence], pending_acks: Collection[str] = ()
) -> tuple[tuple[Alert, ...], int]:
    """(alerts sorted for display, number of malformed entries skipped)."""
    if not isinstance(raw, list):
        return (), 0
    by_id = {s.id: s for s in silences}
    pending = _as_set(pending_acks)
    out: list[Alert] = []
    skipped = 0
    for entry in raw:
        try:
            if not isinstance(entry, Mapping):
                raise ValueError("not an object")
            out.append(_parse_alert(entry, by_id, pending))
        except (ValueError, TypeError):
            skipped += 1
    out.sort(key=alert_sort_key)
    return tuple(out), skipped


def _as_set(pending_acks: Collection[str]) -> Collection[str]:
    return pending_acks if isinstance(pending_acks, set | frozenset) else set(pending_acks)


def _parse_entry(
    entry: bytes | memoryview, by_id: Mapping[str, Silence], pending: Collection[str]
) -> Alert | None:
    """One alert's JSON text -> Alert; None when it is malformed."""
    try:
        decoded = orjson.loads(entry)
        if not isinstance(decoded, dict):
            raise ValueError("not an object")
        return _parse_alert(decoded, by_id, pending)
    except (ValueError, TypeError):  # orjson.JSONDecodeError is a ValueError
        return None


def _with_acks(alert: Alert, by_id: Mapping[str, Silence], pending: Collection[str]) -> Alert:
    """`alert` (of an unchanged entry) with this poll's silences and pending acks: the
    same object when they say what they said at the last poll."""
    muted_by = _muted_by(alert.silenced_by, by_id)
    ack_pending = alert.fingerprint in pending
    if muted_by == alert.muted_by and ack_pending == alert.ack_pending:
        return alert
    covering = _covering_ack(muted_by)
    return replace(
        alert,
        acked_by=covering.created_by if covering else None,
        acked_until=covering.ends_at if covering else None,
        ack_pending=ack_pending,
        muted_by=muted_by,
    )


class AlertReuse:
    """Alertmanager's alerts, poll after poll, re-using the last poll's `Alert` for
    every entry whose JSON text is byte for byte the same (in a storm: nearly all).

    An entry is known by the SHA-256 of its text, not by the text: keeping 20,000
    entries' text between polls was ~15 MB. Two different texts with one digest would
    be a SHA-256 collision, which nobody can find, by chance or by shaping an alert's
    labels (2^128 work); so a changed entry is never taken for an unchanged one. With
    SHA-NI it costs ~1 ms per MB, about what hashing and comparing the text did.

    Anything an entry says (labels, annotations, times, state, silencedBy, receivers)
    is in its text, so an equal text is an equal alert; what comes from elsewhere, the
    silences (ack info) and the pending acks, is checked again each poll. Unchanged
    alerts stay the same objects, so the screen's caches, which compare identity, skip
    them; and 20,000 alerts are not decoded and rebuilt every 2 s (~0.7 s of CPU and
    ~50 MB of short-lived dicts each time)."""

    def __init__(self) -> None:
        self._by_entry: dict[bytes, Alert | None] = {}
        """The last poll's entries' digests -> their Alert (None: malformed, skipped)."""
        self._unsorted: list[Alert] = []
        self._sorted: tuple[Alert, ...] = ()

    def parse_counted(
        self,
        entries: Sequence[bytes | memoryview],
        silences: Sequence[Silence],
        pending_acks: Collection[str] = (),
    ) -> tuple[tuple[Alert, ...], int]:
        """As `parse_alerts_counted`, from each alert's JSON text
        (`AlertmanagerClient.alert_entries`)."""
        by_id = {s.id: s for s in silences}
        pending = _as_set(pending_acks)
        last = self._by_entry
        seen: dict[bytes, Alert | None] = {}
        out: list[Alert] = []
        skipped = 0
        sha256 = hashlib.sha256
        for entry in entries:
            key = sha256(entry).digest()
            if key in last:
                before = last[key]
                alert = None if before is None else _with_acks(before, by_id, pending)
            else:
                alert = _parse_entry(entry, by_id, pending)
            seen[key] = alert
            if alert is None:
                skipped += 1
            else:
                out.append(alert)
        self._by_entry = seen  # gone entries are forgotten
        if len(out) != len(self._unsorted) or any(
            a is not b for a, b in zip(out, self._unsorted, strict=True)
        ):
            self._unsorted, self._sorted = out, tuple(sorted(out, key=alert_sort_key))
        return self._sorted, skipped


def parse_alerts(
    raw: object, silences: Sequence[Silence], pending_acks: Collection[str] = ()
) -> tuple[Alert, ...]:
    """Alertmanager's alerts, most severe first; ack info from the silences."""
    return parse_alerts_counted(raw, silences, pending_acks)[0]
