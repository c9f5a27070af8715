"""A runbook webhook that is down when triggered: the trigger waits in the journal,
survives a restart of the tool, and is delivered exactly once when its server is back —
against a real loopback HTTP server started later on the port that refused the first
try. What may already have reached the server (a 500, a read timeout) is never retried.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from oncall_tui.actions.runbook_runs import RunbookService
from oncall_tui.config_types import Runbook
from oncall_tui.demo.servers import free_port
from oncall_tui.journal import Journal
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.runbooks import plan_run

ENV = {"HOOK_TOKEN": "s3cret-t0ken"}
ALERT = Alert(
    "fp-cache",
    {"alertname": "CacheFull", "service": "pay ments", "severity": "critical"},
    {"summary": 'cache "hot"'},
    "active",
    100.0,
)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Webhook:
    """A real HTTP server on a port chosen before it starts (so a client can be refused
    there first), answering `status` after `hang_s`, recording every request."""

    def __init__(self, port: int, status: int = 201, hang_s: float = 0.0) -> None:
        self.requests: list[Seen] = []
        self._stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.requests.append(Seen(self.command, self.path, headers, body))
                if hang_s and outer._stop.wait(hang_s):
                    return
                payload = b'{"id": 7, "status": "running"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def webhooks() -> Iterator[list[Webhook]]:
    started: list[Webhook] = []
    yield started
    for hook in started:
        hook.close()


def rundeck(port: int, timeout: float = 5.0) -> Runbook:
    return Runbook(
        name="rundeck-clear-cache",
        kind="http",
        url=f"http://127.0.0.1:{port}/api/41/job/abc/run?service={{labels.service}}",
        headers={"X-Rundeck-Auth-Token": "${HOOK_TOKEN}"},
        body={"options": {"service": "{labels.service}", "why": "{annotations.summary}"}},
        timeout_s=timeout,
    )


async def trigger_while_down(path: Path, runbook: Runbook) -> str:
    """Trigger with nothing listening, then close the journal (the tool quits)."""
    with Journal(path) as journal:
        service = RunbookService(journal, "alice@host", time.time)
        lines: list[str] = []
        result = await service.run(plan_run(runbook, ALERT, ENV), ALERT, lines.append)
        assert not result.ok and result.not_sent
        assert result.error is not None and "queued for retry" in result.error
        (trigger,) = journal.triggers.pending()
        assert trigger.runbook == runbook.name and trigger.alert is not None
        assert trigger.alert["labels"] == ALERT.labels
        assert "s3cret" not in trigger.target and "s3cret" not in (trigger.last_error or "")
        (pending,) = service.pending_triggers_words()
        assert pending.startswith("runbook rundeck-clear-cache for CacheFull pending")
        return result.error


async def test_a_trigger_while_down_is_delivered_once_after_a_restart(
    tmp_path: Path, port: int, webhooks: list[Webhook]
) -> None:
    path = tmp_path / "journal.sqlite3"
    runbook = rundeck(port)
    words = await trigger_while_down(path, runbook)
    assert words.startswith(
        f"not delivered (request failed: could not connect to http://127.0.0.1:{port}/"
    )
    webhooks.append(hook := Webhook(port))
    # Two copies of the restarted tool on the same journal retry at the same moment.
    one, two = Journal(path), Journal(path)
    try:
        services = [RunbookService(j, "bob@host", time.time) for j in (one, two)]
        now = time.time() + 2  # past the first backoff
        outcomes = await asyncio.gather(*(s.retry_due([runbook], ENV, now) for s in services))
        assert sorted(len(o) for o in outcomes) == [0, 1]
        (delivered,) = outcomes[0] or outcomes[1]
        assert delivered.startswith("runbook rundeck-clear-cache for CacheFull delivered on try 2")
        assert delivered.endswith(": HTTP 201")
        for s in services:  # nothing left to send, however late
            assert await s.retry_due([runbook], ENV, now + 3600) == []
            assert s.pending_triggers_words() == []
        (seen,) = hook.requests
        assert seen.path == "/api/41/job/abc/run?service=pay%20ments"
        assert seen.headers["x-rundeck-auth-token"] == "s3cret-t0ken"
        assert json.loads(seen.body) == {"options": {"service": "pay ments", "why": 'cache "hot"'}}
        # One trigger is one run: by alice, for the alert, with the retry's outcome.
        (run,) = one.runs.since(0)
        assert (run.runbook, run.by, run.fingerprint, run.ok) == (
            "rundeck-clear-cache",
            "alice@host",
            "fp-cache",
            True,
        )
        assert "HTTP 201 Created" in run.output_tail and "s3cret" not in run.output_tail
        assert one.local_run_counts(0) == {"rundeck-clear-cache": (1, 1)}
    finally:
        one.close()
        two.close()


async def test_still_down_after_a_restart_stays_pending(tmp_path: Path, port: int) -> None:
    path = tmp_path / "journal.sqlite3"
    runbook = rundeck(port)
    await trigger_while_down(path, runbook)
    with Journal(path) as journal:
        service = RunbookService(journal, "bob@host", time.time)
        assert await service.retry_due([runbook], ENV, time.time() + 2) == []
        (trigger,) = journal.triggers.pending()
        assert trigger.attempts == 2 and "could not connect" in (trigger.last_error or "")


@pytest.mark.parametrize(
    ("status", "hang_s", "error"),
    [(500, 0.0, "HTTP 500 Internal Server Error"), (201, 5.0, "timed out after 500ms")],
    ids=["500", "read-timeout"],
)
async def test_what_reached_the_server_is_never_retried(
    tmp_path: Path, port: int, webhooks: list[Webhook], status: int, hang_s: float, error: str
) -> None:
    path = tmp_path / "journal.sqlite3"
    runbook = rundeck(port, timeout=0.5)
    await trigger_while_down(path, runbook)
    webhooks.append(hook := Webhook(port, status=status, hang_s=hang_s))
    with Journal(path) as journal:
        service = RunbookService(journal, "bob@host", time.time)
        (pending,) = journal.triggers.pending()
        (words,) = await service.retry_due([runbook], ENV, time.time() + 2)
        assert re.fullmatch(
            rf"runbook rundeck-clear-cache for CacheFull sent on try 2 \(queued \d+s ago\) "
            rf"but failed: {error}; not retried \(the job may have started\)",
            words,
        )
        assert await service.retry_due([runbook], ENV, time.time() + 3600) == []
        assert len(hook.requests) == 1
        final = journal.triggers.get(pending.id)
        assert final is not None and (final.state, final.attempts) == ("failed", 2)
        (run,) = journal.runs.since(0)
        assert run.ok is False and run.ended_at is not None
        # Triggered while the server is up: the same failure is final at once.
        result = await service.run(plan_run(runbook, ALERT, ENV), ALERT, lambda _: None)
        assert not result.ok and not result.not_sent and result.error == error
        assert journal.triggers.pending() == [] and len(hook.requests) == 2
