"""The journal: schema and migrations, outbox claims across copies, acks, runs."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.journal import (
    OUTPUT_TAIL_MAX,
    SCHEMA_VERSION,
    Journal,
    JournalError,
    default_journal_path,
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "journal.sqlite3"


@pytest.fixture
def journal(path: Path) -> Iterator[Journal]:
    j = Journal(path)
    yield j
    j.close()


def test_creates_parent_dirs_wal_and_schema(journal: Journal, path: Path) -> None:
    assert path.exists()
    assert journal.schema_version() == SCHEMA_VERSION
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"outbox", "acks", "runs", "schema_version"} <= tables
    db.close()


def test_default_path_is_under_the_xdg_state_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_journal_path() == tmp_path / "state" / "oncall-tui" / "journal.sqlite3"


def test_reopening_keeps_data_and_does_not_migrate_again(path: Path) -> None:
    with Journal(path) as j:
        item_id = j.outbox.enqueue("ack", {"x": 1}, ["fp"], "k", now=10.0)
    with Journal(path) as j:
        assert j.schema_version() == SCHEMA_VERSION
        assert [i.id for i in j.outbox.pending()] == [item_id]
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_a_newer_schema_is_refused_with_words(path: Path) -> None:
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(JournalError, match="newer than this oncall-tui"):
        Journal(path)


def test_outbox_lifecycle(journal: Journal) -> None:
    a = journal.outbox.enqueue("ack", {"labels": {"a": "b"}}, ["fp1"], "ack:fp1", now=100.0)
    u = journal.outbox.enqueue("unack", {"silence_id": "s"}, ["fp2"], "unack:s", now=100.0)
    assert journal.outbox.pending_fingerprints() == {"fp1"}
    assert journal.outbox.pending_fingerprints(("ack", "unack")) == {"fp1", "fp2"}
    assert journal.outbox.due(99.0) == []
    due = journal.outbox.due(100.0, lease_s=30.0)
    assert [(i.id, i.op, i.payload) for i in due] == [
        (a, "ack", {"labels": {"a": "b"}}),
        (u, "unack", {"silence_id": "s"}),
    ]
    assert journal.outbox.due(129.0) == []  # claimed: leased to whoever took them
    journal.outbox.retry_later(a, "no Alertmanager answered", next_try_at=105.0)
    journal.outbox.mark_rejected(u, "400: bad matcher")
    assert journal.outbox.due(104.0) == []
    (retry,) = journal.outbox.due(105.0)
    assert retry.attempts == 1 and retry.last_error == "no Alertmanager answered"
    journal.outbox.mark_delivered(a, "silence-1", now=106.0)
    assert journal.outbox.pending() == []
    sent, rejected = journal.outbox.get(a), journal.outbox.get(u)
    assert sent is not None and (sent.state, sent.result, sent.sent_at) == (
        "sent",
        "silence-1",
        106.0,
    )
    assert rejected is not None and (rejected.state, rejected.last_error) == (
        "failed",
        "400: bad matcher",
    )
    assert journal.outbox.due(1e12) == []  # never retried


def test_same_dedupe_key_while_pending_replaces_the_payload(journal: Journal) -> None:
    first = journal.outbox.enqueue("ack", {"v": 1}, ["fp"], "ack:fp", now=1.0)
    again = journal.outbox.enqueue("ack", {"v": 2}, ["fp"], "ack:fp", now=2.0)
    assert first == again
    (item,) = journal.outbox.pending()
    assert item.payload == {"v": 2} and item.created_at == 1.0
    journal.outbox.mark_delivered(first, "s")
    # Once delivered, the same key starts a new item.
    assert journal.outbox.enqueue("ack", {"v": 3}, ["fp"], "ack:fp", now=3.0) != first
    # No key: never merged.
    assert journal.outbox.enqueue("ack", {}, ["fp"], None) != journal.outbox.enqueue(
        "ack", {}, ["fp"], None
    )


def test_claim_and_cancel(journal: Journal) -> None:
    item_id = journal.outbox.enqueue("ack", {}, ["fp"], None, now=5.0)
    assert journal.outbox.claim(item_id, 4.0) is None  # not due yet
    claimed = journal.outbox.claim(item_id, 5.0, lease_s=10.0)
    assert claimed is not None and claimed.id == item_id
    assert journal.outbox.claim(item_id, 6.0) is None  # leased
    assert journal.outbox.cancel(item_id, "withdrawn")
    assert not journal.outbox.cancel(item_id, "again")
    assert journal.outbox.pending_fingerprints() == set()


def _claim_all(path: str, now: float, out: multiprocessing.Queue[list[int]]) -> None:
    j = Journal(path)
    got: list[int] = []
    for _ in range(20):
        got.extend(i.id for i in j.outbox.due(now))
    j.close()
    out.put(got)


def test_copies_in_other_processes_never_claim_the_same_item(path: Path) -> None:
    with Journal(path) as j:
        ids = [j.outbox.enqueue("ack", {"n": n}, [f"fp{n}"], None, now=1.0) for n in range(40)]
    ctx = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[list[int]] = ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(str(path), 2.0, out)) for _ in range(3)]
    for p in procs:
        p.start()
    claimed = [i for _ in procs for i in out.get(timeout=60)]
    for p in procs:
        p.join(30)
    assert sorted(claimed) == ids  # each exactly once


def test_acks_history_and_until_resolved(journal: Journal) -> None:
    journal.acks.record("fp1", "s1", "alice", 10.0, 70.0, False, {"a": "1"})
    journal.acks.record("fp1", "s2", "bob", 5.0, 65.0, False, {"a": "1"})
    journal.acks.record("fp2", "s3", "alice", 20.0, 80.0, True, {"b": "ü"})
    assert journal.acks_by_fingerprint(0.0) == {
        "fp1": [(5.0, "bob"), (10.0, "alice")],
        "fp2": [(20.0, "alice")],
    }
    assert journal.acks_by_fingerprint(8.0) == {"fp1": [(10.0, "alice")], "fp2": [(20.0, "alice")]}
    (ur,) = journal.acks.active_until_resolved()
    assert (ur.silence_id, ur.labels, ur.until) == ("s3", {"b": "ü"}, 80.0)
    journal.acks.update_until("s3", 200.0)
    assert journal.acks.active_until_resolved()[0].until == 200.0
    journal.acks.update_until("s3", 300.0, new_silence_id="s4")
    assert journal.acks.active_until_resolved()[0].silence_id == "s4"
    journal.acks.deactivate("s4")
    assert journal.acks.active_until_resolved() == []
    assert [r.active for r in journal.acks.of("fp2")] == [False]
    assert len(journal.acks_by_fingerprint(0.0)["fp2"]) == 1  # history stays


def test_runs_and_local_counts(journal: Journal) -> None:
    r1 = journal.runs.started("restart-api", "systemctl restart api", "al", 100.0, "fp")
    r2 = journal.runs.started("restart-api", "systemctl restart api", "al", 200.0, None)
    r3 = journal.runs.started("clear-cache", "POST https://x", "bo", 300.0, None)
    journal.runs.started("clear-cache", "POST https://x", "bo", 400.0, None)  # running
    journal.runs.finished(r1, 110.0, True, 0, "ok\n")
    journal.runs.finished(r2, 230.0, False, 1, "x" * (OUTPUT_TAIL_MAX + 10) + "END")
    journal.runs.finished(r3, 301.0, False, None, "timeout")
    assert journal.local_run_counts(0.0) == {"restart-api": (2, 1), "clear-cache": (1, 0)}
    assert journal.local_run_counts(150.0) == {"restart-api": (1, 0), "clear-cache": (1, 0)}
    runs = journal.runs.since(150.0)
    assert [r.id for r in runs] == [r3 + 1, r3, r2]
    assert runs[0].ended_at is None and runs[0].ok is None
    assert runs[2].output_tail.endswith("END") and len(runs[2].output_tail) == OUTPUT_TAIL_MAX
    assert (runs[1].ok, runs[1].exit_code) == (False, None)


def test_prune_drops_only_finished_outbox_items(journal: Journal) -> None:
    done = journal.outbox.enqueue("ack", {}, ["a"], None, now=1.0)
    journal.outbox.enqueue("ack", {}, ["b"], None, now=1.0)
    journal.outbox.mark_delivered(done, "s")
    assert journal.prune(2.0) == 1
    assert journal.outbox.pending_fingerprints() == {"b"}


@settings(max_examples=50, deadline=None)
@given(
    payload=st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=5),
    fps=st.lists(st.text(min_size=1, max_size=16), min_size=1, max_size=4),
)
def test_payloads_and_fingerprints_round_trip(payload: dict[str, str], fps: list[str]) -> None:
    with Journal(":memory:") as j:
        item_id = j.outbox.enqueue("ack", payload, fps, None, now=1.0)
        (item,) = j.outbox.due(1.0)
        assert (item.id, item.payload, item.fingerprints) == (item_id, payload, tuple(fps))


def test_a_file_that_is_not_a_journal_is_refused_with_words(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"<html>not a database</html>" * 100)
    with pytest.raises(JournalError, match=f"cannot use the journal {path}: file is not a data"):
        Journal(path)


def test_journal_and_actions_never_load_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, oncall_tui.journal; assert 'httpx' not in sys.modules; "
        "import oncall_tui.actions.ack; print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_read_each_decodes_each_row_as_read_gives_it(journal: Journal) -> None:
    sql = "SELECT version FROM schema_version WHERE version >= ? ORDER BY version"
    rows = journal.db.read(sql, (1,))
    decoded = journal.db.read_each(sql, (1,), lambda r: ("v", r["version"]))
    assert decoded == [("v", r["version"]) for r in rows]
    assert len(decoded) == SCHEMA_VERSION
    assert journal.db.read_each(sql, (SCHEMA_VERSION + 1,), lambda r: r) == []
