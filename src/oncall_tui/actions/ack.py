"""Acknowledge / un-acknowledge alerts, journal first, and keep until-resolved acks alive.

The app calls `ack` / `unack` from its key bindings and `tick` once per poll with the
alerts and silences it just fetched. Every ack and un-ack is written to the journal's
outbox before it is sent (see `outbox.py` for delivery and exactly-once), so an
Alertmanager outage shows "ack pending" instead of losing the ack, and a restart
resumes it.

Ack-until-resolved: the silence carries a marker in its comment. Whichever copy of the
tool is running extends it in place shortly before it ends while its alert still
fires, and once the alert is resolved nobody extends it and it lapses by itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from oncall_tui.actions.outbox import AckResult, Deliverer, Delivery, DeliveryStatus
from oncall_tui.actions.silences import (
    covering,
    duplicate_groups,
    is_until_resolved,
    matchers_for,
    silence_matches,
    until_resolved_step,
)
from oncall_tui.config_types import AckConfig
from oncall_tui.journal import Journal, OutboxItem, in_worker
from oncall_tui.model.snapshot import Alert, Silence
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.errors import SourceError, Unreachable

__all__ = ["AckResult", "AckService", "Delivery", "ReadOnlyError"]


class ReadOnlyError(RuntimeError):
    """An action that changes something was asked for in read-only mode."""


def _firing(alerts: Sequence[Alert], now: float) -> list[Alert]:
    """Alertmanager lists only unresolved alerts; an end in the past is a resolve it
    has not yet dropped."""
    return [a for a in alerts if a.ends_at is None or a.ends_at > now]


class AckService:
    """Acks as Alertmanager silences; see the module docstring.

    `margin_s`: an until-resolved silence ending within this is extended (default: two
    refresh periods, or a quarter of `extend_by_s` up to 5 min, whichever is longer).
    `extend_by_s`: each extension ends this long after now (default: the ack duration).
    `lease_s`: how long a copy owns an outbox item it is delivering.
    """

    def __init__(
        self,
        am: AlertmanagerClient,
        journal: Journal,
        user: str,
        cfg: AckConfig,
        clock: Callable[[], float] = time.time,
        *,
        read_only: bool = False,
        refresh_s: float = 5.0,
        margin_s: float | None = None,
        extend_by_s: float | None = None,
        lease_s: float = 60.0,
    ) -> None:
        self.am = am
        self.journal = journal
        self.user = user
        self.cfg = cfg
        self.clock = clock
        self.read_only = read_only
        self.extend_by_s = extend_by_s if extend_by_s is not None else cfg.default_duration_s
        self.refresh_s = refresh_s
        self.fixed_margin_s = margin_s
        self.margin_s = self.margin_for(self.extend_by_s)
        self.lease_s = lease_s
        self.deliverer = Deliverer(am, journal, clock, extend_margin_s=lambda: self.margin_s)

    def margin_for(self, step_s: float) -> float:
        """How long before its end a silence extended by `step_s` is extended: room for
        a couple of missed polls, but well inside one step, or every poll would extend
        it again."""
        if self.fixed_margin_s is not None:
            return self.fixed_margin_s
        wanted = max(2.0 * self.refresh_s, min(300.0, step_s / 4.0))
        return min(wanted, step_s / 2.0)

    def _refuse_if_read_only(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(f"read-only mode: {what} is disabled")

    # -- what the UI asks ---------------------------------------------------------------

    def silences_for(self, alert: Alert, silences: Sequence[Silence]) -> list[Silence]:
        """The active silences covering `alert` (ours or anyone's), longest first: what
        `u` can expire; more than one -> the UI asks which."""
        return covering(alert, silences)

    def pending_fingerprints(self) -> set[str]:
        """Alerts with an ack not yet delivered ("ack pending")."""
        return self.journal.outbox.pending_fingerprints()

    def pending_details(self) -> dict[str, str]:
        """fingerprint -> what is waiting and why, in words, for every undelivered ack
        or un-ack (e.g. "ack pending (2 tries): no Alertmanager answered: ...")."""
        out: dict[str, str] = {}
        for item in self.journal.outbox.pending():
            if item.op == "extend":
                continue
            why = item.last_error or "sending"
            tries = f" ({item.attempts} tries)" if item.attempts else ""
            for fp in item.fingerprints:
                out[fp] = f"{item.op} pending{tries}: {why}"
        return out

    # -- actions ----------------------------------------------------------------------

    async def ack(
        self,
        alerts: Sequence[Alert],
        duration_s: float | None = None,
        comment: str | None = None,
        until_resolved: bool | None = None,
    ) -> AckResult:
        """Acknowledge each alert with its own silence (see `silences.py` for why not
        one regex silence per group). Journal first, then one delivery try at once."""
        self._refuse_if_read_only("acknowledging")
        now = self.clock()
        duration = self.cfg.default_duration_s if duration_s is None else duration_s
        text = self.cfg.default_comment if comment is None else comment
        forever = self.cfg.until_resolved if until_resolved is None else until_resolved
        ids: list[int] = []
        refused: list[Delivery] = []
        for alert in alerts:
            if not matchers_for(alert.labels):
                refused.append(
                    Delivery(alert.fingerprint, "rejected", "the alert has no label to match")
                )
                continue
            payload = {
                "labels": alert.labels,
                "created_by": self.user,
                "text": text,
                "until_resolved": forever,
                "acked_at": now,
                "duration_s": duration,
                "ends_at": now + duration,
            }
            key = f"ack:{alert.fingerprint}:{self.user}"
            ids.append(
                await in_worker(
                    self.journal.outbox.enqueue, "ack", payload, [alert.fingerprint], key, now=now
                )
            )
        return await self._deliver_now(ids, refused)

    async def unack(self, alert: Alert, silence_id: str | None) -> AckResult:
        """Expire `silence_id` (ours or anyone's). None: drop this alert's acks that are
        still waiting in the outbox (nothing was sent, so nothing to expire)."""
        self._refuse_if_read_only("un-acknowledging")
        if silence_id is None:
            dropped = [
                item
                for item in self.journal.outbox.pending()
                if item.op == "ack" and alert.fingerprint in item.fingerprints
            ]
            done = [
                Delivery(alert.fingerprint, "cancelled", "pending ack withdrawn", item_id=i.id)
                for i in dropped
                if await in_worker(
                    self.journal.outbox.cancel, i.id, "withdrawn by un-ack before delivery"
                )
            ]
            if not done:
                done = [Delivery(alert.fingerprint, "rejected", "no ack to withdraw")]
            return AckResult(tuple(done))
        return await self.expire(silence_id, [alert.fingerprint])

    async def expire(self, silence_id: str, fingerprints: Sequence[str] = ()) -> AckResult:
        """Expire any silence (the silences view): journal first, then one try at once.
        `fingerprints`: the alerts it mutes, so they show the un-ack as pending."""
        self._refuse_if_read_only("expiring silences")
        payload = {"silence_id": silence_id}
        item_id = await in_worker(
            self.journal.outbox.enqueue,
            "unack",
            payload,
            list(fingerprints),
            f"unack:{silence_id}",
            now=self.clock(),
        )
        return await self._deliver_now([item_id], [])

    async def _deliver_now(self, item_ids: Sequence[int], done: list[Delivery]) -> AckResult:
        out = list(done)
        items: list[OutboxItem] = []
        for item_id in item_ids:
            item = await in_worker(
                self.journal.outbox.claim, item_id, self.clock(), lease_s=self.lease_s
            )
            if item is None:
                out.append(self._not_now(item_id))
            else:
                items.append(item)
        out.extend(await self._deliver_all(items, None))
        return AckResult(tuple(out), self.deliverer.skipped_peers())

    def _not_now(self, item_id: int) -> Delivery:
        """An item we could not claim: it merged into an earlier pending one that waits
        for its next try, or another copy (or our own tick) is sending it right now."""
        known = self.journal.outbox.get(item_id)
        if known is None:
            return Delivery("", "cancelled", f"outbox item {item_id} is gone", item_id=item_id)
        fp = known.fingerprints[0] if known.fingerprints else ""
        if known.state == "sent":
            words = f"{known.op} delivered by another copy of the tool"
            return Delivery(fp, "delivered", words, known.result, item_id)
        if known.state != "pending":
            status: DeliveryStatus = "rejected" if known.state == "failed" else "cancelled"
            return Delivery(fp, status, known.last_error or known.state, item_id=item_id)
        wait = max(0.0, known.next_try_at - self.clock())
        why = f": {known.last_error}" if known.last_error else ""
        words = f"{known.op} pending, next try within {wait:.0f}s{why}"
        return Delivery(fp, "pending", words, item_id=item_id)

    async def _deliver_all(
        self, items: Sequence[OutboxItem], firing: Sequence[Alert] | None
    ) -> list[Delivery]:
        """Deliver claimed items in order. Once no Alertmanager answered, the rest are
        not tried now (each would wait for every peer's timeout): they get the same
        backoff and error."""
        out: list[Delivery] = []
        down: str | None = None
        for item in items:
            if down is not None:
                out.append(await self.deliverer.failed(item, down))
                continue
            delivery = await self.deliverer.deliver(item, firing)
            if delivery.status == "pending":
                down = (self.journal.outbox.get(item.id) or item).last_error or delivery.message
            out.append(delivery)
        return out

    # -- once per poll ----------------------------------------------------------------

    async def tick(
        self, alerts: Sequence[Alert] | None, silences: Sequence[Silence] | None
    ) -> list[str]:
        """Deliver due outbox items; extend until-resolved silences whose alert still
        fires; merge duplicate silences that racing copies made. `alerts` / `silences`
        None (this poll could not read them): only the outbox is worked on. Returns
        what happened, in words. Does nothing in read-only mode."""
        if self.read_only:
            return []
        now = self.clock()
        firing = None if alerts is None else _firing(alerts, now)
        if firing is not None and silences is not None:
            await in_worker(self._plan_extensions, firing, silences, now)
        due = await in_worker(self.journal.outbox.due, now, lease_s=self.lease_s)
        words = [d.message for d in await self._deliver_all(due, firing)]
        if silences is not None:
            words.extend(await self._merge_duplicates(silences))
        return words

    def _plan_extensions(
        self, firing: Sequence[Alert], silences: Sequence[Silence], now: float
    ) -> None:
        """Enqueue an extension for each until-resolved silence that ends soon while its
        alert fires; mark the ack done when its alert has resolved. Journal writes only:
        called in a worker thread."""
        tracked = {r.silence_id for r in self.journal.acks.active_until_resolved()}
        for s in silences:
            if s.state != "active" or not is_until_resolved(s):
                continue
            hits = [a for a in firing if silence_matches(s, a.labels)]
            if not hits:
                if s.id in tracked:
                    self.journal.acks.deactivate(s.id)
                continue
            # The step the ack was made with (in its marker), so a 10-minute ack lapses
            # within 10 minutes of its alert resolving; old bare markers: the default.
            step = until_resolved_step(s) or self.extend_by_s
            margin = self.margin_for(step)
            if s.ends_at - now <= margin:
                self.journal.outbox.enqueue(
                    "extend",
                    {"silence_id": s.id, "extend_by_s": step, "margin_s": margin},
                    [hits[0].fingerprint],
                    f"extend:{s.id}",
                    now=now,
                )

    async def _merge_duplicates(self, silences: Sequence[Silence]) -> list[str]:
        """Two copies acking the same alert in the same instant may each create a
        silence; every copy keeps the same one (see `duplicate_groups`) and expires the
        others of its own author. Housekeeping: a failure is simply retried next poll."""
        words: list[str] = []
        for keeper, extra in duplicate_groups(silences):
            if keeper.created_by != self.user:
                continue
            for s in extra:
                try:
                    await self.am.expire_silence(s.id)
                except Unreachable:
                    return words
                except SourceError as e:
                    words.append(f"could not expire duplicate silence {s.id}: {e}")
                    continue
                await in_worker(self.journal.acks.deactivate, s.id)
                words.append(f"expired duplicate silence {s.id} (kept {keeper.id})")
        return words
