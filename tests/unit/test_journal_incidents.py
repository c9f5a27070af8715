"""The journal's incidents table: rows survive a restart, two copies merge into one row."""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import pytest

from oncall_tui.config_types import Config
from oncall_tui.incident_log import (
    FULL_MERGE_EVERY_S,
    IncidentLog,
    LastMerge,
    MemoryIncidentStore,
    history_bounds,
)
from oncall_tui.journal import Journal
from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.incident_record import History, HistoryRun
from oncall_tui.model.snapshot import Alert, Alerts, Section

A = {"alertname": "HighLatency", "severity": "critical", "service": "api"}
SECTION = Section("prometheus")


def alerts(*items: tuple[dict[str, str], float]) -> Alerts:
    return Alerts(
        items=tuple(Alert(fingerprint(lbl), dict(lbl), {}, "active", at) for lbl, at in items)
    )


def test_migration_records_when_the_record_began(tmp_path: Path) -> None:
    before = time.time()
    with Journal(tmp_path / "j.sqlite3") as j:
        assert before - 1 <= j.incidents.since() <= time.time() + 1


def test_rows_survive_a_restart_and_two_copies_share_them(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    config = Config(refresh_s=5.0)
    now = time.time()
    with Journal(path) as one, Journal(path) as two:
        log1, log2 = IncidentLog(config, one.incidents), IncidentLog(config, two.incidents)
        log1.observe(now, alerts((A, now - 30)), None, {}, SECTION)
        log2.observe(now + 2, alerts((A, now - 30)), None, {}, SECTION)
        ack = {fingerprint(A): [(now + 3, "bob")]}
        log1.observe(now + 5, alerts((A, now - 30)), None, ack, SECTION)
        inc = log2.observe(now + 10, alerts(), None, {}, SECTION)
        (item,) = inc.items
        assert (item.status, item.tta_s, item.ttr_s, item.acked_by) == (
            "resolved",
            33.0,
            35.0,
            "bob",
        )
        assert (inc.mtta_s, inc.mttr_s) == (33.0, 35.0)
    with Journal(path) as again:
        inc = IncidentLog(config, again.incidents).observe(now + 500, alerts(), None, {}, SECTION)
        (same,) = inc.items
        assert same == item


def test_runs_are_attached_with_their_outcome(tmp_path: Path) -> None:
    now = time.time()
    with Journal(tmp_path / "j.sqlite3") as j:
        log = IncidentLog(Config(), j.incidents)
        run = j.runs.started("restart", "argv", "alice", now + 1, fingerprint(A))
        log.observe(now + 2, alerts((A, now)), None, {}, SECTION)
        j.runs.finished(run, now + 4, True, 0, "ok")
        (item,) = log.observe(now + 5, alerts(), None, {}, SECTION).items
        (r,) = item.runbooks
        assert (r.runbook, r.by, r.ok, r.exit_code, r.ended_at) == (
            "restart",
            "alice",
            True,
            0,
            now + 4,
        )


def test_history_rows_are_marked_and_never_duplicated(tmp_path: Path) -> None:
    now = 1_000_000.0
    store = MemoryIncidentStore(since=now - 3600)
    log = IncidentLog(Config(), store)
    history = History(
        (HistoryRun(A, now - 7200, now - 6000), HistoryRun(A, now - 1800, now - 1200)),
        151.0,
        now,
    )
    for t in (now, now + 60):
        items = log.observe(t, alerts(), history, {}, SECTION).items
        assert [(i.seen, i.started_at) for i in items] == [
            ("history", now - 1800),
            ("pre-journal", now - 7200),
        ]


def test_history_boundaries_do_not_move_with_the_clock() -> None:
    week = 7 * 86400.0
    a = history_bounds(1_000_000.0, week)
    b = history_bounds(1_000_000.0 + 37.0, week)
    start, end, step = a
    assert a == b
    assert end % step == 0 and start % step == 0 and end <= 1_000_000.0
    assert end - start >= week


def test_newer_rows_written_by_sql_are_read_back(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        IncidentLog(Config(), j.incidents).observe(100.0, alerts((A, 90.0)), None, {}, SECTION)
    db = sqlite3.connect(path)
    (n,) = db.execute("SELECT COUNT(*) FROM incidents WHERE ended_at IS NULL").fetchone()
    db.close()
    assert n == 1


@pytest.mark.parametrize("remember", [False, True])
def test_a_storm_of_rows_only_seen_again_keeps_each_last_sighting(
    tmp_path: Path, remember: bool
) -> None:
    # Rows whose only change is "still firing" are written together (one statement):
    # each must keep its own last sighting, and the rows their other fields.
    path = tmp_path / "j.sqlite3"
    config = Config(refresh_s=2.0)
    now = time.time()
    storm = [({**A, "instance": f"host-{i}"}, now - 60 - i) for i in range(300)]
    with Journal(path) as j:
        # remember: polls that saw what the last one saw only move the last sighting.
        log = IncidentLog(config, j.incidents, LastMerge() if remember else None)
        for t in (0, 2, 4):
            log.observe(now + t, alerts(*storm), None, {}, SECTION)
        ack = {fingerprint(storm[7][0]): [(now + 5, "bob")]}
        log.observe(now + 6, alerts(*storm[:10]), None, ack, SECTION)  # 290 went at +6
    with Journal(path) as again:
        inc = IncidentLog(config, again.incidents).observe(now + 500, alerts(), None, {}, SECTION)
    by_host = {i.labels["instance"]: i for i in inc.items}
    assert len(by_host) == 300
    for k, (labels, started) in enumerate(storm):
        item = by_host[labels["instance"]]
        assert item.status == "resolved" and item.started_at == started
        last_seen = now + (6.0 if k < 10 else 4.0)
        assert item.ttr_s == pytest.approx(last_seen - started)
    assert by_host["host-7"].acked_by == "bob"
    assert [i.acked_by for i in inc.items].count(None) == 299


def test_an_unchanged_poll_merges_in_full_when_another_copy_wrote(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    config = Config(refresh_s=2.0)
    now = time.time()
    firing = alerts((A, now - 30))
    with Journal(path) as one, Journal(path) as two:
        last = LastMerge()
        tui = IncidentLog(config, one.incidents, last)
        tui.observe(now, firing, None, {}, SECTION)
        assert last.same(last.seen, now + 2) is not None  # the next poll may take it as seen
        # `oncall-tui record` beside it records an ack into the same row.
        ack = {fingerprint(A): [(now + 1, "bob")]}
        IncidentLog(config, two.incidents).observe(now + 1, firing, None, ack, SECTION)
        (item,) = tui.observe(now + 2, firing, None, {}, SECTION).items
        assert item.acked_by == "bob", "the other copy's write is read, not the kept rows"


def test_unchanged_polls_still_merge_in_full_now_and_then(tmp_path: Path) -> None:
    now = time.time()
    firing = alerts((A, now - 30))
    with Journal(tmp_path / "j.sqlite3") as j:
        last = LastMerge()
        log = IncidentLog(Config(refresh_s=2.0), j.incidents, last)
        log.observe(now, firing, None, {}, SECTION)
        log.observe(now + 2, firing, None, {}, SECTION)
        assert last.at == now  # kept
        log.observe(now + FULL_MERGE_EVERY_S, firing, None, {}, SECTION)
        assert last.at == now + FULL_MERGE_EVERY_S


def test_an_alert_that_began_while_the_poll_waited_is_in_its_incidents(tmp_path: Path) -> None:
    # The poll's instant is taken before its requests: Alertmanager may answer with an
    # alert that started after it. Its row is recorded, and shown now, not a poll later.
    now = time.time()
    with Journal(tmp_path / "j.sqlite3") as j:
        inc = IncidentLog(Config(), j.incidents).observe(
            now, alerts((A, now + 0.4)), None, {}, SECTION
        )
    (item,) = inc.items
    assert item.status == "firing" and item.started_at == now + 0.4


def test_labels_read_back_share_the_alerts_strings(tmp_path: Path) -> None:
    now = time.time()
    b = {**A, "service": "web"}
    with Journal(tmp_path / "j.sqlite3") as j:
        log = IncidentLog(Config(refresh_s=5.0), j.incidents)
        inc = log.observe(now, alerts((A, now - 30), (b, now - 20)), None, {}, SECTION)
        one, two = inc.items
        assert {one.labels["service"], two.labels["service"]} == {"api", "web"}
        assert one.labels["alertname"] is two.labels["alertname"]
        assert one.labels["alertname"] is sys.intern("HighLatency")


def test_rows_of_the_alerts_merged_share_their_labels_dict(tmp_path: Path) -> None:
    now = time.time()
    firing = alerts((dict(sorted(A.items())), now - 30))
    other_order = alerts(({"service": "web", "alertname": "Other"}, now - 20))
    with Journal(tmp_path / "j.sqlite3") as j:
        log = IncidentLog(Config(refresh_s=5.0), j.incidents)
        inc = log.observe(now, Alerts(items=firing.items + other_order.items), None, {}, SECTION)
        by_name = {i.alertname: i for i in inc.items}
        assert by_name["HighLatency"].labels is firing.items[0].labels
        # Read back in the journal's (sorted) order, not the alert's: its own dict.
        assert by_name["Other"].labels == other_order.items[0].labels
        assert by_name["Other"].labels is not other_order.items[0].labels
        assert list(by_name["Other"].labels) == ["alertname", "service"]
