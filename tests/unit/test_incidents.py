"""Incidents from ALERTS history, Alertmanager's current alerts and journal acks."""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.incidents import incidents_from, runs_of
from oncall_tui.model.series import Series
from oncall_tui.model.snapshot import Alert, Incident

STEP = 60.0
NOW = 100_000.0


def alerts_series(labels: dict[str, str], times: list[float]) -> Series:
    full = {"__name__": "ALERTS", "alertstate": "firing", **labels}
    return Series(full, tuple((t, 1.0) for t in times))


def am_alert(labels: dict[str, str], starts_at: float) -> Alert:
    return Alert(fingerprint(labels), dict(labels), {}, "active", starts_at)


def steps(first: float, last: float) -> list[float]:
    """An evaluation every STEP from `first`, ending exactly at `last`."""
    times = [first + i * STEP for i in range(int((last - first) // STEP) + 1)]
    return times if times[-1] == last else [*times, last]


A = {"alertname": "HighLatency", "severity": "critical", "service": "api"}
B = {"alertname": "DiskFull", "host": "db-1"}


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
    assert runs_of([(t, 1.0) for t in times], STEP) == expected


def test_runs_split_into_incidents_newest_first() -> None:
    s = alerts_series(A, steps(1000, 2000) + steps(5000, NOW))
    result = incidents_from([s], STEP, NOW, [am_alert(A, 5000.0)])
    firing, resolved = result.items
    assert (firing.status, firing.started_at, firing.resolved_at) == ("firing", 5000.0, None)
    assert (resolved.status, resolved.started_at, resolved.resolved_at) == (
        "resolved",
        1000.0,
        2000.0,
    )
    assert firing.labels == A  # __name__ and alertstate dropped
    assert (firing.alertname, firing.severity) == ("HighLatency", "critical")
    assert result.mttr_s == 1000.0
    assert result.mtta_s is None


def test_run_reaching_now_but_gone_from_alertmanager_is_resolved() -> None:
    s = alerts_series(A, steps(1000, NOW - STEP))
    (inc,) = incidents_from([s], STEP, NOW, []).items
    assert (inc.status, inc.resolved_at) == ("resolved", NOW - STEP)
    # Alertmanager unknown (down): a run at the newest evaluation stays firing.
    (inc,) = incidents_from([s], STEP, NOW, [], alerts_known=False).items
    assert (inc.status, inc.resolved_at) == ("firing", None)


def test_lagging_history_is_completed_by_alertmanager() -> None:
    # The history ends 3 steps ago, but Alertmanager still has the same firing
    # (it started before the run ended): one incident, still firing.
    s = alerts_series(B, steps(1000, NOW - 3 * STEP))
    (inc,) = incidents_from([s], STEP, NOW, [am_alert(B, 940.0)]).items
    assert (inc.started_at, inc.status, inc.resolved_at) == (1000.0, "firing", None)
    # Without Alertmanager, a run that does not reach the newest evaluation is over.
    (inc,) = incidents_from([s], STEP, NOW, [], alerts_known=False).items
    assert (inc.status, inc.resolved_at) == ("resolved", NOW - 3 * STEP)


def test_alertmanager_alert_started_after_the_run_is_a_new_incident() -> None:
    s = alerts_series(B, steps(1000, 2000))
    result = incidents_from([s], STEP, NOW, [am_alert(B, NOW - 10)])
    assert [(i.status, i.started_at, i.resolved_at) for i in result.items] == [
        ("firing", NOW - 10, None),
        ("resolved", 1000.0, 2000.0),
    ]


def test_alertmanager_alerts_not_in_history_are_added() -> None:
    other = {"alertname": "FromOtherProm", "severity": "warning"}
    result = incidents_from([], STEP, NOW, [am_alert(other, NOW - 30)])
    (inc,) = result.items
    assert (inc.alertname, inc.status, inc.started_at, inc.resolved_at) == (
        "FromOtherProm",
        "firing",
        NOW - 30,
        None,
    )
    assert incidents_from([], STEP, NOW, [am_alert(other, 1.0)], alerts_known=False).items == ()


def test_external_labels_on_alertmanager_side_still_match() -> None:
    s = alerts_series(A, steps(1000, NOW))
    with_external = {**A, "cluster": "eu-1"}
    result = incidents_from([s], STEP, NOW, [am_alert(with_external, 1000.0)])
    (inc,) = result.items
    assert inc.status == "firing" and inc.labels == A


def test_acks_first_one_within_the_incident() -> None:
    s = alerts_series(A, steps(1000, 2000) + steps(5000, NOW))
    fp = fingerprint(A)
    acks = {fp: [(900.0, "early"), (1300.0, "bob"), (1200.0, "alice"), (5600.0, "carol")]}
    result = incidents_from([s], STEP, NOW, [am_alert(A, 5000.0)], acks)
    firing, resolved = result.items
    assert (resolved.acked_at, resolved.acked_by) == (1200.0, "alice")
    assert (firing.acked_at, firing.acked_by) == (5600.0, "carol")
    assert result.mtta_s == pytest.approx((200.0 + 600.0) / 2)


def test_ack_after_resolution_does_not_count() -> None:
    s = alerts_series(B, steps(1000, 2000))
    result = incidents_from([s], STEP, NOW, [], {fingerprint(B): [(2500.0, "late")]})
    assert result.items[0].acked_by is None


def test_ack_recorded_under_the_alertmanager_fingerprint() -> None:
    s = alerts_series(A, steps(1000, NOW))
    am = am_alert({**A, "cluster": "eu-1"}, 1000.0)
    result = incidents_from([s], STEP, NOW, [am], {am.fingerprint: [(1100.0, "dana")]})
    assert result.items[0].acked_by == "dana"


def test_empty_and_bad_step() -> None:
    result = incidents_from([], STEP, NOW, [], lookback_s=3600.0)
    assert (result.items, result.mtta_s, result.mttr_s, result.lookback_s) == (
        (),
        None,
        None,
        3600.0,
    )
    assert incidents_from([Series(A, ())], STEP, NOW, []).items == ()
    with pytest.raises(ValueError):
        incidents_from([], 0.0, NOW, [])


def test_10000_series() -> None:
    series = [
        alerts_series(
            {"alertname": f"A{i % 50}", "instance": str(i)},
            steps(1000, 3000) + steps(NOW - 600, NOW),
        )
        for i in range(10_000)
    ]
    alerts = [
        am_alert({"alertname": f"A{i % 50}", "instance": str(i), "cluster": "x"}, 1.0)
        for i in range(0, 10_000, 2)
    ]
    result = incidents_from(series, STEP, NOW, alerts)
    assert len(result.items) == 20_000
    firing = [i for i in result.items if i.status == "firing"]
    assert len(firing) == 5_000


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(min_value=0, max_value=300)),
        max_size=120,
    ),
    st.sampled_from([15.0, 60.0, 300.0]),
    st.booleans(),
)
def test_incidents_never_overlap_per_series(
    points: list[tuple[str, int]], step: float, known: bool
) -> None:
    by_name: dict[str, set[float]] = defaultdict(set)
    for name, k in points:
        by_name[name].add(k * step / 2)  # some points closer than a step, some far apart
    now = 301 * step / 2
    series = [alerts_series({"alertname": n}, sorted(ts)) for n, ts in by_name.items()]
    alerts = [am_alert({"alertname": "a"}, 0.0)]
    result = incidents_from(series, step, now, alerts, alerts_known=known)
    grouped: dict[str, list[Incident]] = defaultdict(list)
    for inc in result.items:
        grouped[inc.alertname].append(inc)
    for name, incs in grouped.items():
        if name not in by_name:
            continue
        incs.sort(key=lambda i: i.started_at)
        for earlier, later in itertools.pairwise(incs):
            assert earlier.resolved_at is not None
            assert earlier.resolved_at < later.started_at
        for inc in incs:
            assert inc.resolved_at is None or inc.resolved_at >= inc.started_at
    starts = [i.started_at for i in result.items]
    assert starts == sorted(starts, reverse=True)


def test_an_alert_seen_firing_gives_a_short_resolved_run_its_exact_times() -> None:
    # One coarse history point for a 2-minute incident: alone it reads "TTR 0s".
    series = [alerts_series(A, [NOW - 10 * STEP])]
    coarse = incidents_from(series, STEP, NOW, [])
    assert coarse.items[0].ttr_s == 0.0
    seen = Alert(fingerprint(A), dict(A), {}, "active", NOW - 10 * STEP - 50, NOW - 10 * STEP + 70)
    exact = incidents_from(series, STEP, NOW, [], recent=[seen])
    (inc,) = exact.items
    assert inc.status == "resolved"
    assert inc.started_at == seen.starts_at and inc.resolved_at == seen.ends_at
    assert inc.ttr_s == 120.0
    # An alert of the same labels from another time does not touch this run.
    other = Alert(fingerprint(A), dict(A), {}, "active", NOW - 50 * STEP, NOW - 49 * STEP)
    assert incidents_from(series, STEP, NOW, [], recent=[other]).items[0].ttr_s == 0.0
