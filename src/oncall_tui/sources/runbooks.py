"""Running runbooks: plan what will run (shown verbatim in the confirmation), then run it.

`exec` runbooks are an argv run without a shell; `{labels.x}`, `{annotations.x}` and
`{fingerprint}` are substituted *inside* arguments, so a label value (spaces, quotes,
`;rm -rf /`, newlines) always stays one argument. `http` runbooks send a request whose
URL, headers and JSON body get the same substitution; headers may hold `${ENV}`, which is
expanded only when the request is sent and never shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson

from oncall_tui.config_types import Runbook
from oncall_tui.durations import format_duration
from oncall_tui.model.snapshot import Alert

PLACEHOLDER = re.compile(r"\{(?:(labels|annotations)\.([A-Za-z_][A-Za-z0-9_]*)|(fingerprint))\}")
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SENSITIVE_HEADER = re.compile(r"auth|token|secret|key|cookie|passw", re.IGNORECASE)
REDACTED = "<redacted>"
TAIL_LINES = 200
"""Lines of output kept for the journal and the result; the rest streams past."""
TAIL_CHARS = 16_000
KILL_GRACE_S = 2.0
"""After SIGTERM to the process group, how long before SIGKILL."""
DRAIN_S = 1.0
"""After the main process exited, how long a leftover child may hold the pipe open."""


class RunbookError(Exception):
    """The runbook cannot be planned or started as asked; the message says why."""


@dataclass(frozen=True)
class RunPlan:
    """Exactly what will run. Built by `plan_run`, shown by `describe()`, run by `execute`."""

    runbook: Runbook
    kind: str
    fingerprint: str | None
    argv: tuple[str, ...] = ()
    url: str = ""
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    """Substituted, but `${ENV}` references still unexpanded (expanded when sent)."""
    body: object = None
    timeout_s: float = 120.0
    env: dict[str, str] = field(default_factory=dict, repr=False)
    """The environment `${ENV}` and exec children come from. Never shown."""

    @property
    def name(self) -> str:
        return self.runbook.name

    @property
    def target(self) -> str:
        """One line naming what runs: the argv, or method + URL (no credentials)."""
        if self.kind == "exec":
            return " ".join(show_arg(a) for a in self.argv)
        return f"{self.method} {redact_url(self.url)}"

    def describe(self) -> str:
        """What the confirmation dialog shows. Secrets are redacted, nothing else hidden."""
        lines = [f"runbook {self.name} ({self.kind}), timeout {format_duration(self.timeout_s)}"]
        if self.kind == "exec":
            lines.append("run without a shell, one argument per item:")
            lines.append("  " + self.target)
            for key in sorted(self.runbook.env):
                value = self.runbook.env[key]
                shown = REDACTED if ENV_REF.search(value) else show_arg(value)
                lines.append(f"  env {key}={shown}")
        else:
            lines.append(visible(self.target))
            for key, value in self.headers.items():
                lines.append(f"  {visible(key)}: {visible(redact_header(key, value))}")
            if self.body is not None:
                text = orjson.dumps(self.body, option=orjson.OPT_INDENT_2).decode()
                lines.append("  body:")
                lines.extend("    " + line for line in text.splitlines())
        return "\n".join(lines)


@dataclass(frozen=True)
class RunResult:
    ok: bool
    exit_code: int | None = None
    http_status: int | None = None
    duration_s: float = 0.0
    output_tail: str = ""
    error: str | None = None
    """Why it did not succeed, in words (None when ok)."""


def show_arg(arg: str) -> str:
    """One argument as a POSIX shell would need it: quoted if needed, control characters
    as `$'\\n'` escapes, so the line shows argument boundaries and nothing can hide."""
    if arg and all(c.isprintable() for c in arg):
        return shlex.quote(arg)
    escaped = "".join(c if c.isprintable() and c not in "\\'" else _escape_char(c) for c in arg)
    return f"$'{escaped}'"


def visible(text: str) -> str:
    """`text` with control characters shown as escapes instead of acting."""
    return "".join(c if c.isprintable() else _escape_char(c) for c in text)


def _escape_char(c: str) -> str:
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}
    if c in named:
        return named[c]
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def redact_url(url: str) -> str:
    """The URL without a password in its userinfo."""
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.password is not None:
            host = parts.hostname or ""
            if parts.port is not None:
                host += f":{parts.port}"
            netloc = f"{parts.username}:{REDACTED}@{host}"
            return urlunsplit(parts._replace(netloc=netloc))
    return url


def redact_header(name: str, value: str) -> str:
    if ENV_REF.search(value):
        return ENV_REF.sub(lambda m: f"<${{{m.group(1)}}} redacted>", value)
    if SENSITIVE_HEADER.search(name):
        return REDACTED
    return value


def _substitute(
    template: str,
    runbook: Runbook,
    alert: Alert | None,
    encode: Callable[[str], str] = lambda v: v,
) -> str:
    def one(m: re.Match[str]) -> str:
        return encode(_lookup(m))

    def _lookup(m: re.Match[str]) -> str:
        if alert is None:
            raise RunbookError(f"runbook {runbook.name!r} needs an alert: it uses {m.group(0)}")
        if m.group(3):
            return alert.fingerprint
        source = alert.labels if m.group(1) == "labels" else alert.annotations
        key = m.group(2)
        if key not in source:
            kind = "label" if m.group(1) == "labels" else "annotation"
            raise RunbookError(
                f"runbook {runbook.name!r} needs the {kind} {key!r}, "
                f"which alert {alert.alertname!r} does not have"
            )
        return source[key]

    return PLACEHOLDER.sub(one, template)


def _substitute_json(value: object, runbook: Runbook, alert: Alert | None) -> object:
    """Substitute inside every string value (not keys) of a JSON body, recursively."""
    if isinstance(value, str):
        return _substitute(value, runbook, alert)
    if isinstance(value, dict):
        return {k: _substitute_json(v, runbook, alert) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_substitute_json(v, runbook, alert) for v in value]
    return value


def _check_env_refs(runbook: Runbook, texts: Sequence[str], env: Mapping[str, str]) -> None:
    for text in texts:
        for m in ENV_REF.finditer(text):
            if m.group(1) not in env:
                raise RunbookError(
                    f"runbook {runbook.name!r} uses ${{{m.group(1)}}}, "
                    "which is not set in the environment"
                )


def plan_run(runbook: Runbook, alert: Alert | None, env: Mapping[str, str]) -> RunPlan:
    """Substitute the alert into the runbook. Raises RunbookError naming what is missing."""
    environ = dict(env)
    if runbook.kind == "exec":
        if not runbook.command:
            raise RunbookError(f"runbook {runbook.name!r} has no command")
        argv = tuple(_substitute(a, runbook, alert) for a in runbook.command)
        if any("\0" in a for a in argv):
            raise RunbookError(f"runbook {runbook.name!r}: an argument holds a NUL character")
        _check_env_refs(runbook, list(runbook.env.values()), environ)
        return RunPlan(
            runbook=runbook,
            kind="exec",
            fingerprint=alert.fingerprint if alert else None,
            argv=argv,
            timeout_s=runbook.timeout_s,
            env=environ,
        )
    if runbook.kind == "http":
        if not runbook.url:
            raise RunbookError(f"runbook {runbook.name!r} has no url")
        # Percent-encoded: a label value stays one path segment or query value, the
        # way an exec substitution stays one argument.
        url = _substitute(runbook.url, runbook, alert, lambda v: quote(v, safe=""))
        headers = {k: _substitute(v, runbook, alert) for k, v in runbook.headers.items()}
        if any("\n" in v or "\r" in v for v in headers.values()):
            raise RunbookError(f"runbook {runbook.name!r}: a header value holds a line break")
        _check_env_refs(runbook, list(headers.values()), environ)
        return RunPlan(
            runbook=runbook,
            kind="http",
            fingerprint=alert.fingerprint if alert else None,
            url=url,
            method=runbook.method.upper(),
            headers=headers,
            body=_substitute_json(runbook.body, runbook, alert),
            timeout_s=runbook.timeout_s,
            env=environ,
        )
    raise RunbookError(f"runbook {runbook.name!r}: unknown kind {runbook.kind!r}")


def runbooks_for(
    alert: Alert | None, catalogue: Sequence[Runbook]
) -> tuple[list[Runbook], set[str]]:
    """The catalogue with the runbooks linked to `alert` first, and the linked names.

    Linked: the config lists the alertname in `alerts`, or the alert's `runbook` label or
    annotation names a catalogue entry.
    """
    if alert is None:
        return list(catalogue), set()
    named = {alert.labels.get("runbook"), alert.annotations.get("runbook")}
    linked = {rb.name for rb in catalogue if alert.alertname in rb.alerts or rb.name in named}
    ordered = [rb for rb in catalogue if rb.name in linked]
    ordered += [rb for rb in catalogue if rb.name not in linked]
    return ordered, linked


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
    started = time.monotonic()
    try:
        # Own session = own process group: timeout and cancel reach grandchildren too.
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
        # A background child may still hold the pipe: give it a moment, then end it.
        await asyncio.wait({pump}, timeout=DRAIN_S)
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
    return RunResult(
        ok=error is None,
        exit_code=code,
        duration_s=time.monotonic() - started,
        output_tail=tail.text(),
        error=error,
    )


async def _execute_http(
    plan: RunPlan, on_output: Callable[[str], None], cancel: asyncio.Event
) -> RunResult:
    tail = _Tail()

    def emit(line: str) -> None:
        tail.add(line)
        on_output(line)

    headers = {k: _expand(v, plan.env) for k, v in plan.headers.items()}
    content = None
    if plan.body is not None:
        content = orjson.dumps(plan.body)
        headers.setdefault("Content-Type", "application/json")
    started = time.monotonic()
    emit(f"{plan.method} {redact_url(plan.url)}")

    async def send() -> httpx.Response:
        async with httpx.AsyncClient(timeout=plan.timeout_s, follow_redirects=False) as c:
            return await c.request(plan.method, plan.url, headers=headers, content=content)

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
        response = request.result()
    except httpx.TimeoutException:
        error = f"timed out after {format_duration(plan.timeout_s)}"
        emit(error)
        return RunResult(ok=False, duration_s=elapsed, output_tail=tail.text(), error=error)
    except httpx.HTTPError as e:
        error = f"request failed: {type(e).__name__}: {e}"
        emit(error)
        return RunResult(ok=False, duration_s=elapsed, output_tail=tail.text(), error=error)
    emit(f"HTTP {response.status_code} {response.reason_phrase}")
    excerpt = response.text[:2000]
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
