"""Running runbooks: `execute(plan, ...)` streams an exec runbook's output or sends an
http runbook's request. Planning lives in `runbook_plan` and is re-exported here, so
`sources.runbooks` is the one entry point.

An exec runbook runs in its own session (so its own process group): a timeout or cancel
stops the group, and when the run ends for any reason, whatever it left running -- a
`setsid` or double-forked grandchild included (`proctree`) -- is stopped too and named
in the result. An http runbook's answer is read only up to `HTTP_EXCERPT_BYTES`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import httpx
import orjson

from oncall_tui.durations import format_duration
from oncall_tui.sources import proctree
from oncall_tui.sources.runbook_plan import (
    ENV_REF,
    RunbookError,
    RunPlan,
    plan_run,
    redact_url,
    runbooks_for,
    show_arg,
    visible,
)

__all__ = [
    "RunPlan",
    "RunResult",
    "RunbookError",
    "execute",
    "plan_run",
    "redact_url",
    "runbooks_for",
    "show_arg",
    "visible",
]

TAIL_LINES = 200
"""Lines of output kept for the journal and the result; the rest streams past."""
TAIL_CHARS = 16_000
KILL_GRACE_S = 2.0
"""After SIGTERM to the process group, how long before SIGKILL."""
DRAIN_S = 1.0
"""After the main process exited, how long a leftover child may hold the pipe open."""
HTTP_EXCERPT_BYTES = 64 * 1024
"""Of an http runbook's answer, only this much is read (its first lines are shown)."""


@dataclass(frozen=True)
class RunResult:
    ok: bool
    exit_code: int | None = None
    http_status: int | None = None
    duration_s: float = 0.0
    output_tail: str = ""
    error: str | None = None
    """Why it did not succeed, in words (None when ok)."""
    not_sent: bool = False
    """An http runbook whose request certainly never left: no connection could be made
    (refused, DNS failure, connect timeout). Only then is a retry safe; after a read
    timeout or an error status the job may have started, and a retry could run it twice.
    Never set for exec runbooks: those run here, a missing program is just a failure."""
    left_behind: tuple[str, ...] = ()
    """exec: processes the runbook left running when it ended ("pid 42 sleep 600"),
    which were then stopped."""

    @property
    def left_behind_words(self) -> str:
        """ "stopped 1 process it left running (pid 42 sleep 600)", or ""."""
        n = len(self.left_behind)
        if not n:
            return ""
        shown = ", ".join(self.left_behind[:3]) + (", …" if n > 3 else "")
        return f"stopped {n} process{'es' if n > 1 else ''} it left running ({shown})"


class _Tail:
    """The last lines of output, bounded in lines and characters."""

    def __init__(self) -> None:
        self.lines: deque[str] = deque(maxlen=TAIL_LINES)

    def add(self, line: str) -> None:
        self.lines.append(line[:TAIL_CHARS])

    def text(self) -> str:
        return "\n".join(self.lines)[-TAIL_CHARS:]


async def execute(
    plan: RunPlan,
    on_output: Callable[[str], None],
    cancel: asyncio.Event | None = None,
) -> RunResult:
    """Run the plan, streaming output lines to `on_output` as they come. Never raises for
    a failure of the runbook itself: the result says what happened."""
    cancel = cancel or asyncio.Event()
    if plan.kind == "exec":
        return await _execute_exec(plan, on_output, cancel)
    return await _execute_http(plan, on_output, cancel)


def _expand(text: str, env: Mapping[str, str]) -> str:
    return ENV_REF.sub(lambda m: env.get(m.group(1), ""), text)


async def _pump(stream: asyncio.StreamReader, emit: Callable[[str], None]) -> None:
    """Split the byte stream into lines ourselves: a line longer than any buffer is cut,
    not fatal."""
    pending = b""
    while chunk := await stream.read(65536):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            emit(line.decode(errors="replace").rstrip("\r"))
        if len(pending) > TAIL_CHARS:
            emit(pending.decode(errors="replace"))
            pending = b""
    if pending:
        emit(pending.decode(errors="replace").rstrip("\r"))


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def _exited(proc: asyncio.subprocess.Process) -> None:
    """Wait for the process itself to exit. `proc.wait()` also waits for its pipes to
    close, which a background grandchild can hold open for ever."""
    while proc.returncode is None:
        await asyncio.sleep(0.05)


async def _stop_group(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the whole process group, SIGKILL it after a grace period."""
    _kill_group(proc.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_exited(proc), KILL_GRACE_S)
    _kill_group(proc.pid, signal.SIGKILL)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_exited(proc), KILL_GRACE_S)


async def _execute_exec(
    plan: RunPlan, on_output: Callable[[str], None], cancel: asyncio.Event
) -> RunResult:
    tail = _Tail()

    def emit(line: str) -> None:
        tail.add(line)
        on_output(line)

    child_env = dict(plan.env)
    child_env.update({k: _expand(v, plan.env) for k, v in plan.runbook.env.items()})
    # Inherited by every descendant, setsid or not: how the sweep finds them.
    token = secrets.token_hex(8)
    child_env[proctree.MARKER] = token
    started = time.monotonic()
    try:
        # Own session = own process group: timeout and cancel reach the children.
        proc = await asyncio.create_subprocess_exec(
            *plan.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=child_env,
            start_new_session=True,
        )
    except OSError as e:
        return RunResult(
            ok=False,
            duration_s=time.monotonic() - started,
            error=f"could not start {show_arg(plan.argv[0])}: {e.strerror or e}",
        )
    assert proc.stdout is not None
    pump = asyncio.create_task(_pump(proc.stdout, emit))
    waiter = asyncio.create_task(_exited(proc))
    cancelled = asyncio.create_task(cancel.wait())
    error: str | None = None
    left: list[proctree.Leftover] = []
    try:
        done, _ = await asyncio.wait(
            {waiter, cancelled}, timeout=plan.timeout_s, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter not in done:
            error = (
                "cancelled"
                if cancelled in done
                else (f"timed out after {format_duration(plan.timeout_s)}")
            )
            await _stop_group(proc)
        # A background child may still hold the pipe: give it a moment to finish.
        await asyncio.wait({pump}, timeout=DRAIN_S)
        left = await _sweep(proc.pid, token)
        if not pump.done():
            _kill_group(proc.pid, signal.SIGKILL)
            await asyncio.wait({pump}, timeout=DRAIN_S)
    finally:
        cancelled.cancel()
        if proc.returncode is None:
            await _stop_group(proc)
        if not pump.done():
            pump.cancel()
    code = proc.returncode
    if error is None and code != 0:
        error = (
            f"exited with status {code}"
            if code is not None and code > 0
            else (f"killed by signal {-code}" if code is not None else "did not exit")
        )
    result = RunResult(
        ok=error is None,
        exit_code=code,
        duration_s=time.monotonic() - started,
        error=error,
        left_behind=tuple(str(p) for p in left),
    )
    if result.left_behind:
        emit(f"[oncall-tui: {result.left_behind_words}]")
    return replace(result, output_tail=tail.text())


async def _sweep(group: int, token: str) -> list[proctree.Leftover]:
    """Stop what the run left running; the processes found (in a thread: /proc reads)."""

    def sweep() -> list[proctree.Leftover]:
        found = proctree.leftovers(token, group)
        if found:
            proctree.end(found, KILL_GRACE_S)
        return found

    return await asyncio.to_thread(sweep)


async def _execute_http(
    plan: RunPlan, on_output: Callable[[str], None], cancel: asyncio.Event
) -> RunResult:
    tail = _Tail()

    def emit(line: str) -> None:
        tail.add(line)
        on_output(line)

    # Bytes: a label value outside ASCII goes as UTF-8 (httpx would refuse the str).
    headers = [(k.encode(), v.encode()) for k, v in plan.headers_to_send().items()]
    names = {k.lower() for k, _ in headers}
    if b"accept-encoding" not in names:
        # Uncompressed: only the start of the answer is read, and never a gzip bomb's.
        headers.append((b"Accept-Encoding", b"identity"))
    content = None
    if plan.body is not None:
        content = orjson.dumps(plan.body)
        if b"content-type" not in names:
            headers.append((b"Content-Type", b"application/json"))
    started = time.monotonic()
    emit(f"{plan.method} {redact_url(plan.url)}")

    async def send() -> tuple[httpx.Response, bytes]:
        async with (
            httpx.AsyncClient(timeout=plan.timeout_s, follow_redirects=False) as c,
            c.stream(plan.method, plan.url, headers=headers, content=content) as response,
        ):
            # Only the start of the answer is shown: never read an endless one.
            head = b""
            async for chunk in response.aiter_bytes():
                head += chunk
                if len(head) >= HTTP_EXCERPT_BYTES:
                    break
            return response, head[:HTTP_EXCERPT_BYTES]

    request = asyncio.create_task(send())
    cancelled = asyncio.create_task(cancel.wait())
    try:
        done, _ = await asyncio.wait(
            {request, cancelled}, timeout=plan.timeout_s + 1, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        cancelled.cancel()
        if not request.done():
            request.cancel()
    elapsed = time.monotonic() - started
    if request not in done:
        error = (
            "cancelled"
            if cancelled in done
            else (f"timed out after {format_duration(plan.timeout_s)}")
        )
        emit(error)
        return RunResult(ok=False, duration_s=elapsed, output_tail=tail.text(), error=error)
    try:
        response, head = request.result()
    except (httpx.ConnectError, httpx.ConnectTimeout) as e:
        # Before TimeoutException: a connect timeout is one, but nothing was sent.
        error = f"request failed: could not connect to {redact_url(plan.url)}: {_reason(e)}"
        emit(error)
        return RunResult(
            ok=False, duration_s=elapsed, output_tail=tail.text(), error=error, not_sent=True
        )
    except httpx.TimeoutException:
        error = f"timed out after {format_duration(plan.timeout_s)}"
        emit(error)
        return RunResult(ok=False, duration_s=elapsed, output_tail=tail.text(), error=error)
    except httpx.HTTPError as e:
        error = f"request failed: {type(e).__name__}: {e}"
        emit(error)
        return RunResult(ok=False, duration_s=elapsed, output_tail=tail.text(), error=error)
    emit(f"HTTP {response.status_code} {response.reason_phrase}")
    excerpt = head.decode(response.encoding or "utf-8", errors="replace")[:2000]
    for line in excerpt.splitlines():
        emit(line)
    ok = 200 <= response.status_code < 300
    return RunResult(
        ok=ok,
        http_status=response.status_code,
        duration_s=elapsed,
        output_tail=tail.text(),
        error=None if ok else f"HTTP {response.status_code} {response.reason_phrase}",
    )


def _reason(e: httpx.HTTPError) -> str:
    """The exception's words (httpx leaves a connect timeout's message empty)."""
    text = str(e).strip()
    if text:
        return text
    return "connect timeout" if isinstance(e, httpx.ConnectTimeout) else type(e).__name__
