"""Load the config: TOML file, then `ONCALL_TUI_*` environment variables, then flags.

Everything is validated once, here, into the frozen tree of `config_types`. A problem
is a `ConfigError` whose message is one line naming where (file, environment variable
or flag), the dotted key and what is wrong. Secrets are never read: the config holds
only the names of the environment variables and files that hold them, so a Config
can be printed or logged safely.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from oncall_tui import config_dash_load
from oncall_tui.config_table import (
    ConfigError,
    Table,
    show,
    url_problem,
)
from oncall_tui.config_types import (
    AckConfig,
    AlertmanagerConfig,
    BreakersConfig,
    Component,
    Config,
    ErrorsConfig,
    HealthConfig,
    HttpAuth,
    IncidentsConfig,
    LatencyConfig,
    PrometheusConfig,
    Runbook,
    RunbookStatsConfig,
    UiConfig,
    default_user,
)
from oncall_tui.durations import parse_duration
from oncall_tui.placeholders import ENV_REF, template_problem
from oncall_tui.ui.keys import KEY_IDS

__all__ = ["ConfigError", "default_config_path", "load_config"]

T = TypeVar("T")
ENV_PREFIX = "ONCALL_TUI_"
OVERRIDE_KEYS = ("prometheus_url", "alertmanager_urls", "read_only", "theme", "refresh_s")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def default_config_path(env: Mapping[str, str]) -> tuple[Path, bool]:
    """(path, explicit): `$ONCALL_TUI_CONFIG` (explicit), else the XDG config file."""
    named = env.get(ENV_PREFIX + "CONFIG")
    if named:
        return Path(named).expanduser(), True
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "oncall-tui" / "config.toml", False
    import platformdirs  # only needed when no path was given

    return Path(platformdirs.user_config_dir("oncall-tui")) / "config.toml", False


def _env_var(t: Table, key: str, name: str | None, env: Mapping[str, str]) -> None:
    """A secret's environment variable must be set when the config is loaded: a source
    without its credentials would only fail later, and less clearly."""
    if name is None:
        return
    if name not in env:
        raise t.fail(key, f"environment variable {name} is not set")
    if not env[name].strip():
        raise t.fail(key, f"environment variable {name} is empty")


def _headers(t: Table, name: str, env: Mapping[str, str] | None) -> dict[str, str]:
    """A header table: no line breaks (they would split the request), valid `${ENV}`
    references, and (for a source, `env` given) each of them set."""
    headers = t.string_map(name)
    for key, value in headers.items():
        where = f"{name}.{key}"
        if any(c in value for c in "\r\n\0"):
            raise t.fail(where, "a header value must not hold a line break")
        if any(c in key for c in "\r\n\0: "):
            raise t.fail(where, "not a valid header name")
        problem = template_problem(value, env_allowed=True)
        if problem:
            raise t.fail(where, problem)
        if env is not None:
            for m in ENV_REF.finditer(value):
                if m.group(1) not in env:
                    raise t.fail(where, f"environment variable {m.group(1)} is not set")
    return headers


def _auth(t: Table, env: Mapping[str, str]) -> HttpAuth:
    basic = t.table("basic_auth")
    username = basic.opt_string("username")
    password_env = basic.opt_string("password_env")
    basic.done()
    if (username is None) != (password_env is None):
        raise t.fail("basic_auth", 'needs both "username" and "password_env"')
    bearer_env = t.opt_string("bearer_token_env")
    bearer_file = t.path("bearer_token_file", must_exist=True)
    if bearer_env and bearer_file:
        raise t.fail("bearer_token_file", 'use either "bearer_token_env" or this, not both')
    if username and (bearer_env or bearer_file):
        raise t.fail("basic_auth", "use either basic_auth or a bearer token, not both")
    _env_var(t, "bearer_token_env", bearer_env, env)
    _env_var(basic, "password_env", password_env, env)
    max_mb = t.number("max_response_mb", HttpAuth.max_response_mb)
    if max_mb <= 0:
        raise t.fail("max_response_mb", f"must be more than 0, got {max_mb:g}")
    return HttpAuth(
        headers=_headers(t, "headers", env),
        bearer_token_env=bearer_env,
        bearer_token_file=bearer_file,
        basic_auth_username=username,
        basic_auth_password_env=password_env,
        tls_ca_file=t.path("tls_ca_file", must_exist=True),
        tls_skip_verify=t.boolean("tls_skip_verify", False),
        timeout_s=t.duration("timeout", HttpAuth.timeout_s),
        max_response_mb=max_mb,
    )


def _optional_slo(
    t: Table, name: str, default: float | None, read: Callable[[], float]
) -> float | None:
    """An SLO target, or `false` to switch that check off."""
    t.seen.add(name)  # known even when absent, for "did you mean"
    if t.data.get(name) is False:
        return None
    return read() if name in t.data else default


REDUCE_CHOICES = ("min", "avg", "max")
HISTOGRAM_TYPES = ("auto", "classic", "native")


def _choice(t: Table, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = t.string(name, default)
    if value not in choices:
        expected = ", ".join(f'"{c}"' for c in choices)
        raise t.fail(name, f"expected one of {expected}, got {show(value)}")
    return value


def _health(t: Table) -> HealthConfig:
    d = HealthConfig()
    components: list[Component] = []
    names: set[str] = set()
    for c in t.tables("components"):
        comp = Component(
            name=c.required("name"),
            query=c.required("query"),
            reduce=_choice(c, "reduce", "min", REDUCE_CHOICES),
        )
        c.done()
        if comp.name in names:
            raise c.fail("name", f"duplicate component name {show(comp.name)}")
        names.add(comp.name)
        components.append(comp)
    return HealthConfig(
        components=tuple(components),
        penalty_critical=t.number("penalty_critical", d.penalty_critical),
        penalty_warning=t.number("penalty_warning", d.penalty_warning),
        penalty_info=t.number("penalty_info", d.penalty_info),
        max_alert_penalty=t.number("max_alert_penalty", d.max_alert_penalty, high=100.0),
        slo_penalty=t.number("slo_penalty", d.slo_penalty, high=100.0),
        slo_terms=t.boolean("slo_terms", d.slo_terms),
    )


def _latency(t: Table) -> LatencyConfig:
    d = LatencyConfig()
    return LatencyConfig(
        histogram=t.string("histogram", d.histogram),
        histogram_type=_choice(t, "histogram_type", d.histogram_type, HISTOGRAM_TYPES),
        selector=t.string("selector", d.selector, nonempty=False),
        group_by=t.string("group_by", d.group_by),
        rate_window_s=t.duration("rate_window", d.rate_window_s),
        slo_p95_s=_optional_slo(t, "slo_p95", d.slo_p95_s, lambda: t.duration("slo_p95", 0.0)),
    )


def _errors(t: Table) -> ErrorsConfig:
    d = ErrorsConfig()
    return ErrorsConfig(
        query=t.string("query", d.query),
        slo=_optional_slo(t, "slo", d.slo, lambda: t.number("slo", 0.0, high=1.0)),
    )


def _breakers(t: Table) -> BreakersConfig:
    d = BreakersConfig()
    preset = t.string("preset", d.preset)
    if preset not in ("resilience4j", "generic"):
        raise t.fail("preset", f'expected "resilience4j" or "generic", got {show(preset)}')
    cfg = BreakersConfig(
        preset=preset,
        state_query=t.opt_string("state_query"),
        failures_query=t.opt_string("failures_query"),
        failure_rate_query=t.opt_string("failure_rate_query"),
        name_label=t.string("name_label", d.name_label),
        state_label=t.string("state_label", d.state_label),
    )
    if preset == "generic" and not cfg.state_query:
        raise t.fail("state_query", 'is required when preset = "generic"')
    return cfg


def _runbook_stats(t: Table) -> RunbookStatsConfig:
    d = RunbookStatsConfig()
    return RunbookStatsConfig(
        executions=t.string("executions", d.executions),
        duration=t.string("duration", d.duration),
        escalations=t.string("escalations", d.escalations),
        runbook_label=t.string("runbook_label", d.runbook_label),
        status_label=t.string("status_label", d.status_label),
        success_values=t.strings("success_values", d.success_values),
        top=t.positive_int("top", d.top),
    )


def _runbook(t: Table) -> Runbook:
    name = t.required("name")
    kind = t.required("kind")
    if kind not in ("exec", "http"):
        raise t.fail("kind", f'expected "exec" or "http", got {show(kind)}')
    # A key of the other kind is almost surely a mistake that would silently do nothing.
    other = ("method", "headers", "body") if kind == "exec" else ("env",)
    for key in other:
        if key in t.data:
            raise t.fail(key, f'is only used by kind "{"http" if kind == "exec" else "exec"}"')
    command = t.strings("command", ())
    url = t.opt_string("url")
    if kind == "exec":
        if not command or not command[0].strip():
            raise t.fail(
                "command",
                'kind "exec" needs a non-empty array like ["systemctl", "restart", "api"]',
            )
        if url is not None:
            raise t.fail("url", 'is only used by kind "http"')
    else:
        if url is None:
            raise t.fail("url", 'is required for kind "http"')
        # Kept exactly as written (a webhook may care about a trailing slash).
        problem = url_problem(url)
        if problem:
            raise t.fail("url", problem)
        if command:
            raise t.fail("command", 'is only used by kind "exec"')
    method = t.string("method", "POST").upper()
    if method not in HTTP_METHODS:
        raise t.fail("method", f"expected one of {', '.join(HTTP_METHODS)}, got {show(method)}")
    for i, arg in enumerate(command):
        _template(t, f"command[{i}]", arg)
    if url is not None:
        _template(t, "url", url)
    t.seen.add("body")
    body = t.data.get("body")
    _body_templates(t, "body", body)
    allow_dash = t.boolean("allow_dash_values", False)
    if allow_dash and kind != "exec":
        raise t.fail("allow_dash_values", 'is only used by kind "exec"')
    return Runbook(
        name=name,
        kind=kind,
        command=command,
        url=url,
        method=method,
        # ${ENV} of a runbook is checked when it runs: a runbook used once a month
        # must not keep the TUI from starting.
        headers=_headers(t, "headers", None),
        body=body,
        allow_dash_values=allow_dash,
        timeout_s=t.duration("timeout", Runbook.timeout_s),
        alerts=t.strings("alerts", ()),
        description=t.string("description", "", nonempty=False),
        env=t.string_map("env"),
    )


def _template(t: Table, key: str, text: str) -> None:
    problem = template_problem(text, env_allowed=False)
    if problem:
        raise t.fail(key, problem)


def _body_templates(t: Table, key: str, value: object) -> None:
    """Every string of a JSON body is a template (keys are sent as written)."""
    if isinstance(value, str):
        _template(t, key, value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _body_templates(t, f"{key}.{k}", v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _body_templates(t, f"{key}[{i}]", v)


def _section(root: Table, name: str, build: Callable[[Table], T]) -> T:
    t = root.table(name)
    value = build(t)
    t.done()
    return value


def _prometheus(t: Table, env: Mapping[str, str]) -> PrometheusConfig:
    return PrometheusConfig(url=t.url("url", PrometheusConfig.url), auth=_auth(t, env))


def _alertmanager(t: Table, env: Mapping[str, str]) -> AlertmanagerConfig:
    urls = t.strings("urls", AlertmanagerConfig.urls)
    if not urls:
        raise t.fail("urls", "needs at least one URL")
    return AlertmanagerConfig(urls=tuple(t.check_url("urls", u) for u in urls), auth=_auth(t, env))


def _incidents(t: Table) -> IncidentsConfig:
    return IncidentsConfig(
        lookback_s=t.duration("lookback", IncidentsConfig.lookback_s),
        refresh_s=t.duration("refresh", IncidentsConfig.refresh_s),
        grace_s=t.duration("grace", 0.0) if "grace" in t.data else None,
    )


def _ack(t: Table) -> AckConfig:
    return AckConfig(
        default_duration_s=t.duration("default_duration", AckConfig.default_duration_s),
        default_comment=t.string("default_comment", AckConfig.default_comment),
        until_resolved=t.boolean("until_resolved", AckConfig.until_resolved),
    )


def _keys(t: Table) -> tuple[tuple[str, str], ...]:
    """`[ui.keys]`: binding id = "key[,key...]" (Textual's key names)."""
    out = []
    for key_id in list(t.data):
        if key_id not in KEY_IDS:
            close = difflib.get_close_matches(key_id, sorted(KEY_IDS), n=1, cutoff=0.6)
            hint = (
                f'did you mean "{close[0]}"?'
                if close
                else "known ids: " + ", ".join(sorted(KEY_IDS))
            )
            raise t.fail(key_id, f"no key binding has this id; {hint}")
        value = t.string(key_id, "")
        keys = [k.strip() for k in value.split(",")]
        if not all(keys) or any(" " in k for k in keys):
            raise t.fail(
                key_id,
                f'expected key names like "k" or "ctrl+k,f5", got {show(value)}',
            )
        out.append((key_id, ",".join(keys)))
    return tuple(sorted(out))


def _ui(t: Table) -> UiConfig:
    return UiConfig(
        theme=t.string("theme", UiConfig.theme),
        window_s=t.duration("window", UiConfig.window_s),
        bell=t.boolean("bell", UiConfig.bell),
        desktop_notify=t.boolean("desktop_notify", UiConfig.desktop_notify),
        keys=_section(t, "keys", _keys),
    )


def _runbooks(root: Table) -> tuple[Runbook, ...]:
    runbooks: list[Runbook] = []
    names: set[str] = set()  # a set: 200k runbooks must load in linear time
    for t in root.tables("runbooks"):
        rb = _runbook(t)
        t.done()
        if rb.name in names:
            raise t.fail("name", f"duplicate runbook name {show(rb.name)}")
        names.add(rb.name)
        runbooks.append(rb)
    return tuple(runbooks)


def _from_toml(root: Table, env: Mapping[str, str]) -> Config:
    """The Config a parsed TOML document describes (before env and flags); `env` is
    where the secrets it names must be set."""
    cfg = Config(
        refresh_s=root.duration("refresh", Config.refresh_s),
        user=root.string("user", default_user()),
        read_only=root.boolean("read_only", Config.read_only),
        prometheus=_section(root, "prometheus", lambda t: _prometheus(t, env)),
        alertmanager=_section(root, "alertmanager", lambda t: _alertmanager(t, env)),
        health=_section(root, "health", _health),
        latency=_section(root, "latency", _latency),
        errors=_section(root, "errors", _errors),
        circuit_breakers=_section(root, "circuit_breakers", _breakers),
        runbook_stats=_section(root, "runbook_stats", _runbook_stats),
        incidents=_section(root, "incidents", _incidents),
        runbooks=_runbooks(root),
        ack=_section(root, "ack", _ack),
        ui=_section(root, "ui", _ui),
        slos=config_dash_load.slos(root),
        slo_discovery=_section(root, "slo_discovery", config_dash_load.slo_discovery),
        panels=config_dash_load.panels(root),
        journal_path=root.path("journal"),
    )
    root.done()
    return cfg


def _read_file(path: Path, explicit: bool) -> dict[str, Any] | None:
    """The parsed TOML at `path`; None when a default (not explicit) file is absent."""
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(where, None, "file not found") from None
        return None
    except OSError as e:
        raise ConfigError(where, None, f"cannot read the file: {e.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(where, None, "the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        # tomllib's message ends with "(at line L, column C)".
        raise ConfigError(where, None, f"TOML syntax error: {e}") from None


def _env_bool(name: str, value: str) -> bool:
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ConfigError(
        f"environment variable {name}",
        None,
        f"expected 1/true/yes or 0/false/no, got {show(value)}",
    )


def _checked_url(where: str, value: str) -> str:
    problem = url_problem(value.strip())
    if problem:
        raise ConfigError(where, None, problem)
    return value.strip().rstrip("/")


def _refresh(where: str, value: str | float) -> float:
    try:
        seconds = parse_duration(value)
    except ValueError as e:
        raise ConfigError(where, None, str(e)) from None
    if seconds <= 0:
        raise ConfigError(where, None, f"must be longer than 0, got {show(value)}")
    return seconds


def _apply_env(cfg: Config, env: Mapping[str, str]) -> Config:
    """`ONCALL_TUI_*` variables over the file's values. Empty variables are ignored."""

    def var(suffix: str) -> tuple[str, str] | None:
        name = ENV_PREFIX + suffix
        value = env.get(name, "")
        return (name, value) if value.strip() else None

    if v := var("PROMETHEUS_URL"):
        url = _checked_url(f"environment variable {v[0]}", v[1])
        cfg = replace(cfg, prometheus=replace(cfg.prometheus, url=url))
    if v := var("ALERTMANAGER_URLS"):
        where = f"environment variable {v[0]}"
        urls = tuple(_checked_url(where, u) for u in v[1].split(",") if u.strip())
        cfg = replace(cfg, alertmanager=replace(cfg.alertmanager, urls=urls))
    if v := var("REFRESH"):
        cfg = replace(cfg, refresh_s=_refresh(f"environment variable {v[0]}", v[1]))
    if v := var("READ_ONLY"):
        cfg = replace(cfg, read_only=_env_bool(*v))
    if v := var("USER"):
        cfg = replace(cfg, user=v[1].strip())
    if v := var("THEME"):
        cfg = replace(cfg, ui=replace(cfg.ui, theme=v[1].strip()))
    if v := var("JOURNAL"):
        cfg = replace(cfg, journal_path=str(Path(v[1].strip()).expanduser().absolute()))
    return cfg


def _apply_overrides(cfg: Config, overrides: Mapping[str, object]) -> Config:
    """Command-line flags, the last word. A None value means "flag not given"."""
    unknown = set(overrides) - set(OVERRIDE_KEYS)
    if unknown:  # a programming error, not a user's
        raise ValueError(f"unknown override keys: {sorted(unknown)}")
    o = {k: v for k, v in overrides.items() if v is not None}
    if "prometheus_url" in o:
        url = _checked_url("flag --prometheus", str(o["prometheus_url"]))
        cfg = replace(cfg, prometheus=replace(cfg.prometheus, url=url))
    if "alertmanager_urls" in o:
        value = o["alertmanager_urls"]
        raw = [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        urls = tuple(_checked_url("flag --alertmanager", str(u)) for u in raw)
        if urls:
            cfg = replace(cfg, alertmanager=replace(cfg.alertmanager, urls=urls))
    if "read_only" in o:
        cfg = replace(cfg, read_only=bool(o["read_only"]))
    if "theme" in o:
        cfg = replace(cfg, ui=replace(cfg.ui, theme=str(o["theme"])))
    if "refresh_s" in o:
        value = o["refresh_s"]
        if not isinstance(value, str | int | float):
            raise ValueError(f"refresh_s must be a number, got {value!r}")
        cfg = replace(cfg, refresh_s=_refresh("flag --refresh", value))
    return cfg


def load_config(
    path: str | None,
    env: Mapping[str, str],
    overrides: Mapping[str, object] | None = None,
) -> Config:
    """The validated Config: defaults < TOML file < `ONCALL_TUI_*` env < `overrides`.

    `path` None means `$ONCALL_TUI_CONFIG`, else the XDG config file; a missing default
    file just means defaults, a missing explicitly named file is an error.
    Raises ConfigError.
    """
    if path is not None:
        file, explicit = Path(path).expanduser(), True
    else:
        file, explicit = default_config_path(env)
    file = file.absolute()
    data = _read_file(file, explicit)
    if data is None:
        cfg = Config()
    else:
        cfg = replace(
            _from_toml(Table(data, "", str(file), file.parent), env), source_file=str(file)
        )
    cfg = _apply_env(cfg, env)
    return _apply_overrides(cfg, overrides or {})
