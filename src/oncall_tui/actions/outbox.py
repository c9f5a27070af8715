"""Delivering journal outbox items to the Alertmanager, exactly once, with backoff.

Each item was written to the journal before anything is sent. Delivery:
- `ack`: look for the silence first (our marker, same matchers, same author) — it is
  there when an earlier try timed out *after* the Alertmanager stored it, or another
  copy of the tool delivered the same ack — and reuse it (extending it in place if it
  ends earlier than asked); only then create one. So a retry never makes a second one.
- `unack`: expire the silence; "already expired" counts as done.
- `extend` (ack-until-resolved): re-read the silence and, unless another copy already
  extended it, update it in place (same id, matchers, startsAt; new endsAt).
No Alertmanager answering -> the item stays pending, retried after 1 s, 2 s, 4 s, ...
(at most 60 s). A 4xx -> rejected with the Alertmanager's words, never retried.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from oncall_tui.actions.silences import (
    identical_acks,
    matchers_for,
    rfc3339,
    silence_for,
    silence_matches,
)
from oncall_tui.journal import Journal, OutboxItem, in_worker
from oncall_tui.model.alerts import parse_silences
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.errors import Rejected, SourceError

DeliveryStatus = Literal["delivered", "pending", "rejected", "cancelled"]

BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 60.0


def backoff_s(failed_attempts: int) -> float:
    """Wait before the next try after `failed_attempts` failed ones: 1, 2, 4 ... 60 s."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2.0 ** max(0, failed_attempts))


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one outbox item (one alert's ack, un-ack or extension)."""

    fingerprint: str
    status: DeliveryStatus
    message: str  # in words, for the screen
    silence_id: str | None = None
    item_id: int | None = None
    peer: str | None = None  # the Alertmanager that answered


@dataclass(frozen=True, slots=True)
class AckResult:
    deliveries: tuple[Delivery, ...]
    skipped_peers: dict[str, str] = field(default_factory=dict)
    """Peers that failed (and were skipped) -> their error in words."""

    @property
    def status(self) -> DeliveryStatus:
        """The worst outcome: rejected > pending > cancelled > delivered."""
        for status in ("rejected", "pending", "cancelled"):
            if any(d.status == status for d in self.deliveries):
                return status
        return "delivered"

    @property
    def ok(self) -> bool:
        return self.status == "delivered"

    @property
    def silence_ids(self) -> tuple[str, ...]:
        return tuple(d.silence_id for d in self.deliveries if d.silence_id)

    @property
    def message(self) -> str:
        """In words, one line: each outcome for one or two alerts; for a bigger group
        the counts and the worst outcome's words. Then the peers that were skipped."""
        if len(self.deliveries) <= 2:
            parts = list(dict.fromkeys(d.message for d in self.deliveries))
        else:
            counts = Counter(d.status for d in self.deliveries)
            worst = next(d for d in self.deliveries if d.status == self.status)
            summary = ", ".join(f"{n} {status}" for status, n in counts.items())
            parts = [f"{summary} — {worst.message}"]
        parts.extend(f"skipped {err}" for err in self.skipped_peers.values())
        return "; ".join(parts)


def _where(am: AlertmanagerClient) -> str:
    return f" via {am.last_peer}" if am.last_peer else ""


class Deliverer:
    """Sends claimed outbox items; records the outcome in the journal."""

    def __init__(
        self,
        am: AlertmanagerClient,
        journal: Journal,
        clock: Callable[[], float],
        *,
        extend_margin_s: Callable[[], float],
    ) -> None:
        self.am = am
        self.journal = journal
        self.clock = clock
        self.extend_margin_s = extend_margin_s

    def skipped_peers(self) -> dict[str, str]:
        return {peer: err for peer, err in self.am.peer_errors.items() if err}

    async def deliver(self, item: OutboxItem, firing: Sequence[Alert] | None = None) -> Delivery:
        """Deliver one claimed item. `firing`: the Alertmanager's current alerts when
        known (an extension is dropped once its alert resolved)."""
        fp = item.fingerprints[0] if item.fingerprints else ""
        try:
            if item.op == "ack":
                return await self._ack(item, fp)
            if item.op == "unack":
                return await self._unack(item, fp)
            return await self._extend(item, fp, firing)
        except Rejected as e:
            words = f"rejected by the Alertmanager ({e.status}): {e}"
            await in_worker(self.journal.outbox.mark_rejected, item.id, words)
            return Delivery(fp, "rejected", words, item_id=item.id, peer=e.url)
        except SourceError as e:
            return await self.failed(item, str(e))
        except (KeyError, TypeError, ValueError) as e:
            # A payload this version cannot read (e.g. written by another version):
            # retrying would fail the same way, forever.
            words = f"unreadable outbox item {item.id} ({type(e).__name__}: {e}); dropped"
            await in_worker(self.journal.outbox.mark_rejected, item.id, words)
            return Delivery(fp, "rejected", words, item_id=item.id)

    async def failed(self, item: OutboxItem, error: str) -> Delivery:
        """A try that did not get through: pending, next try after the backoff."""
        wait = backoff_s(item.attempts)
        await in_worker(self.journal.outbox.retry_later, item.id, error, self.clock() + wait)
        fp = item.fingerprints[0] if item.fingerprints else ""
        words = f"{item.op} pending, retrying in {wait:.0f}s: {error}"
        return Delivery(fp, "pending", words, item_id=item.id)

    async def _cancel(self, item: OutboxItem, fp: str, reason: str) -> Delivery:
        await in_worker(self.journal.outbox.cancel, item.id, reason)
        return Delivery(fp, "cancelled", reason, item_id=item.id)

    async def _sent(self, item: OutboxItem, fp: str, silence_id: str, words: str) -> Delivery:
        await in_worker(self.journal.outbox.mark_delivered, item.id, silence_id, now=self.clock())
        return Delivery(fp, "delivered", words, silence_id, item.id, self.am.last_peer)

    async def _raw_silences(self) -> list[dict[str, Any]]:
        return await self.am.silences()

    async def _ack(self, item: OutboxItem, fp: str) -> Delivery:
        p = item.payload
        labels: dict[str, str] = p["labels"]
        now = self.clock()
        ends_at = float(p["ends_at"])
        duration = float(p["duration_s"])
        until_resolved = bool(p["until_resolved"])
        if duration > 0 and ends_at <= now:
            if not until_resolved:
                return await self._cancel(
                    item, fp, "not acked: its time ran out before any Alertmanager answered"
                )
            ends_at = now + duration  # still wanted for as long as it fires
        body = silence_for(
            labels,
            starts_at=now,
            ends_at=ends_at,
            created_by=p["created_by"],
            comment=p["text"],
            until_resolved=until_resolved,
            step_s=duration if duration > 0 else None,
        )
        raw = await self._raw_silences()
        found = identical_acks(parse_silences(raw), matchers_for(labels), p["created_by"])
        if found:
            existing = found[0]
            wanted_comment = str(body["comment"])
            ends_at = max(existing.ends_at, ends_at)  # never shorten someone's ack
            if existing.ends_at + 1.0 < ends_at or existing.comment != wanted_comment:
                entry = next(e for e in raw if e.get("id") == existing.id)
                silence_id = await self.am.create_silence(_update(entry, ends_at, wanted_comment))
            else:
                silence_id = existing.id
            words = f"acknowledged{_where(self.am)} (silence {silence_id} already existed)"
        else:
            silence_id = await self.am.create_silence(body)
            words = f"acknowledged{_where(self.am)}: silence {silence_id}"
        await in_worker(
            self.journal.acks.record,
            fingerprint=fp,
            silence_id=silence_id,
            by=p["created_by"],
            acked_at=float(p["acked_at"]),
            until=ends_at,
            until_resolved=until_resolved,
            labels=labels,
        )
        return await self._sent(item, fp, silence_id, words)

    async def _unack(self, item: OutboxItem, fp: str) -> Delivery:
        silence_id = str(item.payload["silence_id"])
        try:
            await self.am.expire_silence(silence_id)
        except Rejected as e:
            # A retry after a lost answer, or someone else was quicker: done either way.
            if "already expired" not in str(e):
                raise
        await in_worker(self.journal.acks.deactivate, silence_id)
        return await self._sent(
            item, fp, silence_id, f"un-acknowledged{_where(self.am)}: {silence_id}"
        )

    async def _extend(self, item: OutboxItem, fp: str, firing: Sequence[Alert] | None) -> Delivery:
        silence_id = str(item.payload["silence_id"])
        extend_by = float(item.payload["extend_by_s"])
        entry = next((e for e in await self._raw_silences() if e.get("id") == silence_id), None)
        parsed = parse_silences([entry])
        if entry is None or not parsed or parsed[0].state != "active":
            return await self._cancel(item, fp, f"silence {silence_id} is no longer active")
        silence = parsed[0]
        now = self.clock()
        if firing is not None and not any(silence_matches(silence, a.labels) for a in firing):
            return await self._cancel(item, fp, f"alert resolved: silence {silence_id} may lapse")
        margin = float(item.payload.get("margin_s", self.extend_margin_s()))
        if silence.ends_at > now + margin:
            # Another copy of the tool extended it already.
            return await self._sent(item, fp, silence_id, f"silence {silence_id} already extended")
        new_end = now + extend_by
        new_id = await self.am.create_silence(_update(entry, new_end, silence.comment))
        await in_worker(self.journal.acks.update_until, silence_id, new_end, new_silence_id=new_id)
        return await self._sent(
            item, fp, new_id, f"extended silence {new_id} until {rfc3339(new_end)} (still firing)"
        )


def _update(entry: Mapping[str, Any], ends_at: float, comment: str) -> dict[str, object]:
    """An in-place update of the silence `entry` as the Alertmanager listed it: same id,
    matchers, startsAt (verbatim, so it compares equal) and author; new end/comment."""
    return {
        "id": entry["id"],
        "matchers": entry["matchers"],
        "startsAt": entry["startsAt"],
        "endsAt": rfc3339(ends_at),
        "createdBy": entry.get("createdBy", ""),
        "comment": comment,
    }
