"""Planning a runbook run: what exactly will run, shown verbatim in the confirmation.

`exec` runbooks are an argv run without a shell; `{labels.x}`, `{annotations.x}` and
`{fingerprint}` are substituted *inside* arguments, so a label value (spaces, quotes,
`;rm -rf /`, newlines) always stays one argument. `http` runbooks get the same
substitution in URL (percent-encoded), headers and JSON body; headers may hold `${ENV}`,
which is expanded only when the request is sent and never shown.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import orjson

from oncall_tui.config_types import Runbook
from oncall_tui.durations import format_duration
from oncall_tui.model.coverage import linked_runbooks
from oncall_tui.model.snapshot import Alert

PLACEHOLDER = re.compile(r"\{(?:(labels|annotations)\.([A-Za-z_][A-Za-z0-9_]*)|(fingerprint))\}")
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SENSITIVE_HEADER = re.compile(r"auth|token|secret|key|cookie|passw", re.IGNORECASE)
REDACTED = "<redacted>"


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
    linked = linked_runbooks(alert.alertname, alert.labels, alert.annotations, catalogue)
    ordered = [rb for rb in catalogue if rb.name in linked]
    ordered += [rb for rb in catalogue if rb.name not in linked]
    return ordered, linked
