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
