"""Planning a runbook run: what exactly will run, shown verbatim in the confirmation.

`exec` runbooks are an argv run without a shell; `{labels.x}`, `{annotations.x}` and
`{fingerprint}` are substituted *inside* arguments, so a label value (spaces, quotes,
`;rm -rf /`, newlines) always stays one argument. A substituted value that starts with
`-` is refused (it would be read as an option: `--output=/tmp/x`) unless the runbook
says `allow_dash_values = true`. `http` runbooks get the same substitution in URL
(percent-encoded), headers and JSON body. Header values may also hold `${ENV}`.

Order matters for safety: the *configured* template is split once into literal text,
`${ENV}` references and placeholders (`placeholders.TOKEN`). Values go in afterwards
and are never scanned again, so a label `service="${PROM_TOKEN}"` is sent as exactly
those characters, never as the token. A header is kept as its parts (`Part`) until it
is sent: `send_text` joins them with the environment's values, `shown_text` with each
`${ENV}` masked -- the confirmation shows exactly what is sent, masked only where the
config put a secret.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import orjson

from oncall_tui.config_types import Runbook
from oncall_tui.durations import format_duration
from oncall_tui.model.coverage import linked_runbooks
from oncall_tui.model.snapshot import Alert
from oncall_tui.placeholders import ENV_REF, PLACEHOLDER, TOKEN
from oncall_tui.text import show_arg, visible

__all__ = [
    "ENV_REF",
    "PLACEHOLDER",
    "EnvRef",
    "Literal",
    "RunPlan",
    "RunbookError",
    "Value",
    "plan_run",
    "redact_url",
    "runbooks_for",
    "send_text",
    "show_arg",
    "shown_text",
    "visible",
]

SENSITIVE_HEADER = re.compile(r"auth|token|secret|key|cookie|passw", re.IGNORECASE)
REDACTED = "<redacted>"


class RunbookError(Exception):
    """The runbook cannot be planned or started as asked; the message says why."""


@dataclass(frozen=True)
class Literal:
    """Text the config wrote."""

    text: str


@dataclass(frozen=True)
class Value:
    """A label, annotation or fingerprint that was substituted: sent as it is."""

    text: str
    origin: str = ""
    """The placeholder it replaced, e.g. "{labels.service}"."""


@dataclass(frozen=True)
class EnvRef:
    """A `${NAME}` the config wrote: the environment's value, only when sent."""

    name: str


Part = Literal | Value | EnvRef


def send_text(parts: Sequence[Part], env: Mapping[str, str]) -> str:
    """What goes over the wire."""
    return "".join(env.get(p.name, "") if isinstance(p, EnvRef) else p.text for p in parts)


def shown_text(parts: Sequence[Part], sensitive: bool = False) -> str:
    """What the confirmation shows: each `${NAME}` as `<${NAME} redacted>`; in a header
    whose name says it holds a secret, also the config's own literal text."""
    has_env = any(isinstance(p, EnvRef) for p in parts)
    out = []
    for p in parts:
        if isinstance(p, EnvRef):
            out.append(f"<${{{p.name}}} redacted>")
        elif isinstance(p, Literal) and sensitive and not has_env and p.text.strip():
            out.append(REDACTED)
        else:
            out.append(p.text)
    return "".join(out)


def unexpanded_text(parts: Sequence[Part]) -> str:
    """The parts with `${NAME}` as written (no secret): what a plan digest covers."""
    return "".join(f"${{{p.name}}}" if isinstance(p, EnvRef) else p.text for p in parts)


@dataclass(frozen=True)
class RunPlan:
    """Exactly what will run. Built by `plan_run`, shown by `describe()`, run by `execute`."""

    runbook: Runbook
    kind: str
    fingerprint: str | None
    argv: tuple[str, ...] = ()
    url: str = ""
    method: str = "POST"
    header_parts: dict[str, tuple[Part, ...]] = field(default_factory=dict)
    """Substituted; `${ENV}` references kept as `EnvRef` (expanded only when sent)."""
    body: object = None
    timeout_s: float = 120.0
    env: dict[str, str] = field(default_factory=dict, repr=False)
    """The environment `${ENV}` and exec children come from. Never shown."""

    @property
    def name(self) -> str:
        return self.runbook.name

    @property
    def headers(self) -> dict[str, str]:
        """The headers with `${NAME}` as written (no secret in them)."""
        return {k: unexpanded_text(v) for k, v in self.header_parts.items()}

    def headers_to_send(self) -> dict[str, str]:
        """The headers as they go over the wire, secrets expanded."""
        return {k: send_text(v, self.env) for k, v in self.header_parts.items()}

    @property
    def target(self) -> str:
        """One line naming what runs: the argv, or method + URL (no credentials)."""
        if self.kind == "exec":
            return " ".join(show_arg(a) for a in self.argv)
        return f"{self.method} {redact_url(self.url)}"

    def describe(self) -> str:
        """What the confirmation dialog shows: what is sent, character for character,
        with the config's secrets masked and nothing else hidden."""
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
            for key, parts in self.header_parts.items():
                shown = shown_text(parts, sensitive=bool(SENSITIVE_HEADER.search(key)))
                lines.append(f"  {visible(key)}: {visible(shown)}")
            if self.body is not None:
                text = orjson.dumps(self.body, option=orjson.OPT_INDENT_2).decode()
                lines.append("  body:")
                lines.extend("    " + visible(line) for line in text.splitlines())
        return "\n".join(lines)


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


def _parts(
    template: str,
    runbook: Runbook,
    alert: Alert | None,
    *,
    env_allowed: bool = False,
    encode: Callable[[str], str] = lambda v: v,
) -> tuple[Part, ...]:
    """`template` split once into literal text, `${ENV}` references (where allowed) and
    substituted values. A value is never scanned again: it cannot expand anything."""
    pattern = TOKEN if env_allowed else PLACEHOLDER
    parts: list[Part] = []
    pos = 0
    for m in pattern.finditer(template):
        if m.start() > pos:
            parts.append(Literal(template[pos : m.start()]))
        env_name = m.groupdict().get("env")
        if env_name:
            parts.append(EnvRef(env_name))
        else:
            value = _lookup(m, runbook, alert, offset=1 if env_allowed else 0)
            parts.append(Value(encode(value), origin=m.group(0)))
        pos = m.end()
    if pos < len(template):
        parts.append(Literal(template[pos:]))
    return tuple(parts)


def _lookup(m: re.Match[str], runbook: Runbook, alert: Alert | None, offset: int) -> str:
    scope, key, fingerprint = m.group(1 + offset), m.group(2 + offset), m.group(3 + offset)
    if alert is None:
        raise RunbookError(f"runbook {runbook.name!r} needs an alert: it uses {m.group(0)}")
    if fingerprint:
        return alert.fingerprint
    source = alert.labels if scope == "labels" else alert.annotations
    if key not in source:
        kind = "label" if scope == "labels" else "annotation"
        raise RunbookError(
            f"runbook {runbook.name!r} needs the {kind} {key!r}, "
            f"which alert {alert.alertname!r} does not have"
        )
    return source[key]


def _substitute(
    template: str,
    runbook: Runbook,
    alert: Alert | None,
    encode: Callable[[str], str] = lambda v: v,
) -> str:
    parts = _parts(template, runbook, alert, encode=encode)
    return "".join(p.text for p in parts if not isinstance(p, EnvRef))


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
            _check_env(runbook, m.group(1), env)


def _check_env(runbook: Runbook, name: str, env: Mapping[str, str], header: bool = False) -> None:
    if name not in env:
        raise RunbookError(
            f"runbook {runbook.name!r} uses ${{{name}}}, which is not set in the environment"
        )
    if header and any(c in env[name] for c in "\r\n\0"):
        raise RunbookError(
            f"runbook {runbook.name!r}: ${{{name}}} holds a line break, not usable in a header"
        )


def _check_header(
    runbook: Runbook, key: str, parts: tuple[Part, ...], env: Mapping[str, str]
) -> None:
    """What HTTP cannot carry in a header value is refused in words here, not by the
    HTTP library halfway through sending."""
    for p in parts:
        if isinstance(p, EnvRef):
            _check_env(runbook, p.name, env, header=True)
    sent = send_text(parts, env)
    if any(c in sent for c in "\r\n\0\x0b\x0c"):
        raise RunbookError(f"runbook {runbook.name!r}: header {key} would hold a line break")
    if sent != sent.strip(" \t"):
        raise RunbookError(
            f"runbook {runbook.name!r}: header {key} would start or end with a space, "
            "which HTTP cannot carry"
        )


def _refuse_dash_values(
    runbook: Runbook, alert: Alert | None, args: list[tuple[Part, ...]]
) -> None:
    """A value starting with "-" would be read as an option (`--output=/tmp/x`)."""
    if runbook.allow_dash_values:
        return
    for parts in args:
        for p in parts:
            if isinstance(p, Value) and p.text.startswith("-"):
                of = f" of alert {alert.alertname!r}" if alert is not None else ""
                raise RunbookError(
                    f"runbook {runbook.name!r} not run: {p.origin}{of} is {show_arg(p.text)}, "
                    f"which starts with '-' and could be read as an option by "
                    f"{show_arg(runbook.command[0])}. If such values are expected, put '--' "
                    "before the placeholder and set allow_dash_values = true"
                )


def plan_run(runbook: Runbook, alert: Alert | None, env: Mapping[str, str]) -> RunPlan:
    """Substitute the alert into the runbook. Raises RunbookError naming what is missing
    or refused, before anything runs."""
    environ = dict(env)
    if runbook.kind == "exec":
        if not runbook.command:
            raise RunbookError(f"runbook {runbook.name!r} has no command")
        args = [_parts(a, runbook, alert) for a in runbook.command]
        argv = tuple("".join(p.text for p in a if not isinstance(p, EnvRef)) for a in args)
        if any("\0" in a for a in argv):
            raise RunbookError(f"runbook {runbook.name!r}: an argument holds a NUL character")
        _refuse_dash_values(runbook, alert, args)
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
        headers = {
            k: _parts(v, runbook, alert, env_allowed=True) for k, v in runbook.headers.items()
        }
        for key, parts in headers.items():
            _check_header(runbook, key, parts, environ)
        return RunPlan(
            runbook=runbook,
            kind="http",
            fingerprint=alert.fingerprint if alert else None,
            url=url,
            method=runbook.method.upper(),
            header_parts=headers,
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
