"""PollSchedule and ViewStore: the Textual-free halves of polling and the view."""

from __future__ import annotations

from dataclasses import dataclass, replace

from oncall_tui.model.snapshot import Alerts, Section
from oncall_tui.ui.schedule import PollSchedule
from oncall_tui.ui.store import ViewStore, mark_pending

from .factories import NOW, alert, snapshot


@dataclass
class Ticks:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_new_poll_supersedes_the_running_one() -> None:
    sched = PollSchedule(5.0, 3600.0, Ticks(NOW), Ticks())
    first = sched.start()
    second = sched.start()
    assert not sched.is_current(first)
    assert sched.is_current(second)


def test_backoff_when_nothing_answers_and_back_to_normal() -> None:
    wall, mono = Ticks(NOW), Ticks()
    sched = PollSchedule(5.0, 3600.0, wall, mono)
    sched.start()
    assert sched.finished(all_sources_down=True) == 10.0
    sched.start()
    assert sched.failed("boom") == 20.0
    sched.armed(20.0)
    wall.now += 5
    state = sched.state()
    assert state.error == "boom" and state.retry_in_s == 15.0 and not state.polling
    sched.start()
    assert sched.finished(all_sources_down=False) == 5.0
    assert sched.state().error is None


def test_paused_arms_nothing() -> None:
    sched = PollSchedule(5.0, 3600.0, Ticks(NOW), Ticks())
    assert sched.toggle_pause()
    sched.start()  # R still polls while paused
    assert sched.finished(all_sources_down=False) is None
    assert sched.state().paused


def test_alerts_refresh_only_while_a_poll_hangs_longer_than_a_refresh() -> None:
    mono = Ticks(100.0)
    sched = PollSchedule(2.0, 3600.0, Ticks(NOW), mono)
    assert not sched.alerts_refresh_due()  # no poll running
    sched.start()
    mono.now += 1.0
    assert not sched.alerts_refresh_due()
    mono.now += 1.5
    assert sched.alerts_refresh_due()
    assert sched.state().polling_for_s == 2.5
    sched.alerts_refreshed()
    assert sched.alerts_newer_than_poll()
    sched.start()
    assert not sched.alerts_newer_than_poll()


def test_store_keeps_stale_sections_and_a_newer_alert_list() -> None:
    store = ViewStore()
    good = snapshot(NOW)
    store.apply_poll(good)
    fresh = Alerts(section=Section(source="alertmanager", ok=True, fetched_at=NOW + 9))
    store.apply_alerts(fresh, NOW + 9, 3600.0)
    failed = replace(
        good, taken_at=NOW + 10, alerts=Alerts(section=Section("alertmanager", False, error="down"))
    )
    store.apply_poll(failed, keep_alerts=True)
    assert store.view is not None
    assert store.view.alerts is fresh  # the poll's older answer did not replace it
    assert store.view.taken_at == NOW + 10


def test_pending_marks_follow_the_outbox_and_keep_identity() -> None:
    view = replace(snapshot(NOW), alerts=Alerts(items=(alert("A", "warning", "fp-a"),)))
    assert mark_pending(view, set()) is view  # unchanged: the same object
    marked = mark_pending(view, {"fp-a"})
    assert marked.alerts.items[0].ack_pending
    pending: set[str] = {"fp-a"}
    store = ViewStore(lambda: pending)
    store.apply_poll(view)
    assert store.view is not None and store.view.alerts.items[0].ack_pending
    pending.clear()
    store.apply_poll(view)
    assert not store.view.alerts.items[0].ack_pending


def test_store_reports_only_new_paging_alerts() -> None:
    store = ViewStore()
    crit = alert("Down", "critical", "fp-1")
    base = replace(snapshot(NOW), alerts=Alerts(items=(crit,)))
    assert store.apply_poll(base) == []  # the first view is the baseline
    other = alert("Down", "critical", "fp-2")
    assert store.apply_poll(replace(base, alerts=Alerts(items=(crit, other)))) == [other]
