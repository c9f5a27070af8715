"""Undelivered runbook triggers: the journal's `triggers` table (migration 2, upgrade of a
version-1 file, claims across two handles), what counts as "not sent", backoff, and
which outcomes are final. Servers are real loopback sockets: a free port where nothing
listens, a listener whose accept queue is full (connect timeout), `fake_http` for a 500.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fakes import FakeServer, Reply
from oncall_tui.actions.outbox import backoff_s
from oncall_tui.actions.runbook_runs import RunbookService
from oncall_tui.actions.trigger_outbox import alert_from_json, alert_json
from oncall_tui.config_types import Runbook
from oncall_tui.demo.servers import free_port
from oncall_tui.journal import MIGRATIONS, SCHEMA_VERSION, Journal
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.runbooks import execute, plan_run

ALERT = Alert(
    "fp1",
    {"alertname": "CacheFull", "service": "pay ments"},
    {"summary": "full"},
    "active",
    100.0,
    generator_url="http://prom/graph",
)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def journal(path: Path) -> Iterator[Journal]:
    j = Journal(path)
    yield j
    j.close()


def hook(url: str, name: str = "clear-cache", timeout: float = 2.0) -> Runbook:
    return Runbook(
        name=name,
        kind="http",
        url=url + "/job/{labels.service}",
        body={"service": "{labels.service}"},
        timeout_s=timeout,
    )


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def enqueue(j: Journal, now: float = 10.0, runbook: str = "rb") -> int:
    return j.triggers.enqueue(
        runbook,
        alert_json(ALERT),
        "alice",
        run_id=None,
        target="POST http://x",
        digest="d",
        error="refused",
        next_try_at=now + 1,
        now=now,
    )


# -- journal ------------------------------------------------------------------------


def test_a_version_1_journal_is_upgraded_in_place(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO schema_version VALUES (1)")
    db.execute(
        "INSERT INTO outbox (op, payload, fingerprints, created_at, next_try_at) "
        "VALUES ('ack', '{}', '[\"fp\"]', 1.0, 1.0)"
    )
    db.execute("INSERT INTO runs (runbook, target, by, started_at) VALUES ('r', 't', 'b', 5.0)")
    db.commit()
    db.close()
    with Journal(path) as j:
        assert j.schema_version() == SCHEMA_VERSION >= 2
        assert j.outbox.pending_fingerprints() == {"fp"}  # old data kept
        assert [r.runbook for r in j.runs.since(0)] == ["r"]
        trigger_id = enqueue(j)
        assert [t.id for t in j.triggers.pending()] == [trigger_id]
    with Journal(path) as j:  # reopened: not migrated twice, trigger still there
        assert j.schema_version() == SCHEMA_VERSION
        assert [t.alert for t in j.triggers.pending()] == [alert_json(ALERT)]


def test_trigger_lifecycle(journal: Journal) -> None:
    a, b, c, d = (enqueue(journal, runbook=n) for n in "abcd")
    (first,) = [t for t in journal.triggers.pending() if t.id == a]
    assert (first.attempts, first.last_error, first.state, first.by) == (
        1,
        "refused",
        "pending",
        "alice",
    )
    assert journal.triggers.due(10.5) == []  # not due before next_try_at
    assert [t.id for t in journal.triggers.due(11.0, lease_s=30.0)] == [a, b, c, d]
    assert journal.triggers.due(40.0) == []  # leased
    journal.triggers.retry_later(a, "refused again", next_try_at=50.0)
    journal.triggers.mark_sent(b, now=42.0)
    journal.triggers.mark_rejected(c, "HTTP 500", attempted=True)
    assert journal.triggers.cancel(d, "withdrawn") and not journal.triggers.cancel(d, "again")
    assert [t.id for t in journal.triggers.due(50.0)] == [a]
    states = {i: journal.triggers.get(i) for i in (a, b, c, d)}
    assert [(t.state, t.attempts) for t in states.values() if t] == [
        ("pending", 2),
        ("sent", 2),
        ("failed", 2),
        ("cancelled", 1),
    ]
    sent = states[b]
    assert sent is not None and sent.sent_at == 42.0 and sent.last_error is None
    # A late outcome from a copy whose lease ran out does not reopen a finished one.
    journal.triggers.retry_later(b, "late", next_try_at=0.0)
    journal.triggers.mark_rejected(c, "late", attempted=False)
    assert [t.id for t in journal.triggers.pending()] == [a]
    later = journal.triggers.get(c)
    assert later is not None and later.last_error == "HTTP 500"


def test_two_handles_on_one_file_never_claim_the_same_trigger(path: Path) -> None:
    with Journal(path) as one, Journal(path) as two:
        ids = [enqueue(one, runbook=f"rb{n}") for n in range(10)]
        got_one = [t.id for t in one.triggers.due(11.0, lease_s=60.0)]
        got_two = [t.id for t in two.triggers.due(11.0, lease_s=60.0)]
        assert got_one == ids and got_two == []
        # The lease runs out (a copy died mid-send): the other copy takes over.
        assert [t.id for t in two.triggers.due(71.0)] == ids


def test_prune_drops_finished_triggers_only(journal: Journal) -> None:
    done, waiting = enqueue(journal, now=1.0), enqueue(journal, now=1.0)
    journal.triggers.mark_sent(done)
    journal.prune(2.0)
    assert journal.triggers.get(done) is None
    assert [t.id for t in journal.triggers.pending()] == [waiting]


def test_alert_json_round_trips() -> None:
    assert alert_from_json(alert_json(ALERT)) == ALERT


# -- what counts as "not sent" -------------------------------------------------------


async def test_connection_refused_is_not_sent() -> None:
    url = dead_url()
    result = await execute(plan_run(hook(url), ALERT, {}), lambda _: None)
    assert not result.ok and result.not_sent
    assert (
        result.error is not None and f"could not connect to {url}/job/pay%20ments" in result.error
    )


@pytest.fixture
def full_listener() -> Iterator[str]:
    """A listening socket that never accepts, its queue filled: connects time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        s = socket.socket()
        s.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            s.connect(("127.0.0.1", port))
        fillers.append(s)
    probe = socket.socket()
    probe.settimeout(0.3)
    try:
        probe.connect(("127.0.0.1", port))
        pytest.skip("this kernel accepts connections beyond the listen queue")
    except TimeoutError:
        pass
    finally:
        probe.close()
    yield f"http://127.0.0.1:{port}"
    for s in [*fillers, listener]:
        s.close()


async def test_connect_timeout_is_not_sent(full_listener: str) -> None:
    result = await execute(plan_run(hook(full_listener, timeout=0.3), ALERT, {}), lambda _: None)
    assert not result.ok and result.not_sent
    assert result.error is not None and result.error.endswith(": connect timeout")


async def test_error_status_and_read_timeout_were_sent(
    fake_http: Callable[[Reply], FakeServer],
) -> None:
    failing = fake_http(Reply(status=500, body=b"boom"))
    result = await execute(plan_run(hook(failing.url), ALERT, {}), lambda _: None)
    assert not result.ok and not result.not_sent and result.http_status == 500
    hanging = fake_http(Reply(hang_s=5))
    result = await execute(plan_run(hook(hanging.url, timeout=0.3), ALERT, {}), lambda _: None)
    assert not result.ok and not result.not_sent and result.error == "timed out after 300ms"
    assert len(hanging.requests) == 1  # it did arrive: a retry could run the job twice


async def test_a_missing_program_is_final_not_queued(journal: Journal) -> None:
    service = RunbookService(journal, "alice", time.time)
    rb = Runbook(name="gone", kind="exec", command=("/nonexistent/tool",))
    result = await service.run(plan_run(rb, None, {}), None, lambda _: None)
    assert not result.ok and not result.not_sent
    assert journal.triggers.pending() == []
    (run,) = journal.runs.since(0)
    assert run.ok is False and run.ended_at is not None


# -- the service: queue, backoff, final outcomes -------------------------------------


async def test_not_sent_is_queued_with_backoff_and_stays_open_in_the_runs(journal: Journal) -> None:
    clock = Clock(1000.0)
    service = RunbookService(journal, "alice", clock)
    runbook = hook(dead_url())
    result = await service.run(plan_run(runbook, ALERT, {}), ALERT, lambda _: None)
    assert not result.ok and result.not_sent
    assert result.error is not None and result.error.startswith("not delivered (request failed")
    assert "queued for retry (first in 1s" in result.error and "survives a restart" in result.error
    (trigger,) = journal.triggers.pending()
    assert (trigger.runbook, trigger.by, trigger.attempts, trigger.next_try_at) == (
        "clear-cache",
        "alice",
        1,
        1001.0,
    )
    (run,) = journal.runs.since(0)
    assert trigger.run_id == run.id and run.ended_at is None  # no outcome yet
    assert journal.local_run_counts(0) == {}  # not counted as a failed run
    waits = []
    for _ in range(4):
        clock.now = journal.triggers.pending()[0].next_try_at
        assert await service.retry_due([runbook], {}, clock.now) == []  # still waiting
        (trigger,) = journal.triggers.pending()
        waits.append(trigger.next_try_at - clock.now)
    assert waits == [backoff_s(n) for n in range(1, 5)] == [2.0, 4.0, 8.0, 16.0]
    assert trigger.attempts == 5
    (words,) = service.pending_triggers_words()
    assert words.startswith(
        "runbook clear-cache for CacheFull pending: not delivered after 5 tries"
    )
    assert "next try in 16s" in words and "could not connect" in words


async def test_a_changed_runbook_is_dropped_not_sent(
    journal: Journal, fake_http: Callable[[Reply], FakeServer]
) -> None:
    clock = Clock(1000.0)
    service = RunbookService(journal, "alice", clock)
    await service.run(plan_run(hook(dead_url()), ALERT, {}), ALERT, lambda _: None)
    server = fake_http(Reply(status=201))
    (trigger,) = journal.triggers.pending()
    # The user confirmed the old URL: the runbook now pointing elsewhere is not run.
    clock.now = 1001.0
    (words,) = await service.retry_due([hook(server.url)], {}, clock.now)
    assert words.startswith("runbook clear-cache for CacheFull dropped: its definition changed")
    assert f"(was POST {trigger.target.split(' ', 1)[1]})" in words
    assert server.requests == []
    dropped = journal.triggers.get(trigger.id)
    assert dropped is not None and (dropped.state, dropped.attempts) == ("failed", 1)
    (run,) = journal.runs.since(0)
    assert run.ok is False and run.output_tail == words


async def test_gone_unplannable_unreadable_and_too_old_are_dropped_in_words(
    journal: Journal, path: Path
) -> None:
    clock = Clock(1000.0)
    service = RunbookService(journal, "alice", clock, max_trigger_age_s=600.0)
    url = dead_url()
    runbook = hook(url)
    for _ in range(4):
        await service.run(plan_run(runbook, ALERT, {}), ALERT, lambda _: None)
    gone, unplannable, unreadable, old = (t.id for t in journal.triggers.pending())
    db = sqlite3.connect(path)
    db.execute("UPDATE triggers SET runbook = 'deleted' WHERE id = ?", (gone,))
    no_labels = '{"fingerprint": "fp1", "labels": {}, "annotations": {}}'
    db.execute("UPDATE triggers SET alert = ? WHERE id = ?", (no_labels, unplannable))
    db.execute("UPDATE triggers SET alert = '{\"x\": 1}' WHERE id = ?", (unreadable,))
    db.execute("UPDATE triggers SET created_at = 100.0 WHERE id = ?", (old,))
    db.commit()
    db.close()
    clock.now = 1001.0
    words = await service.retry_due([runbook], {}, clock.now)
    assert words == [
        "runbook deleted for CacheFull dropped: it is no longer in the configuration",
        "runbook clear-cache dropped: runbook 'clear-cache' needs the label 'service', "
        "which alert '' does not have",
        "runbook clear-cache dropped: its stored alert is unreadable ('labels')",
        "runbook clear-cache for CacheFull dropped: not delivered within 10m (1 try, last: "
        f"request failed: could not connect to {url}/job/pay%20ments: All connection attempts "
        "failed); trigger it again if it is still needed",
    ]
    assert journal.triggers.pending() == [] and service.pending_triggers_words() == []
    assert all(r.ended_at is not None and r.ok is False for r in journal.runs.since(0))
