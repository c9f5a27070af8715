"""plan_run: substitution, one argument per placeholder, no shell, redaction, linking."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_tui.config_types import Runbook
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.runbooks import RunbookError, plan_run, runbooks_for, show_arg


def alert(labels: dict[str, str], annotations: dict[str, str] | None = None) -> Alert:
    return Alert(
        fingerprint="abc123",
        labels={"alertname": "BackendDown", **labels},
        annotations=annotations or {},
        state="active",
        starts_at=0.0,
    )


RESTART = Runbook(
    name="restart",
    kind="exec",
    command=("systemctl", "restart", "{labels.service}", "--why={annotations.summary}"),
)

# Any text a label can carry except NUL (impossible in argv) and lone surrogates.
label_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), min_size=1
)


@given(value=label_text)
def test_a_label_value_stays_one_argument(value: str) -> None:
    if value.startswith("-"):
        with pytest.raises(RunbookError, match="starts with '-'"):
            plan_run(RESTART, alert({"service": value}, {"summary": "x"}), {})
        return
    plan = plan_run(RESTART, alert({"service": value}, {"summary": "x"}), {})
    assert plan.argv == ("systemctl", "restart", value, "--why=x")


@pytest.mark.parametrize(
    "value",
    ["two words", 'it\'s "quoted"', "api; rm -rf /", "a\nb", "$(reboot)", "`id`", "{labels.x}"],
)
def test_hostile_values_are_literal(value: str) -> None:
    plan = plan_run(RESTART, alert({"service": value}, {"summary": value}), {})
    assert plan.argv[2] == value
    assert plan.argv[3] == "--why=" + value
    assert len(plan.argv) == 4


def test_fingerprint_and_several_placeholders_in_one_argument() -> None:
    rb = Runbook(name="x", kind="exec", command=("echo", "{labels.a}-{labels.b}@{fingerprint}"))
    plan = plan_run(rb, alert({"a": "1", "b": "2"}), {})
    assert plan.argv == ("echo", "1-2@abc123")


def test_missing_label_is_named() -> None:
    with pytest.raises(RunbookError, match="label 'service'"):
        plan_run(RESTART, alert({}, {"summary": "s"}), {})
    with pytest.raises(RunbookError, match="annotation 'summary'"):
        plan_run(RESTART, alert({"service": "api"}), {})


def test_placeholder_without_alert_is_refused() -> None:
    with pytest.raises(RunbookError, match="needs an alert"):
        plan_run(RESTART, None, {})
    plain = Runbook(name="p", kind="exec", command=("true",))
    assert plan_run(plain, None, {}).argv == ("true",)


def test_describe_shows_argument_boundaries_and_control_characters() -> None:
    plan = plan_run(RESTART, alert({"service": "a b\n\x1b[31m"}, {"summary": "ok"}), {})
    text = plan.describe()
    assert "systemctl restart $'a b\\n\\x1b[31m' --why=ok" in text
    assert "\x1b" not in text
    assert show_arg("it's") == "'it'\"'\"'s'"


HOOK = Runbook(
    name="hook",
    kind="http",
    url="https://user:pw@rundeck.example/job/{labels.service}/run",
    headers={
        "X-Rundeck-Auth-Token": "${RUNDECK_TOKEN}",
        "Authorization": "Bearer literal-secret",
        "X-Team": "{labels.team}",
    },
    body={"options": {"service": "{labels.service}", "n": 3, "tags": ["{labels.team}", 1]}},
    timeout_s=30,
)


def test_http_body_is_substituted_recursively_and_keys_untouched() -> None:
    plan = plan_run(HOOK, alert({"service": 'a"b', "team": "t"}), {"RUNDECK_TOKEN": "s3cr3t"})
    assert plan.url == "https://user:pw@rundeck.example/job/a%22b/run"
    assert plan.body == {"options": {"service": 'a"b', "n": 3, "tags": ["t", 1]}}
    assert plan.headers["X-Team"] == "t"
    # ${ENV} stays unexpanded in the plan: it is expanded only when sent.
    assert plan.headers["X-Rundeck-Auth-Token"] == "${RUNDECK_TOKEN}"


def test_describe_redacts_secrets() -> None:
    plan = plan_run(HOOK, alert({"service": "api", "team": "t"}), {"RUNDECK_TOKEN": "s3cr3t"})
    text = plan.describe()
    for secret in ("s3cr3t", "literal-secret", ":pw@"):
        assert secret not in text
    assert "RUNDECK_TOKEN" in text  # says where the value comes from
    assert "POST https://user:<redacted>@rundeck.example/job/api/run" in text
    assert '"service": "api"' in text
    assert "X-Team: t" in text
    assert "pw" not in plan.target and "s3cr3t" not in repr(plan)


def test_unset_env_reference_is_named() -> None:
    with pytest.raises(RunbookError, match="RUNDECK_TOKEN"):
        plan_run(HOOK, alert({"service": "api", "team": "t"}), {})


def test_line_break_in_header_is_refused() -> None:
    with pytest.raises(RunbookError, match="line break"):
        plan_run(HOOK, alert({"service": "api", "team": "t\r\nX-Evil: 1"}), {"RUNDECK_TOKEN": "x"})


def test_runbooks_for_puts_linked_first() -> None:
    a = Runbook(name="a", kind="exec", command=("true",))
    b = Runbook(name="b", kind="exec", command=("true",), alerts=("BackendDown",))
    c = Runbook(name="c", kind="exec", command=("true",))
    d = Runbook(name="d", kind="exec", command=("true",))
    ordered, linked = runbooks_for(alert({"runbook": "d"}, {"runbook": "c"}), [a, b, c, d])
    assert [r.name for r in ordered] == ["b", "c", "d", "a"]
    assert linked == {"b", "c", "d"}
    ordered, linked = runbooks_for(None, [a, b])
    assert [r.name for r in ordered] == ["a", "b"] and linked == set()
    ordered, linked = runbooks_for(alert({}, {"runbook": "https://wiki/x"}), [a, c])
    assert linked == set()


@given(value=label_text)
def test_a_label_value_stays_one_url_segment(value: str) -> None:
    plan = plan_run(HOOK, alert({"service": value, "team": "t"}), {"RUNDECK_TOKEN": "x"})
    rest = plan.url.split("/job/", 1)[1]
    segment = rest.removesuffix("/run")
    assert "/" not in segment and "?" not in segment and "#" not in segment
    assert unquote(segment) == value
    assert plan.body == {"options": {"service": value, "n": 3, "tags": ["t", 1]}}


def test_describe_shows_control_characters_in_headers_as_escapes() -> None:
    plan = plan_run(HOOK, alert({"service": "api", "team": "\x1b[2J"}), {"RUNDECK_TOKEN": "x"})
    text = plan.describe()
    assert "\x1b" not in text and "X-Team: \\x1b[2J" in text


# -- hostile labels: no label becomes a secret or an option ------------------------------

EXFIL = Runbook(
    name="exfil",
    kind="http",
    url="http://127.0.0.1:9/hook/{labels.service}",
    headers={"X-Service": "{labels.service}", "Authorization": "Bearer ${HOOK_TOKEN}"},
    body={"service": "{labels.service}", "note": "${HOOK_TOKEN}"},
)
ENV = {"HOOK_TOKEN": "hook-s3cret", "PROM_TOKEN": "prom-s3cret"}


def test_a_label_never_pulls_in_an_environment_variable() -> None:
    plan = plan_run(EXFIL, alert({"service": "${PROM_TOKEN}"}), ENV)
    sent = plan.headers_to_send()
    assert sent["X-Service"] == "${PROM_TOKEN}"
    assert sent["Authorization"] == "Bearer hook-s3cret"
    assert plan.url.endswith("/hook/%24%7BPROM_TOKEN%7D")
    # ${ENV} is a header feature: in the body it is literal text, from config or label.
    assert plan.body == {"service": "${PROM_TOKEN}", "note": "${HOOK_TOKEN}"}
    text = plan.describe()
    assert "X-Service: ${PROM_TOKEN}" in text  # exactly what is sent, not "redacted"
    assert "Authorization: Bearer <${HOOK_TOKEN} redacted>" in text
    assert "prom-s3cret" not in text and "hook-s3cret" not in text


def test_a_placeholder_inside_a_value_is_not_substituted_again() -> None:
    rb = Runbook(name="x", kind="exec", command=("echo", "{labels.a}{labels.b}"))
    plan = plan_run(rb, alert({"a": "{labels.b}", "b": "{fingerprint}"}), {})
    assert plan.argv == ("echo", "{labels.b}{fingerprint}")


def test_sensitive_header_masks_only_the_configs_literal() -> None:
    rb = Runbook(
        name="h",
        kind="http",
        url="http://127.0.0.1:9/",
        headers={"X-Api-Key": "literal-key", "X-Token-For": "{labels.team}"},
    )
    text = plan_run(rb, alert({"team": "payments"}), {}).describe()
    assert "X-Api-Key: <redacted>" in text and "literal-key" not in text
    assert "X-Token-For: payments" in text


@pytest.mark.parametrize("value", ["--output=/tmp/PWNED", "-rf", "-"])
def test_a_value_starting_with_a_dash_is_refused_in_words(value: str) -> None:
    rb = Runbook(name="log", kind="exec", command=("git", "-C", "/srv", "log", "{labels.x}"))
    with pytest.raises(RunbookError) as info:
        plan_run(rb, alert({"x": value}), {})
    words = str(info.value)
    assert "{labels.x}" in words and "starts with '-'" in words and "allow_dash_values" in words
    assert "BackendDown" in words and "git" in words
    # The config's own dashes are fine; only substituted values are checked.
    assert plan_run(rb, alert({"x": "main"}), {}).argv[-1] == "main"


def test_allow_dash_values_lets_them_through() -> None:
    rb = Runbook(
        name="grep",
        kind="exec",
        command=("grep", "-e", "--", "{labels.x}"),
        allow_dash_values=True,
    )
    assert plan_run(rb, alert({"x": "-v"}), {}).argv == ("grep", "-e", "--", "-v")


def test_http_values_may_start_with_a_dash() -> None:
    rb = Runbook(
        name="h", kind="http", url="http://127.0.0.1:9/{labels.x}", body={"x": "{labels.x}"}
    )
    assert plan_run(rb, alert({"x": "-1"}), {}).body == {"x": "-1"}


@pytest.mark.parametrize("value", [" api", "api\t", "a\x0bb", "a\x0cb"])
def test_header_values_http_cannot_carry_are_refused(value: str) -> None:
    rb = Runbook(name="h", kind="http", url="http://127.0.0.1:9/", headers={"X": "{labels.x}"})
    with pytest.raises(RunbookError, match="header X would"):
        plan_run(rb, alert({"x": value}), {})


def test_an_environment_value_with_a_line_break_is_refused() -> None:
    with pytest.raises(RunbookError, match=r"HOOK_TOKEN.*line break"):
        plan_run(EXFIL, alert({"service": "api"}), {"HOOK_TOKEN": "a\r\nX-Evil: 1"})


def test_confirmation_shows_invisible_characters() -> None:
    plan = plan_run(EXFIL, alert({"service": "pay\u200bments"}), ENV)
    text = plan.describe()
    assert "X-Service: pay\\u200bments" in text and "\u200b" not in text
