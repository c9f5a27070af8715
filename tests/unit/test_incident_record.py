"""The incident record's merge: one row per incident, resolved rows never change."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.incident_record import (
    History,
    HistoryRun,
    IncidentRecord,
    MergeRules,
    Observation,
    RunSeen,
    grace_default,
    history_from,
    in_window,
    mean_times,
    merge,
    runs_of,
)
from oncall_tui.model.series import Series
from oncall_tui.model.snapshot import Alert

A = {"alertname": "HighLatency", "severity": "critical", "service": "api"}
B = {"alertname": "DiskFull", "severity": "warning", "host": "db-1"}
FP_A = fingerprint(A)
RULES = MergeRules(grace_s=60.0, history_settle_s=300.0, since=1_000.0)


def alert(labels: dict[str, str], starts_at: float) -> Alert:
    return Alert(fingerprint(labels), dict(labels), {}, "active", starts_at)


class Log:
    """Applies merges the way the journal does: new rows get ids, changed rows replace."""

    def __init__(self, rules: MergeRules = RULES) -> None:
        self.rules = rules
        self.rows: dict[int, IncidentRecord] = {}

    def poll(self, obs: Observation) -> list[IncidentRecord]:
        changed = merge(list(self.rows.values()), obs, self.rules)
        for r in changed:
            if r.id is None:
                r = replace(r, id=len(self.rows) + 1)
            self.rows[r.id] = r
        return changed

    def all(self) -> list[IncidentRecord]:
        return sorted(self.rows.values(), key=lambda r: r.started_at)


def test_grace_default() -> None:
    assert grace_default(5.0) == 60.0
    assert grace_default(45.0) == 90.0


def test_alert_opens_and_resolves_at_last_sighting() -> None:
    log = Log()
    log.poll(Observation(2000.0, [alert(A, 1990.0)]))
    log.poll(Observation(2005.0, [alert(A, 1990.0)]))
    (r,) = log.all()
    assert (r.started_at, r.ended_at, r.seen, r.key) == (1990.0, None, "live", FP_A)
    log.poll(Observation(2010.0, []))
    (r,) = log.all()
    assert (r.started_at, r.ended_at, r.ttr_s) == (1990.0, 2005.0, 15.0)


def test_alertmanager_down_resolves_nothing() -> None:
    log = Log()
    log.poll(Observation(2000.0, [alert(A, 1990.0)]))
    assert log.poll(Observation(2100.0, None)) == []
    assert log.all()[0].ended_at is None


def test_flap_within_grace_is_one_incident_later_a_new_one() -> None:
    log = Log()
    log.poll(Observation(2000.0, [alert(A, 2000.0)]))
    log.poll(Observation(2010.0, []))  # resolved at 2000
    log.poll(Observation(2040.0, [alert(A, 2030.0)]))  # 30 s later: the same incident
    (r,) = log.all()
    assert (r.started_at, r.ended_at) == (2000.0, None)
    log.poll(Observation(2050.0, []))  # resolved at 2040
    log.poll(Observation(2200.0, [alert(A, 2190.0)]))  # 150 s later: a new incident
    first, second = log.all()
    assert (first.started_at, first.ended_at) == (2000.0, 2040.0)
    assert (second.started_at, second.ended_at) == (2190.0, None)


def test_first_ack_within_the_incident_and_fixed_once_final() -> None:
    log = Log()
    log.poll(Observation(2000.0, [alert(A, 1900.0)], acks={FP_A: [(1800.0, "old")]}))
    assert log.all()[0].acked_at is None  # before the start: another incident's ack
    log.poll(Observation(2010.0, [alert(A, 1900.0)], acks={FP_A: [(2005.0, "bob")]}))
    log.poll(Observation(2020.0, [], acks={FP_A: [(2005.0, "bob")]}))
    (r,) = log.all()
    assert (r.acked_by, r.tta_s, r.ttr_s) == ("bob", 105.0, 110.0)
    # An earlier ack learnt while not final (another copy's journal) wins ...
    log.poll(Observation(2030.0, [], acks={FP_A: [(1950.0, "carol")]}))
    assert (log.all()[0].acked_by, log.all()[0].tta_s) == ("carol", 50.0)
    # ... but nothing changes a final row.
    assert log.poll(Observation(9000.0, [], acks={FP_A: [(1901.0, "dave")]})) == []
    assert log.all()[0].acked_by == "carol"


def test_runs_for_the_alert_are_attached() -> None:
    log = Log()
    runs = [RunSeen(7, FP_A, 2003.0), RunSeen(8, FP_A, 100.0), RunSeen(9, "other", 2003.0)]
    log.poll(Observation(2005.0, [alert(A, 2000.0)], runs=runs))
    assert log.all()[0].run_ids == (7,)


def test_history_fills_the_time_no_copy_ran() -> None:
    step = 60.0
    history = History(
        (
            HistoryRun(A, 600.0, 900.0),  # before the journal began
            HistoryRun(A, 3000.0, 3600.0),  # while no copy ran
            HistoryRun(B, 3000.0, 6000.0),  # still firing at the newest boundary
        ),
        step,
        until=6000.0,
    )
    log = Log()
    log.poll(Observation(6010.0, None, history=history))
    rows = {(r.alertname, r.started_at): r for r in log.all()}
    pre = rows[("HighLatency", 600.0)]
    gap = rows[("HighLatency", 3000.0)]
    ongoing = rows[("DiskFull", 3000.0)]
    assert (pre.seen, pre.ended_at) == ("pre-journal", 900.0)
    assert (gap.seen, gap.ended_at) == ("history", 3600.0)
    assert (ongoing.seen, ongoing.ended_at) == ("history", None)
    # Read again, the same history adds nothing.
    assert log.poll(Observation(6020.0, None, history=history)) == []


def test_history_does_not_duplicate_live_rows_and_external_labels_match() -> None:
    external = {**A, "cluster": "eu-1"}
    log = Log()
    log.poll(Observation(2000.0, [alert(external, 1990.0)]))
    log.poll(Observation(2100.0, []))
    history = History((HistoryRun(A, 2040.0, 2100.0),), 60.0, 2100.0)
    assert log.poll(Observation(2105.0, [], history=history)) == []
    assert len(log.all()) == 1


def test_gap_in_watching_takes_the_end_from_history() -> None:
    log = Log()
    log.poll(Observation(2000.0, [alert(A, 1990.0)]))
    # The copy stops; the alert fires until 2400; a copy starts again at 5000.
    history = History((HistoryRun(A, 2040.0, 2400.0),), 60.0, 4980.0)
    log.poll(Observation(5000.0, [], history=history))
    (r,) = log.all()
    assert (r.started_at, r.ended_at, r.seen) == (1990.0, 2400.0, "live")


def test_refire_during_a_gap_is_a_new_incident() -> None:
    log = Log()
    log.poll(Observation(2000.0, [alert(A, 1990.0)]))
    history = History((HistoryRun(A, 2040.0, 2400.0), HistoryRun(A, 4000.0, 4980.0)), 60.0, 4980.0)
    log.poll(Observation(5000.0, [alert(A, 4000.0)], history=history))
    first, second = log.all()
    assert (first.started_at, first.ended_at) == (1990.0, 2400.0)
    assert (second.started_at, second.ended_at, second.seen) == (4000.0, None, "live")


def test_window_and_means() -> None:
    rows = [
        IncidentRecord("a", A, 100.0, 200.0, 200.0, "live", acked_at=110.0, acked_by="x"),
        IncidentRecord("b", B, 300.0, None, 400.0, "live"),
        IncidentRecord("c", A, 10.0, 20.0, 20.0, "history"),
    ]
    inside = in_window(rows, 50.0, 1000.0)
    assert [r.key for r in inside] == ["b", "a"]
    assert mean_times(inside) == (10.0, 100.0)
    assert mean_times([]) == (None, None)


# -- property: whatever happens, a final row never changes ----------------------------

LABELSETS = [A, B, {**A, "cluster": "eu"}]
event = st.tuples(
    st.floats(min_value=1.0, max_value=400.0),  # time to the next poll
    st.lists(st.sampled_from(range(len(LABELSETS))), max_size=3, unique=True),  # firing
    st.booleans(),  # Alertmanager answered
    st.lists(st.floats(min_value=0.0, max_value=30.0), max_size=2),  # ack offsets
    st.booleans(),  # history read this poll
)


@settings(max_examples=150, deadline=None)
@given(st.lists(event, min_size=1, max_size=40))
def test_final_rows_never_change(
    events: list[tuple[float, list[int], bool, list[float], bool]],
) -> None:
    log = Log(MergeRules(grace_s=60.0, history_settle_s=120.0, since=0.0))
    now = 1000.0
    started: dict[int, float] = {}
    history_runs: list[HistoryRun] = []
    acks: dict[str, list[tuple[float, str]]] = {}
    frozen: dict[int, IncidentRecord] = {}
    for gap, firing, answered, ack_offsets, read_history in events:
        now += gap
        for k in list(started):
            if k not in firing:
                history_runs.append(HistoryRun(LABELSETS[k], started.pop(k), now - gap))
        for k in firing:
            started.setdefault(k, now - gap / 2)
            fp = fingerprint(LABELSETS[k])
            acks.setdefault(fp, []).extend((now - off, f"u{off}") for off in ack_offsets)
        alerts = [alert(LABELSETS[k], started[k]) for k in firing] if answered else None
        history = None
        if read_history:
            runs = history_runs + [HistoryRun(LABELSETS[k], s, now) for k, s in started.items()]
            history = History(tuple(runs), 15.0, now)
        log.poll(Observation(now, alerts, history=history, acks=acks))
        for row_id, row in frozen.items():
            assert log.rows[row_id] == row, "a final incident changed"
        for row_id, row in log.rows.items():
            if log.rules.final(row, now):
                frozen[row_id] = row
            assert row.ended_at is None or row.ended_at >= row.started_at
            assert row.acked_at is None or row.acked_at >= row.started_at


@pytest.mark.parametrize(
    ("times", "expected"),
    [
        ([], []),
        ([5.0], [(5.0, 5.0)]),
        ([0.0, 60.0, 120.0], [(0.0, 120.0)]),
        ([0.0, 60.0, 150.0], [(0.0, 150.0)]),  # 1.5 steps: same run
        ([0.0, 60.0, 151.0], [(0.0, 60.0), (151.0, 151.0)]),
        ([120.0, 0.0, 60.0], [(0.0, 120.0)]),  # unordered input
    ],
)
def test_runs_of(times: list[float], expected: list[tuple[float, float]]) -> None:
    assert runs_of([(t, 1.0) for t in times], 60.0) == expected


def test_history_from_drops_name_and_state() -> None:
    full = {"__name__": "ALERTS", "alertstate": "firing", **A}
    h = history_from([Series(full, ((60.0, 1.0), (120.0, 1.0), (600.0, 1.0)))], 60.0, 600.0)
    assert h.runs == (HistoryRun(A, 60.0, 120.0, FP_A), HistoryRun(A, 600.0, 600.0, FP_A))


def test_seen_until_is_replace_of_last_seen_at_and_copies_every_field() -> None:
    r = IncidentRecord(
        key="k",
        labels={"alertname": "A"},
        started_at=1.0,
        ended_at=5.0,
        last_seen_at=4.0,
        seen="history",
        acked_at=2.0,
        acked_by="bob",
        run_ids=(3, 4),
        id=9,
    )
    assert r.seen_until(7.5) == replace(r, last_seen_at=7.5)
    # Every field given above: a field added later must be copied by seen_until too.
    assert {f.name for f in fields(IncidentRecord)} == {
        "key", "labels", "started_at", "ended_at", "last_seen_at", "seen",
        "acked_at", "acked_by", "run_ids", "id",
    }  # fmt: skip
