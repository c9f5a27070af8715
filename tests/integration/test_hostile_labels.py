"""Hostile labels against a real webhook: what is sent is the template, with each value
exactly where its placeholder was, and nothing else -- no `${ENV}` pulled in by a label,
no second substitution, no header split. `RawEcho` records the request bytes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes import RawEcho
from oncall_tui.config_types import Runbook
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.runbooks import RunbookError, execute, plan_run

ENV = {"HOOK_TOKEN": "hook-s3cret", "PROM_TOKEN": "prom-s3cret-token"}


@pytest.fixture(scope="module")
def echo() -> Iterator[RawEcho]:
    server = RawEcho()
    yield server
    server.close()


def hook(url: str) -> Runbook:
    return Runbook(
        name="hook",
        kind="http",
        url=url + "/hook/{labels.service}?team={labels.team}",
        headers={
            "X-Service": "{labels.service}",
            "X-Mixed": "pre-{labels.service}-${HOOK_TOKEN}-{labels.team}-post",
            "Authorization": "Bearer ${HOOK_TOKEN}",
        },
        body={"service": "{labels.service}", "both": ["{labels.service}{labels.team}", 7]},
    )


def alert(labels: dict[str, str]) -> Alert:
    return Alert("fp1", {"alertname": "X", **labels}, {}, "active", 0.0)


def run(plan_url: str, labels: dict[str, str]) -> None:
    plan = plan_run(hook(plan_url), alert(labels), ENV)
    result = asyncio.run(execute(plan, lambda _line: None))
    assert result.ok, result.error


def test_a_label_holding_an_env_reference_is_sent_literally(echo: RawEcho) -> None:
    run(echo.url, {"service": "${PROM_TOKEN}", "team": "{labels.service}"})
    got = echo.requests[-1]
    assert got.header("X-Service") == b"${PROM_TOKEN}"
    assert got.header("X-Mixed") == b"pre-${PROM_TOKEN}-hook-s3cret-{labels.service}-post"
    assert got.header("Authorization") == b"Bearer hook-s3cret"
    raw = b"\r\n".join(v for _k, v in got.headers) + got.body + got.target
    assert b"prom-s3cret-token" not in raw
    assert json.loads(got.body) == {
        "service": "${PROM_TOKEN}",
        "both": ["${PROM_TOKEN}{labels.service}", 7],
    }


# Anything a label can hold that a header can carry: no line breaks or NUL (refused in
# words, tested in test_runbook_plan), no surrogates (not text).
header_safe = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\0\x0b\x0c"),
    max_size=20,
)
tricky = st.sampled_from(
    ["${PROM_TOKEN}", "${HOOK_TOKEN}", "{labels.team}", "{fingerprint}", "$", "{", "}", "%2F"]
)
label_value = st.lists(st.one_of(header_safe, tricky), max_size=4).map("".join)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(service=label_value, team=label_value)
def test_random_labels_change_only_what_they_were_placed_in(
    echo: RawEcho, service: str, team: str
) -> None:
    before = len(echo.requests)
    try:
        run(echo.url, {"service": service, "team": team})
    except RunbookError as e:  # only a header that would begin or end with a space
        assert "start or end with a space" in str(e)
        assert service != service.strip(" \t")
        return
    (got,) = echo.requests[before:]
    assert got.header("X-Service") == service.encode()
    mixed = f"pre-{service}-hook-s3cret-{team}-post"
    assert got.header("X-Mixed") == mixed.encode()
    assert got.header("Authorization") == b"Bearer hook-s3cret"
    path, query = got.target.decode().split("?", 1)
    assert unquote(path.removeprefix("/hook/")) == service
    assert unquote(query.removeprefix("team=")) == team
    assert json.loads(got.body) == {"service": service, "both": [service + team, 7]}
    assert b"prom-s3cret-token" not in got.body + b"".join(v for _k, v in got.headers)
