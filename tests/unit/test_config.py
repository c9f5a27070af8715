"""load_config: TOML + env + flags into the typed tree, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_tui.config import ConfigError, _from_toml, default_config_path, load_config
from oncall_tui.config_table import Table
from oncall_tui.config_types import Config

EXAMPLE = Path(__file__).parents[2] / "examples" / "config.toml"

SECRETS = {"PROM_TOKEN": "tok", "AM_PASS": "pw"}
"""The environment variables FULL names: they must be set when it is loaded."""
FULL = """
refresh = "2s"
user = "alice"
read_only = true
journal = "state/journal.sqlite3"

[prometheus]
url = "http://127.0.0.1:9090/"
headers = { "X-Scope-OrgID" = "team-a" }
bearer_token_env = "PROM_TOKEN"
tls_skip_verify = true
timeout = "3s"

[alertmanager]
urls = ["http://127.0.0.1:9093", "https://am2.example:9093"]
basic_auth = { username = "u", password_env = "AM_PASS" }

[health]
penalty_critical = 15
max_alert_penalty = 50.5

[[health.components]]
name = "API Gateway"
query = 'avg_over_time(up{job="api"}[1h])'

[latency]
histogram = "rpc_seconds"
selector = '{job="api"}'
group_by = "route"
rate_window = "1m"
slo_p95 = "250ms"

[errors]
slo = 0.02

[circuit_breakers]
preset = "generic"
state_query = "breaker_state"
name_label = "breaker"

[runbook_stats]
top = 3
success_values = ["ok"]

[incidents]
lookback = "3d"
refresh = "30s"

[[runbooks]]
name = "restart-api"
kind = "exec"
command = ["systemctl", "restart", "{labels.service}"]
timeout = "2m"
alerts = ["APIHighErrorRate"]
env = { LANG = "C" }

[[runbooks]]
name = "rundeck"
kind = "http"
url = "https://rundeck.example/api/41/job/abc/run/"
method = "put"
headers = { "X-Rundeck-Auth-Token" = "${RUNDECK_TOKEN}" }
body = { options = { service = "{labels.service}" } }

[ack]
default_duration = "30m"
default_comment = "on it"
until_resolved = true

[ui]
theme = "oncall-light"
window = "6h"
bell = false
desktop_notify = true
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def error(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env or {}, {})
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("config error in ")
    return message


def test_full_file(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, FULL), dict(SECRETS), {})
    assert cfg.refresh_s == 2.0
    assert cfg.user == "alice"
    assert cfg.read_only is True
    assert cfg.journal_path == str(tmp_path / "state" / "journal.sqlite3")
    assert cfg.source_file == str(tmp_path / "config.toml")
    assert cfg.prometheus.url == "http://127.0.0.1:9090"
    assert cfg.prometheus.auth.headers == {"X-Scope-OrgID": "team-a"}
    assert cfg.prometheus.auth.bearer_token_env == "PROM_TOKEN"
    assert cfg.prometheus.auth.tls_skip_verify is True
    assert cfg.prometheus.auth.timeout_s == 3.0
    assert cfg.alertmanager.urls == ("http://127.0.0.1:9093", "https://am2.example:9093")
    assert cfg.alertmanager.auth.basic_auth_username == "u"
    assert cfg.alertmanager.auth.basic_auth_password_env == "AM_PASS"
    assert cfg.health.penalty_critical == 15.0
    assert cfg.health.max_alert_penalty == 50.5
    assert cfg.health.components[0].name == "API Gateway"
    assert cfg.latency.histogram == "rpc_seconds"
    assert cfg.latency.group_by == "route"
    assert cfg.latency.rate_window_s == 60.0
    assert cfg.latency.slo_p95_s == 0.25
    assert cfg.errors.slo == 0.02
    assert cfg.circuit_breakers.preset == "generic"
    assert cfg.circuit_breakers.name_label == "breaker"
    assert cfg.runbook_stats.top == 3
    assert cfg.runbook_stats.success_values == ("ok",)
    assert cfg.incidents.lookback_s == 3 * 86400
    assert cfg.incidents.refresh_s == 30.0
    exec_rb, http_rb = cfg.runbooks
    assert exec_rb.command == ("systemctl", "restart", "{labels.service}")
    assert exec_rb.timeout_s == 120.0 * 1 and exec_rb.alerts == ("APIHighErrorRate",)
    assert exec_rb.env == {"LANG": "C"}
    assert http_rb.url == "https://rundeck.example/api/41/job/abc/run/"  # kept as written
    assert http_rb.method == "PUT"
    assert http_rb.body == {"options": {"service": "{labels.service}"}}
    assert cfg.ack.default_duration_s == 1800.0
    assert cfg.ack.until_resolved is True
    assert cfg.ui.theme == "oncall-light" and cfg.ui.window_s == 6 * 3600
    assert cfg.ui.bell is False and cfg.ui.desktop_notify is True


def test_empty_file_is_defaults(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, ""), {}, {})
    defaults = Config()
    assert cfg.prometheus == defaults.prometheus
    assert cfg.latency == defaults.latency
    assert cfg.runbooks == ()


def test_the_shipped_example_loads() -> None:
    cfg = load_config(str(EXAMPLE), {}, {})
    assert cfg.runbooks, "the example shows runbooks"


def test_slo_false_switches_the_check_off(tmp_path: Path) -> None:
    cfg = load_config(
        write(tmp_path, "[latency]\nslo_p95 = false\n[errors]\nslo = false\n"), {}, {}
    )
    assert cfg.latency.slo_p95_s is None
    assert cfg.errors.slo is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refresh = 5", 'key "refresh": expected a duration like "300ms", "30s", "5m", got 5'),
        ("[latency]\nslo_p95 = 5", 'key "latency.slo_p95": expected a duration like "300ms"'),
        (
            'refresh = "fast"',
            'key "refresh": expected a duration like "300ms", "30s", "5m", "1h30m", "7d", '
            'got "fast"',
        ),
        ('refresh = "0s"', 'key "refresh": must be longer than 0, got "0s"'),
        ('refresh = "30m1h"', 'key "refresh": units in "30m1h" must go from largest'),
        ('read_only = "yes"', 'key "read_only": expected true or false, got "yes"'),
        ("user = 7", 'key "user": expected a string, got 7'),
        ('user = ""', 'key "user": must not be empty'),
        ("prometheus = 3", 'key "prometheus": expected a table, got 3'),
        (
            "[prometheus]\nheaders = { a = 1 }",
            'key "prometheus.headers": expected a table of strings',
        ),
        (
            '[alertmanager]\nurls = "http://x"',
            'key "alertmanager.urls": expected an array of strings, got "http://x"',
        ),
        ("[alertmanager]\nurls = []", 'key "alertmanager.urls": needs at least one URL'),
        (
            "[health]\npenalty_critical = -1",
            'key "health.penalty_critical": must be at least 0, got -1',
        ),
        ("[health]\nslo_penalty = true", 'key "health.slo_penalty": expected a number, got true'),
        ("[errors]\nslo = 2", 'key "errors.slo": must be between 0 and 1, got 2'),
        (
            "[runbook_stats]\ntop = 0",
            'key "runbook_stats.top": expected a whole number of at least 1, got 0',
        ),
        ('[[health.components]]\nname = "x"', 'key "health.components[0].query": is required'),
        (
            '[health]\ncomponents = { name = "x" }',
            'key "health.components": expected an array of tables ([[health.components]])',
        ),
        (
            '[[health.components]]\nname = "a"\nquery = "up"\n'
            '[[health.components]]\nname = "a"\nquery = "up"',
            'key "health.components[1].name": duplicate component name "a"',
        ),
    ],
)
def test_wrong_values(tmp_path: Path, text: str, expected: str) -> None:
    message = error(tmp_path, text)
    assert f"config error in {tmp_path / 'config.toml'}: {expected}" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('refesh = "5s"', 'key "refesh": unknown key; did you mean "refresh"?'),
        ('[ui]\nwindw = "1h"', 'key "ui.windw": unknown key; did you mean "window"?'),
        (
            '[latency]\nslo_p59 = "1s"',
            'key "latency.slo_p59": unknown key; did you mean "slo_p95"?',
        ),
        (
            '[prometheus]\nurls = ["http://x"]',
            'key "prometheus.urls": unknown key; did you mean "url"?',
        ),
        ("zzz = 1", 'key "zzz": unknown key; known keys here: '),
        (
            '[prometheus.basic_auth]\nusername = "u"\npassword = "hunter2"',
            'key "prometheus.basic_auth.password": do not put the password in the config',
        ),
        (
            '[prometheus]\nbearer_token = "abc"',
            'key "prometheus.bearer_token": do not put the token in the config',
        ),
    ],
)
def test_unknown_keys(tmp_path: Path, text: str, expected: str) -> None:
    message = error(tmp_path, text)
    assert expected in message
    assert "hunter2" not in message and 'abc"' not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[prometheus]\nurl = "ftp://x"',
            'key "prometheus.url": expected an http:// or https:// URL, got "ftp://x"',
        ),
        (
            '[prometheus]\nurl = "localhost:9090"',
            'key "prometheus.url": expected an http:// or https:// URL',
        ),
        ('[prometheus]\nurl = "http://"', 'key "prometheus.url": URL has no host'),
        ('[prometheus]\nurl = "http://h:99999"', 'key "prometheus.url": not a valid URL'),
        (
            '[alertmanager]\nurls = ["http://ok", "gopher://x"]',
            'key "alertmanager.urls": expected an http:// or https:// URL, got "gopher://x"',
        ),
        (
            '[alertmanager]\nurls = ["http://u:secret@h"]',
            'key "alertmanager.urls": URL must not contain credentials',
        ),
    ],
)
def test_bad_urls(tmp_path: Path, text: str, expected: str) -> None:
    message = error(tmp_path, text)
    assert expected in message
    assert "secret" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[prometheus.basic_auth]\nusername = "u"',
            'key "prometheus.basic_auth": needs both "username" and "password_env"',
        ),
        (
            '[prometheus]\nbearer_token_env = "T"\n'
            'basic_auth = { username = "u", password_env = "P" }',
            'key "prometheus.basic_auth": use either basic_auth or a bearer token',
        ),
        (
            '[prometheus]\nbearer_token_file = "missing-token"',
            'key "prometheus.bearer_token_file": file not found',
        ),
        (
            '[alertmanager]\ntls_ca_file = "/nonexistent/ca.pem"',
            'key "alertmanager.tls_ca_file": file not found: "/nonexistent/ca.pem"',
        ),
        (
            '[circuit_breakers]\npreset = "hystrix"',
            'key "circuit_breakers.preset": expected "resilience4j" or "generic", got "hystrix"',
        ),
        (
            '[circuit_breakers]\npreset = "generic"',
            'key "circuit_breakers.state_query": is required when preset = "generic"',
        ),
    ],
)
def test_auth_and_breakers(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error(tmp_path, text)


def test_existing_token_file_is_resolved_next_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("s3cret")
    cfg = load_config(write(tmp_path, '[prometheus]\nbearer_token_file = "token"'), {}, {})
    assert cfg.prometheus.auth.bearer_token_file == str(tmp_path / "token")
    assert "s3cret" not in repr(cfg)  # the file's content is never read into the config


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[runbooks]]\nkind = "exec"\ncommand = ["x"]', 'key "runbooks[0].name": is required'),
        ('[[runbooks]]\nname = "a"\ncommand = ["x"]', 'key "runbooks[0].kind": is required'),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = ["x"]\nbody = {}',
            'key "runbooks[0].body": is only used by kind "http"',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "http"\nurl = "http://h"\nenv = {}',
            'key "runbooks[0].env": is only used by kind "exec"',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "shell"',
            'key "runbooks[0].kind": expected "exec" or "http", got "shell"',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"',
            'key "runbooks[0].command": kind "exec" needs a non-empty array',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = []',
            'key "runbooks[0].command": kind "exec" needs a non-empty array',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = "rm -rf /"',
            'key "runbooks[0].command": expected an array of strings, got "rm -rf /"',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = ["x", 1]',
            'key "runbooks[0].command": expected an array of strings, got an array',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = ["x"]\nurl = "http://h"',
            'key "runbooks[0].url": is only used by kind "http"',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "http"',
            'key "runbooks[0].url": is required for kind "http"',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "http"\nurl = "file:///etc/passwd"',
            'key "runbooks[0].url": expected an http:// or https:// URL',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "http"\nurl = "http://h"\ncommand = ["x"]',
            'key "runbooks[0].command": is only used by kind "exec"',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "http"\nurl = "http://h"\nmethod = "FETCH"',
            'key "runbooks[0].method": expected one of GET, POST, PUT, PATCH, DELETE, got "FETCH"',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = ["x"]\ntimeout = "0s"',
            'key "runbooks[0].timeout": must be longer than 0',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = ["x"]\ncomand = ["y"]',
            'key "runbooks[0].comand": unknown key; did you mean "command"?',
        ),
        (
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = ["x"]\n'
            '[[runbooks]]\nname = "a"\nkind = "exec"\ncommand = ["y"]',
            'key "runbooks[1].name": duplicate runbook name "a"',
        ),
    ],
)
def test_runbooks(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error(tmp_path, text)


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    message = error(tmp_path, 'refresh = "5s"\nuser = \n')
    assert "TOML syntax error" in message
    assert "line 2" in message and "column" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'user = "\xff"')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(str(path), {}, {})


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path / "nope.toml"), {}, {})
    assert str(info.value) == f"config error in {tmp_path / 'nope.toml'}: file not found"


def test_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(str(tmp_path), {}, {})


def test_missing_default_file_means_defaults(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert default_config_path(env) == (tmp_path / "oncall-tui" / "config.toml", False)
    cfg = load_config(None, env, {})
    assert cfg.source_file is None
    assert cfg.prometheus.url == Config().prometheus.url


def test_default_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "oncall-tui").mkdir()
    (tmp_path / "oncall-tui" / "config.toml").write_text('user = "bob"')
    cfg = load_config(None, {"XDG_CONFIG_HOME": str(tmp_path)}, {})
    assert cfg.user == "bob"
    assert cfg.source_file == str(tmp_path / "oncall-tui" / "config.toml")


def test_config_env_var_names_an_explicit_file(tmp_path: Path) -> None:
    env = {"ONCALL_TUI_CONFIG": str(tmp_path / "missing.toml"), "XDG_CONFIG_HOME": str(tmp_path)}
    with pytest.raises(ConfigError, match="file not found"):
        load_config(None, env, {})
    env["ONCALL_TUI_CONFIG"] = write(tmp_path, 'user = "carol"')
    assert load_config(None, env, {}).user == "carol"


def test_env_overrides_the_file(tmp_path: Path) -> None:
    env = {
        "ONCALL_TUI_PROMETHEUS_URL": "http://127.0.0.1:19090",
        "ONCALL_TUI_ALERTMANAGER_URLS": "http://127.0.0.1:1, http://127.0.0.1:2/,",
        "ONCALL_TUI_REFRESH": "10",
        "ONCALL_TUI_READ_ONLY": "yes",
        "ONCALL_TUI_USER": "dave",
        "ONCALL_TUI_THEME": "oncall-light",
        "ONCALL_TUI_JOURNAL": str(tmp_path / "j.sqlite3"),
        "ONCALL_TUI_PROMETHEUS_BIN": "/not/ours",  # other ONCALL_TUI_ variables are ignored
    }
    cfg = load_config(write(tmp_path, FULL), {**SECRETS, **env}, {})
    assert cfg.prometheus.url == "http://127.0.0.1:19090"
    assert cfg.prometheus.auth.bearer_token_env == "PROM_TOKEN"  # the rest of the file stays
    assert cfg.alertmanager.urls == ("http://127.0.0.1:1", "http://127.0.0.1:2")
    assert cfg.refresh_s == 10.0
    assert cfg.read_only is True
    assert cfg.user == "dave"
    assert cfg.ui.theme == "oncall-light"
    assert cfg.journal_path == str(tmp_path / "j.sqlite3")
    assert (
        load_config(write(tmp_path, FULL), {**SECRETS, "ONCALL_TUI_READ_ONLY": "0"}, {}).read_only
        is False
    )
    assert (
        load_config(write(tmp_path, FULL), {**SECRETS, "ONCALL_TUI_REFRESH": "1m"}, {}).refresh_s
        == 60
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ONCALL_TUI_REFRESH", "soon", 'expected a duration like "300ms"'),
        ("ONCALL_TUI_REFRESH", "0", "must be longer than 0"),
        ("ONCALL_TUI_READ_ONLY", "maybe", 'expected 1/true/yes or 0/false/no, got "maybe"'),
        ("ONCALL_TUI_PROMETHEUS_URL", "localhost:9090", "expected an http:// or https:// URL"),
        ("ONCALL_TUI_ALERTMANAGER_URLS", "http://ok,nope", 'got "nope"'),
    ],
)
def test_bad_env_values_name_the_variable(
    tmp_path: Path, name: str, value: str, expected: str
) -> None:
    message = error(tmp_path, "", env={name: value})
    assert message.startswith(f"config error in environment variable {name}: ")
    assert expected in message


def test_flags_win_over_env_and_file(tmp_path: Path) -> None:
    env = {"ONCALL_TUI_PROMETHEUS_URL": "http://127.0.0.1:1", "ONCALL_TUI_READ_ONLY": "true"}
    overrides: dict[str, object] = {
        "prometheus_url": "http://127.0.0.1:2",
        "alertmanager_urls": ["http://127.0.0.1:3", "http://127.0.0.1:4"],
        "read_only": False,
        "theme": "flag-theme",
        "refresh_s": 0.5,
    }
    cfg = load_config(write(tmp_path, FULL), {**SECRETS, **env}, overrides)
    assert cfg.prometheus.url == "http://127.0.0.1:2"
    assert cfg.alertmanager.urls == ("http://127.0.0.1:3", "http://127.0.0.1:4")
    assert cfg.read_only is False
    assert cfg.ui.theme == "flag-theme"
    assert cfg.refresh_s == 0.5


def test_absent_flags_change_nothing(tmp_path: Path) -> None:
    overrides: dict[str, object] = {k: None for k in ("prometheus_url", "read_only", "refresh_s")}
    cfg = load_config(write(tmp_path, FULL), dict(SECRETS), overrides)
    assert cfg.prometheus.url == "http://127.0.0.1:9090"
    assert cfg.read_only is True and cfg.refresh_s == 2.0


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [
        ("prometheus_url", "ftp://x", "flag --prometheus"),
        ("alertmanager_urls", ["http://ok", "x"], "flag --alertmanager"),
        ("refresh_s", 0, "flag --refresh"),
    ],
)
def test_bad_flags_name_the_flag(tmp_path: Path, key: str, value: object, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, ""), {}, {key: value})
    assert str(info.value).startswith(f"config error in {where}: ")


def test_unknown_override_key_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown override"):
        load_config(write(tmp_path, ""), {}, {"prometheus": "http://x"})


def test_config_never_holds_secrets(tmp_path: Path) -> None:
    env = {"PROM_TOKEN": "tok-123", "AM_PASS": "pw-456"}
    cfg = load_config(write(tmp_path, FULL), {**SECRETS, **env}, {})
    assert "tok-123" not in repr(cfg) and "pw-456" not in repr(cfg)


_KEYS = [
    "refresh",
    "user",
    "read_only",
    "journal",
    "url",
    "urls",
    "headers",
    "timeout",
    "basic_auth",
    "username",
    "password_env",
    "bearer_token_env",
    "tls_skip_verify",
    "components",
    "name",
    "query",
    "penalty_critical",
    "histogram",
    "slo_p95",
    "slo",
    "preset",
    "state_query",
    "top",
    "kind",
    "command",
    "method",
    "body",
    "alerts",
    "env",
    "default_duration",
    "window",
    "bell",
    "refesh",
]
_SECTIONS = [
    "prometheus",
    "alertmanager",
    "health",
    "latency",
    "errors",
    "circuit_breakers",
    "runbook_stats",
    "incidents",
    "runbooks",
    "ack",
    "ui",
]
_scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["5s", "http://h", "exec", "http", "generic", ""]),
    st.integers(-3, 3),
    st.floats(allow_nan=True),
    st.booleans(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4),
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(_KEYS + _SECTIONS), _values, max_size=6))
@settings(max_examples=300, deadline=None)
def test_any_document_gives_a_config_or_a_config_error(data: dict[str, object]) -> None:
    """Whatever shape the TOML has, the answer is a Config or one ConfigError line."""
    try:
        cfg = _from_toml(Table(data, "", "/x/config.toml", Path("/x")), {})
    except ConfigError as e:
        assert "\n" not in str(e) and str(e).startswith("config error in /x/config.toml: ")
    else:
        assert isinstance(cfg, Config)


# -- hostile configs: refused at load time, with the key named --------------------------


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (
            '[[runbooks]]\nname = "x"\nkind = "exec"\ncommand = ["echo", "{labels.a"]',
            "runbooks[0].command[1]",
            "unclosed placeholder '{labels.a' (missing '}')",
        ),
        (
            '[[runbooks]]\nname = "x"\nkind = "http"\nurl = "http://h/{labels.a-b}"',
            "runbooks[0].url",
            "'{labels.a-b}' is not a placeholder",
        ),
        (
            '[[runbooks]]\nname = "x"\nkind = "http"\nurl = "http://h/"\n'
            'body = { o = ["{annotations.s"] }',
            "runbooks[0].body.o[0]",
            "unclosed placeholder",
        ),
        (
            '[[runbooks]]\nname = "x"\nkind = "http"\nurl = "http://h/"\n'
            'headers = { X = "a\\r\\nX-Evil: 1" }',
            "runbooks[0].headers.X",
            "must not hold a line break",
        ),
        (
            '[[runbooks]]\nname = "x"\nkind = "http"\nurl = "http://h/"\n'
            'headers = { X = "${TOKEN" }',
            "runbooks[0].headers.X",
            "not a valid ${NAME} reference",
        ),
        (
            '[prometheus]\nheaders = { "X-Scope-OrgID" = "a\\nb" }',
            "prometheus.headers.X-Scope-OrgID",
            "must not hold a line break",
        ),
        (
            '[prometheus]\nheaders = { "X-Scope-OrgID" = "${I9_UNSET}" }',
            "prometheus.headers.X-Scope-OrgID",
            "environment variable I9_UNSET is not set",
        ),
        (
            '[prometheus]\nbearer_token_env = "I9_UNSET"',
            "prometheus.bearer_token_env",
            "environment variable I9_UNSET is not set",
        ),
        (
            '[alertmanager]\nbasic_auth = { username = "u", password_env = "I9_UNSET" }',
            "alertmanager.basic_auth.password_env",
            "environment variable I9_UNSET is not set",
        ),
        ("[prometheus]\nmax_response_mb = 0", "prometheus.max_response_mb", "more than 0"),
        (
            '[[runbooks]]\nname = "x"\nkind = "http"\nurl = "http://h/"\nallow_dash_values = true',
            "runbooks[0].allow_dash_values",
            'only used by kind "exec"',
        ),
    ],
)
def test_hostile_templates_and_unset_secrets_are_refused(
    tmp_path: Path, text: str, key: str, words: str
) -> None:
    message = error(tmp_path, text)
    assert f'key "{key}": ' in message and words in message, message


def test_set_secrets_and_dash_option_load(tmp_path: Path) -> None:
    text = (
        '[prometheus]\nbearer_token_env = "I9_TOKEN"\nmax_response_mb = 8\n'
        '[[runbooks]]\nname = "x"\nkind = "exec"\n'
        'command = ["grep", "--", "{labels.a}", "${NOT_EXPANDED_IN_ARGV}", "{\\"json\\": 1}"]\n'
        "allow_dash_values = true\n"
    )
    cfg = load_config(write(tmp_path, text), {"I9_TOKEN": "t"}, {})
    assert cfg.prometheus.auth.max_response_mb == 8.0
    assert cfg.runbooks[0].allow_dash_values is True


def test_many_runbooks_load_and_duplicates_are_still_found(tmp_path: Path) -> None:
    """Many runbooks (the duplicate check was quadratic: 200k took minutes); speed itself
    is measured in benchmarks/, this checks the set-based check still finds the twin."""
    many = "".join(
        f'[[runbooks]]\nname = "r{i}"\nkind = "exec"\ncommand = ["true", "{{labels.x}}"]\n'
        for i in range(2_000)
    )
    assert len(load_config(write(tmp_path, many), {}, {}).runbooks) == 2_000
    twin = many + '[[runbooks]]\nname = "r7"\nkind = "exec"\ncommand = ["true"]\n'
    message = error(tmp_path, twin)
    assert 'key "runbooks[2000].name": duplicate runbook name "r7"' in message


def test_ui_keys_remap_by_binding_id(tmp_path: Path) -> None:
    cfg = load_config(
        write(tmp_path, '[ui.keys]\nack = "k"\npause = " P , f5 "\nwindow_7d = "7"'), {}, {}
    )
    assert cfg.ui.keys == (("ack", "k"), ("pause", "P,f5"), ("window_7d", "7"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[ui.keys]\nakc = "k"',
            'key "ui.keys.akc": no key binding has this id; did you mean "ack"?',
        ),
        (
            '[ui.keys]\nzzzz = "k"',
            'key "ui.keys.zzzz": no key binding has this id; known ids: ack,',
        ),
        ('[ui.keys]\nack = ""', 'key "ui.keys.ack": must not be empty'),
        ('[ui.keys]\nack = "k,"', 'key "ui.keys.ack": expected key names like "k" or "ctrl+k,f5"'),
        ('[ui.keys]\nack = "ctrl k"', 'key "ui.keys.ack": expected key names'),
        ("[ui.keys]\nack = 3", 'key "ui.keys.ack": expected a string'),
        ('[ui]\nkeys = "a"', 'key "ui.keys": expected a table'),
    ],
)
def test_ui_keys_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), {}, {})
    assert expected in str(info.value)
