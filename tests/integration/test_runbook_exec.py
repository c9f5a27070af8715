"""Running runbooks for real: processes (streaming, exit codes, timeout, cancel, process
group) and HTTP hooks against a loopback server."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from oncall_tui.actions.runbook_runs import RunbookService
from oncall_tui.config_types import Runbook
from oncall_tui.journal import Journal
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.runbooks import RunPlan, execute, plan_run
from waiting import async_wait_until, wait_until

PY = sys.executable


def exec_plan(code: str, *args: str, timeout: float = 20.0, alert: Alert | None = None) -> RunPlan:
    rb = Runbook(name="t", kind="exec", command=(PY, "-u", "-c", code, *args), timeout_s=timeout)
    return plan_run(rb, alert, os.environ)


def gone(pid: int, within: float = 2.0) -> bool:
    """No such process, or only a zombie left (a container's init may not reap), within
    `within` seconds (a killed process closes its pipes a moment before it is dead)."""

    def dead() -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        return stat.rsplit(")", 1)[1].split()[0] == "Z"

    return wait_until(dead, within, f"process {pid} to end", 0.05)


async def test_output_streams_while_the_process_runs() -> None:
    code = "import time; print('first'); time.sleep(0.8); print('second')"
    seen: list[tuple[float, str]] = []
    t0 = time.monotonic()
    result = await execute(exec_plan(code), lambda line: seen.append((time.monotonic(), line)))
    assert [line for _, line in seen] == ["first", "second"]
    assert seen[0][0] - t0 < seen[1][0] - t0 - 0.5  # first arrived well before the end
    assert result.ok and result.exit_code == 0 and result.error is None
    assert result.output_tail == "first\nsecond"
    assert result.duration_s >= 0.8


async def test_exit_code_and_stderr_are_reported() -> None:
    code = "import sys; print('to stderr', file=sys.stderr); sys.exit(3)"
    lines: list[str] = []
    result = await execute(exec_plan(code), lines.append)
    assert lines == ["to stderr"]
    assert not result.ok and result.exit_code == 3
    assert result.error == "exited with status 3"


async def test_hostile_label_reaches_the_process_as_one_argument() -> None:
    value = "a b; rm -rf / $(id) `id` 'q' \"d\"\nnext"
    alert = Alert("fp", {"alertname": "X", "service": value}, {}, "active", 0.0)
    code = "import json, sys; print(json.dumps(sys.argv[1:]))"
    lines: list[str] = []
    result = await execute(exec_plan(code, "{labels.service}", alert=alert), lines.append)
    assert result.ok
    assert json.loads(lines[0]) == [value]


async def test_missing_program_is_a_failed_result() -> None:
    rb = Runbook(name="nope", kind="exec", command=("/nonexistent/tool", "x"))
    result = await execute(plan_run(rb, None, {}), lambda _: None)
    assert not result.ok and result.exit_code is None
    assert result.error is not None and "could not start" in result.error


SPAWNS_GRANDCHILD = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(60)\n"
)


async def test_timeout_kills_the_whole_process_group() -> None:
    lines: list[str] = []
    t0 = time.monotonic()
    result = await execute(exec_plan(SPAWNS_GRANDCHILD, timeout=1.5), lines.append)
    assert time.monotonic() - t0 < 8
    assert not result.ok and result.error == "timed out after 1.5s"
    assert result.exit_code is not None and result.exit_code < 0
    assert gone(int(lines[0]))


async def test_cancel_kills_the_whole_process_group() -> None:
    cancel = asyncio.Event()
    lines: list[str] = []

    def on_output(line: str) -> None:
        lines.append(line)
        cancel.set()

    result = await execute(exec_plan(SPAWNS_GRANDCHILD), on_output, cancel)
    assert not result.ok and result.error == "cancelled"
    assert gone(int(lines[0]))


async def test_a_background_child_holding_the_pipe_does_not_hang_the_run() -> None:
    code = (
        "import subprocess, sys\n"
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(c.pid)\n"
    )
    lines: list[str] = []
    t0 = time.monotonic()
    result = await execute(exec_plan(code), lines.append)
    assert result.ok and time.monotonic() - t0 < 6
    assert gone(int(lines[0]))


async def test_service_records_before_and_after(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    ticks = iter([100.0, 105.0])
    service = RunbookService(journal, "alice@host", lambda: next(ticks))
    plan = exec_plan("import sys; print('hi'); sys.exit(2)")
    open_at_first_line: list[bool] = []

    def on_output(line: str) -> None:
        # The start is in the journal before the first line of output exists.
        (run,) = journal.runs.since(0)
        open_at_first_line.append(run.ended_at is None)

    try:
        result = await service.run(plan, None, on_output)
        assert not result.ok
        assert open_at_first_line and open_at_first_line[0]
        (run,) = journal.runs.since(0)
    finally:
        journal.close()
    assert (run.runbook, run.target, run.by, run.started_at) == (
        "t",
        plan.target,
        "alice@host",
        100.0,
    )
    assert (run.ended_at, run.ok, run.exit_code) == (105.0, False, 2)
    assert "hi" in run.output_tail and "exited with status 2" in run.output_tail


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Hook.received.append((self.command, self.path, dict(self.headers), body))
        if self.path.startswith("/hang"):
            time.sleep(5)  # a deliberate hang: the trigger's own timeout is under test
        status = 500 if self.path.startswith("/fail") else 201
        payload = b'{"id": 42, "status": "running"}' if status == 201 else b"boom"
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def hook_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def hook_runbook(url: str, path: str, timeout: float = 10.0) -> Runbook:
    return Runbook(
        name="hook",
        kind="http",
        url=url + path + "/{labels.service}",
        headers={"X-Auth-Token": "${HOOK_TOKEN}"},
        body={"options": {"service": "{labels.service}", "why": ["{annotations.summary}"]}},
        timeout_s=timeout,
    )


ALERT = Alert("fp", {"alertname": "X", "service": "pay ments"}, {"summary": 'a "b"'}, "active", 0)


async def test_http_runbook_sends_expanded_secret_and_substituted_body(hook_url: str) -> None:
    Hook.received.clear()
    plan = plan_run(hook_runbook(hook_url, "/run"), ALERT, {"HOOK_TOKEN": "t0ken"})
    lines: list[str] = []
    result = await execute(plan, lines.append)
    assert result.ok and result.http_status == 201 and result.exit_code is None
    method, path, headers, body = Hook.received[-1]
    assert (method, path) == ("POST", "/run/pay%20ments")
    assert headers["X-Auth-Token"] == "t0ken"
    assert json.loads(body) == {"options": {"service": "pay ments", "why": ['a "b"']}}
    assert "HTTP 201 Created" in lines and '{"id": 42, "status": "running"}' in lines
    assert "t0ken" not in result.output_tail and "t0ken" not in plan.describe()


async def test_http_error_status_is_a_failure(hook_url: str) -> None:
    plan = plan_run(hook_runbook(hook_url, "/fail"), ALERT, {"HOOK_TOKEN": "x"})
    result = await execute(plan, lambda _: None)
    assert not result.ok and result.http_status == 500
    assert result.error == "HTTP 500 Internal Server Error"
    assert "boom" in result.output_tail


async def test_http_timeout_and_cancel(hook_url: str) -> None:
    plan = plan_run(hook_runbook(hook_url, "/hang", timeout=0.5), ALERT, {"HOOK_TOKEN": "x"})
    t0 = time.monotonic()
    result = await execute(plan, lambda _: None)
    assert not result.ok and result.error == "timed out after 500ms"
    assert time.monotonic() - t0 < 3
    cancel = asyncio.Event()
    plan = plan_run(hook_runbook(hook_url, "/hang"), ALERT, {"HOOK_TOKEN": "x"})
    sent = len([r for r in Hook.received if r[1].startswith("/hang")])
    task = asyncio.create_task(execute(plan, lambda _: None, cancel))
    await async_wait_until(
        lambda: len([r for r in Hook.received if r[1].startswith("/hang")]) > sent,
        5,
        "the request to reach the server",
        0.02,
    )
    cancel.set()
    result = await asyncio.wait_for(task, 3)
    assert not result.ok and result.error == "cancelled"


async def test_http_unreachable_is_a_failure() -> None:
    rb = Runbook(name="down", kind="http", url="http://127.0.0.1:9/x", timeout_s=2)
    result = await execute(plan_run(rb, None, {}), lambda _: None)
    assert not result.ok and result.error is not None and "request failed" in result.error


async def test_service_with_the_real_journal(tmp_path: Path) -> None:
    from oncall_tui.journal import Journal

    journal = Journal(tmp_path / "journal.sqlite3")
    service = RunbookService(journal, "bob@host", time.time)
    alert = Alert("fp1", {"alertname": "X", "service": "api"}, {}, "active", 0.0)
    ok_plan = exec_plan("print('restarted')", "{labels.service}", alert=alert)
    assert (await service.run(ok_plan, alert, lambda _: None)).ok
    bad_plan = exec_plan("import sys; sys.exit(4)", timeout=5)
    assert not (await service.run(bad_plan, None, lambda _: None)).ok
    newest, oldest = journal.runs.since(0)
    assert (oldest.runbook, oldest.by, oldest.fingerprint, oldest.ok) == (
        "t",
        "bob@host",
        "fp1",
        True,
    )
    assert oldest.output_tail == "restarted" and oldest.target.endswith(" api")
    assert (newest.ok, newest.exit_code) == (False, 4)
    assert journal.local_run_counts(0) == {"t": (2, 1)}


async def test_a_cancelled_task_still_records_the_run(tmp_path: Path) -> None:
    from oncall_tui.journal import Journal

    journal = Journal(tmp_path / "journal.sqlite3")
    service = RunbookService(journal, "bob@host", time.time)
    pids: list[int] = []
    started = asyncio.Event()

    def on_output(line: str) -> None:
        pids.append(int(line))
        started.set()

    code = "import os, time; print(os.getpid()); time.sleep(30)"
    task = asyncio.create_task(service.run(exec_plan(code), None, on_output))
    await asyncio.wait_for(started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert gone(pids[0])  # cancelling the task ends the process too
    (run,) = journal.runs.since(0)
    assert run.ok is False and run.ended_at is not None
