"""The journal's generic queue: the ack outbox and the runbook triggers share every
guard (a final state is final), and reads never wait for another copy's write lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from integration import wait_until
from oncall_tui.journal import Journal
from oncall_tui.journal.queue import Queue


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


def add_ack(j: Journal) -> int:
    return j.outbox.enqueue("ack", {"labels": {}}, ["fp"], None, now=10.0)


def add_trigger(j: Journal) -> int:
    return j.triggers.enqueue(
        "rb", None, "alice", run_id=None, target="POST x", digest="d", error="refused",
        next_try_at=10.0, now=10.0,
    )  # fmt: skip


QUEUES: dict[str, tuple[Callable[[Journal], Queue[Any]], Callable[[Journal], int]]] = {
    "outbox": (lambda j: j.outbox, add_ack),
    "triggers": (lambda j: j.triggers, add_trigger),
}


@pytest.fixture(params=sorted(QUEUES))
def queue_and_row(request: pytest.FixtureRequest, journal: Journal) -> tuple[Queue[Any], int]:
    of, add = QUEUES[request.param]
    return of(journal), add(journal)


def test_a_refused_row_stays_refused_and_a_cancelled_one_cancelled(
    queue_and_row: tuple[Queue[Any], int],
) -> None:
    q, row = queue_and_row
    assert q.cancel(row, "withdrawn")
    q.mark_rejected(row, "refused later")  # a late answer must not rewrite the outcome
    q.retry_later(row, "down", 99.0)
    got = q.get(row)
    assert (got.state, got.last_error) == ("cancelled", "withdrawn")
    assert not q.cancel(row, "again")
    assert q.due(1000.0) == [] and q.claim(row, 1000.0) is None


def test_a_sent_row_is_final(queue_and_row: tuple[Queue[Any], int]) -> None:
    q, row = queue_and_row
    q.mark_sent(row, 20.0)
    q.mark_rejected(row, "late refusal")
    q.retry_later(row, "down", 99.0)
    assert not q.cancel(row, "too late")
    got = q.get(row)
    assert (got.state, got.sent_at, got.last_error) == ("sent", 20.0, None)
    assert q.pending() == []


def test_a_delivery_that_raced_a_cancel_is_recorded_as_sent(
    queue_and_row: tuple[Queue[Any], int],
) -> None:
    q, row = queue_and_row
    claimed = q.claim(row, 10.0)
    assert claimed is not None
    assert q.cancel(row, "withdrawn")  # while the send was in flight
    q.mark_sent(row, 11.0)  # the server has it: the journal says so
    assert q.get(row).state == "sent"


def test_retry_later_counts_the_try_and_waits(queue_and_row: tuple[Queue[Any], int]) -> None:
    q, row = queue_and_row
    before = q.get(row).attempts
    q.retry_later(row, "no answer", 50.0)
    got = q.get(row)
    assert (got.attempts, got.last_error, got.next_try_at) == (before + 1, "no answer", 50.0)
    assert q.due(49.0) == [] and len(q.due(50.0)) == 1


def test_prune_drops_old_finished_rows_only(queue_and_row: tuple[Queue[Any], int]) -> None:
    q, row = queue_and_row
    assert q.prune(1000.0) == 0  # pending: kept however old
    q.cancel(row, "x")
    assert q.prune(5.0) == 0 and q.prune(1000.0) == 1
    assert q.get(row) is None


def test_reads_do_not_wait_for_another_copys_write_lock(journal: Journal, tmp_path: Path) -> None:
    item = add_ack(journal)
    other = sqlite3.connect(tmp_path / "journal.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another copy of the tool, mid-write
    done = threading.Event()
    writer = threading.Thread(target=lambda: (add_ack(journal), done.set()))
    try:
        writer.start()  # our own write now waits for the lock, holding our write side

        def write_side_taken() -> bool:
            lock = journal.db._write_lock
            if lock.acquire(blocking=False):
                lock.release()
                return False
            return True

        wait_until(write_side_taken, 5, "our write to wait for the other copy's lock")
        assert not done.is_set()
        started = time.monotonic()
        assert [i.id for i in journal.outbox.pending()] == [item]
        assert journal.pending_fingerprints() == {"fp"}
        assert time.monotonic() - started < 2.0  # far below the 10 s busy timeout
    finally:
        other.execute("ROLLBACK")
        other.close()
    writer.join(10)
    assert done.is_set() and len(journal.outbox.pending()) == 2
