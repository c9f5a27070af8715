"""Driving the app on its real backend (`live_backend`: journal, poller, LiveActions)
against a REAL Alertmanager, for tests/ui/test_live_actions.py: the Alertmanager
(`Peer`, posting alerts, reading and making silences), the app (`live_config`,
`live_app`) and Pilot helpers that read what the screen shows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Input

from oncall_tui.actions.app_actions import live_backend
from oncall_tui.actions.silences import rfc3339
from oncall_tui.config_types import (
    AckConfig,
    AlertmanagerConfig,
    Config,
    HttpAuth,
    PrometheusConfig,
    Runbook,
)
from oncall_tui.demo import servers
from oncall_tui.journal import Journal
from oncall_tui.model.snapshot import Alert
from oncall_tui.ui.app import OncallApp, make_app
from waiting import until

SIZE = (160, 48)
USER = "tester@host"
ACK = AckConfig(default_duration_s=3600.0, default_comment="looking into it")
RUNBOOK = Runbook(
    "note", "exec", command=("sh", "-c", "echo fixing {labels.alertname}"), timeout_s=10.0
)
FAILING = Runbook("broken", "exec", command=("sh", "-c", "echo oops; exit 3"), timeout_s=10.0)


# -- the real Alertmanager ----------------------------------------------------------------

_http: httpx.Client | None = None


def am_http() -> httpx.Client:
    """The tests' own client, reused: a new client per call costs a TLS context, which
    adds up when conditions are polled every 0.1 s. `close_am_http` ends it."""
    global _http
    if _http is None or _http.is_closed:
        _http = httpx.Client(timeout=5.0, trust_env=False)
    return _http


def close_am_http() -> None:
    if _http is not None:
        _http.close()


def need_alertmanager() -> None:
    try:
        servers.find_binary(servers.ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN")
    except servers.MissingBinary as e:
        pytest.skip(f"real Alertmanager needed: {e}")


def unique_labels(**extra: str) -> dict[str, str]:
    return {
        "alertname": f"Keys{uuid.uuid4().hex[:10]}",
        "severity": "warning",
        "job": "api",
        **extra,
    }


def post_alert(url: str, labels: dict[str, str]) -> None:
    now = time.time()
    alert = {
        "labels": labels,
        "annotations": {"summary": "pilot test alert"},
        "startsAt": rfc3339(now - 30),
        "endsAt": rfc3339(now + 600),
    }
    am_http().post(url + "/api/v2/alerts", json=[alert]).raise_for_status()


def silences_of(url: str, alertname: str, state: str | None = "active") -> list[dict[str, Any]]:
    """The Alertmanager's silences with an `alertname` matcher for `alertname`."""
    return [
        s
        for s in am_http().get(url + "/api/v2/silences").json()
        if (state is None or s["status"]["state"] == state)
        and any(m["name"] == "alertname" and m["value"] == alertname for m in s["matchers"])
    ]


def ends_at(silence: dict[str, Any]) -> float:
    return datetime.fromisoformat(silence["endsAt"]).timestamp()


def create_silence(url: str, labels: dict[str, str], created_by: str, comment: str) -> str:
    """A silence made outside this tool, as another user would."""
    now = time.time()
    body = {
        "matchers": [
            {"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in labels.items()
        ],
        "startsAt": rfc3339(now),
        "endsAt": rfc3339(now + 7200),
        "createdBy": created_by,
        "comment": comment,
    }
    r = am_http().post(url + "/api/v2/silences", json=body)
    r.raise_for_status()
    return str(r.json()["silenceID"])


# -- the app --------------------------------------------------------------------------


def live_config(tmp_path: Path, am_urls: list[str], **changes: Any) -> Config:
    """Polls on start, after each action and on `R`; the timer only every 30 s (each
    poll repaints the whole screen, which slows every key on a busy 2-core machine).
    Tests of timer-driven work (the outbox after an outage) set a short refresh."""
    auth = HttpAuth(timeout_s=3.0)
    config = Config(
        refresh_s=30.0,
        user=USER,
        prometheus=PrometheusConfig(url=f"http://127.0.0.1:{servers.free_port()}", auth=auth),
        alertmanager=AlertmanagerConfig(urls=tuple(am_urls), auth=auth),
        ack=ACK,
        runbooks=(RUNBOOK, FAILING),
        journal_path=str(tmp_path / "j.sqlite3"),
    )
    return replace(config, **changes)


@asynccontextmanager
async def live_app(config: Config) -> AsyncIterator[tuple[OncallApp, Any, Journal | None]]:
    """The app as `run_app` builds it; yields (app, pilot, journal)."""
    poller, actions, journal = live_backend(config)
    app = make_app(config, poller, actions=actions)
    app.owns_poller = True
    try:
        async with app.run_test(size=SIZE) as pilot:
            yield app, pilot, journal
    finally:
        if journal is not None:
            journal.close()


def shown_alert(app: OncallApp, alertname: str) -> Alert | None:
    if app.view is None:
        return None
    return next((a for a in app.view.alerts.items if a.alertname == alertname), None)


async def select_alert(app: OncallApp, pilot: Any, alertname: str) -> Alert:
    """Wait until the alert is listed, then put the cursor on its row."""
    table = app.overview.alerts.table

    def listed() -> bool:
        alert = shown_alert(app, alertname)
        return alert is not None and alert.fingerprint in table.rows

    await until(listed, pilot, 10, f"{alertname} listed")
    alert = shown_alert(app, alertname)
    assert alert is not None
    table.move_cursor(row=table.get_row_index(alert.fingerprint))
    await pilot.pause()
    assert app.overview.alerts.selected_alert() == alert
    return alert


def screen_text(app: OncallApp) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join(s.text for s in strips)


def row_text(app: OncallApp, fingerprint: str) -> str:
    cells = app.overview.alerts.table.get_row(fingerprint)
    return " | ".join(c.plain for c in cells)


async def footer_keys(app: OncallApp, pilot: Any) -> set[str]:
    """The descriptions of the keys the footer shows."""
    from textual.widgets._footer import FooterKey

    def shown() -> set[str]:
        return {str(k.description) for k in app.screen.query(FooterKey) if k.display}

    # The footer recomposes (empty for a moment) whenever the bindings are refreshed.
    await until(lambda: "Filter" in shown(), pilot, 5, "footer keys")
    return shown()


def messages(app: OncallApp) -> list[str]:
    return [n.message for n in app._notifications]


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*("space" if c == " " else c for c in text))


async def clear_input(pilot: Any, field: Input) -> None:
    field.focus()
    await pilot.press("home", "ctrl+k")
    assert field.value == ""


async def polls_pass(app: OncallApp, pilot: Any, count: int) -> None:
    """Let `count` more polls of the Alertmanager land in the view (asked for with `R`
    unless the refresh timer is quick)."""

    def fetched_at() -> float | None:
        return app.view.alerts.section.fetched_at if app.view is not None else None

    for _ in range(count):
        seen = fetched_at()
        if app.config.refresh_s > 2:
            await pilot.press("R")
        await until(lambda: fetched_at() != seen, pilot, 10, "next poll")  # noqa: B023
