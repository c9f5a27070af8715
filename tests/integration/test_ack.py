"""Acknowledgements against a REAL two-node Alertmanager cluster (gossiping silences).

Each test posts alerts with its own unique alertname, so tests never see each other's
silences. Alertmanager peers do not gossip alerts (each Prometheus sends to all of
them), so alerts are posted to both peers, as Prometheus would.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration import async_wait_until, wait_until
from oncall_tui.actions.ack import AckService, ReadOnlyError
from oncall_tui.actions.silences import is_until_resolved, rfc3339, until_resolved_step
from oncall_tui.config_types import AckConfig, HttpAuth
from oncall_tui.demo import servers
from oncall_tui.demo.servers import Server
from oncall_tui.journal import Journal
from oncall_tui.model.alerts import parse_alerts, parse_silences
from oncall_tui.model.snapshot import Alert, Silence
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.http import make_http_client

USER = "alice@test"
CFG = AckConfig(default_duration_s=3600.0, default_comment="on it")


def _peers(url: str) -> int:
    status = httpx.get(url + "/api/v2/status", timeout=2).json()
    return len(status.get("cluster", {}).get("peers") or [])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    try:
        servers.find_binary(servers.ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN")
    except servers.MissingBinary as e:
        pytest.skip(f"real Alertmanager needed: {e}")
    workdir = tmp_path_factory.mktemp("ack-cluster")
    am1 = servers.start_alertmanager(workdir / "am1", cluster=True)
    am2 = servers.start_alertmanager(workdir / "am2", peers=[str(am1.extra["cluster_address"])])
    try:
        wait_until(lambda: _peers(am1.url) == 2 and _peers(am2.url) == 2, 20, "two peers")
        yield am1, am2
    finally:
        am2.stop()
        am1.stop()


def dead_url() -> str:
    """A loopback port nothing listens on: a peer that is down."""
    return f"http://127.0.0.1:{servers.free_port()}"


def post_alert(urls: list[str], labels: dict[str, str], *, resolved: bool = False) -> None:
    now = time.time()
    alert: dict[str, object] = {"labels": labels, "annotations": {"summary": "test"}}
    alert["startsAt"] = rfc3339(now - 60)
    alert["endsAt"] = rfc3339(now - 1 if resolved else now + 300)
    for url in urls:
        httpx.post(url + "/api/v2/alerts", json=[alert], timeout=5).raise_for_status()


def raw_silences(url: str, alertname: str) -> list[dict[str, Any]]:
    """Silences on `url` that have a matcher alertname=<alertname>."""
    return [
        s
        for s in httpx.get(url + "/api/v2/silences", timeout=5).json()
        if {"name": "alertname", "value": alertname}
        in [{"name": m["name"], "value": m["value"]} for m in s["matchers"]]
    ]


def active(url: str, alertname: str) -> list[dict[str, Any]]:
    return [s for s in raw_silences(url, alertname) if s["status"]["state"] == "active"]


async def current(am: AlertmanagerClient) -> tuple[tuple[Alert, ...], tuple[Silence, ...]]:
    silences = parse_silences(await am.silences())
    return parse_alerts(await am.alerts(), silences), silences


async def alert_named(am: AlertmanagerClient, alertname: str) -> Alert:
    async def probe() -> Alert | None:
        alerts, _ = await current(am)
        return next((a for a in alerts if a.alertname == alertname), None)

    return await async_wait_until(probe, 10, f"alert {alertname}")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    client = make_http_client(HttpAuth(timeout_s=3.0))
    yield client
    await client.aclose()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite3")
    yield j
    j.close()


def unique_labels() -> dict[str, str]:
    return {
        "alertname": f"Test{uuid.uuid4().hex[:10]}",
        "severity": "critical",
        "service": "api",
        "instance": "host:9100",
    }


async def test_ack_creates_exact_silence_and_unack_expires_it(
    cluster: tuple[Server, Server], http: httpx.AsyncClient, journal: Journal
) -> None:
    am1, am2 = cluster
    labels = unique_labels()
    post_alert([am1.url, am2.url], labels)
    am = AlertmanagerClient([am1.url, am2.url], http)
    service = AckService(am, journal, USER, CFG)
    alert = await alert_named(am, labels["alertname"])

    before = time.time()
    result = await service.ack([alert], duration_s=1800, comment="looking at it")

    assert result.status == "delivered", result.message
    (sid,) = result.silence_ids
    (silence,) = active(am1.url, labels["alertname"])
    assert silence["id"] == sid
    assert silence["createdBy"] == USER
    assert silence["comment"] == "ACK! looking at it"
    assert sorted(
        (m["name"], m["value"], m["isRegex"], m["isEqual"]) for m in silence["matchers"]
    ) == sorted((k, v, False, True) for k, v in labels.items())
    (parsed,) = parse_silences([silence])
    assert parsed.ends_at - parsed.starts_at == pytest.approx(1800, abs=2)
    assert before - 1 <= parsed.starts_at <= time.time() + 1
    # Gossip: the silence made through peer 1 shows up on peer 2.
    wait_until(lambda: active(am2.url, labels["alertname"]), 10, "the silence on peer 2")
    # The alert is now silenced by it, and the journal knows who acked.
    acked = await alert_named(am, labels["alertname"])
    await async_wait_until(
        lambda: _silenced_by(am, labels["alertname"], sid), 10, "the alert silenced"
    )
    assert journal.acks_by_fingerprint(0)[alert.fingerprint][0][1] == USER
    assert acked.fingerprint == alert.fingerprint

    _, silences = await current(am)
    assert [s.id for s in service.silences_for(alert, silences)] == [sid]
    result = await service.unack(alert, sid)
    assert result.status == "delivered", result.message
    for url in (am1.url, am2.url):
        wait_until(lambda url=url: not active(url, labels["alertname"]), 10, f"expired on {url}")
    assert not [r for r in journal.acks.of(alert.fingerprint) if r.active]


async def _silenced_by(am: AlertmanagerClient, alertname: str, sid: str) -> bool:
    alerts, _ = await current(am)
    return any(a.alertname == alertname and sid in a.silenced_by for a in alerts)


async def test_group_ack_makes_one_silence_per_alert(
    cluster: tuple[Server, Server], http: httpx.AsyncClient, journal: Journal
) -> None:
    am1, am2 = cluster
    labels = unique_labels()
    other = {**labels, "instance": "host2:9100"}
    post_alert([am1.url, am2.url], labels)
    post_alert([am1.url, am2.url], other)
    am = AlertmanagerClient([am1.url], http)
    alerts, _ = await async_wait_until(
        lambda: _named(am, labels["alertname"], 2), 10, "both alerts"
    )
    result = await AckService(am, journal, USER, CFG).ack(alerts)
    assert result.status == "delivered", result.message
    assert len(set(result.silence_ids)) == 2
    got = active(am1.url, labels["alertname"])
    assert {s["comment"] for s in got} == {"ACK! on it"}
    instances = {m["value"] for s in got for m in s["matchers"] if m["name"] == "instance"}
    assert instances == {"host:9100", "host2:9100"}


async def _named(
    am: AlertmanagerClient, alertname: str, n: int
) -> tuple[list[Alert], tuple[Silence, ...]] | None:
    alerts, silences = await current(am)
    found = [a for a in alerts if a.alertname == alertname]
    return (found, silences) if len(found) == n else None


async def test_failing_peer_is_skipped_and_reported(
    cluster: tuple[Server, Server], http: httpx.AsyncClient, journal: Journal
) -> None:
    am1, am2 = cluster
    labels = unique_labels()
    post_alert([am1.url, am2.url], labels)
    down = dead_url()
    am = AlertmanagerClient([down, am2.url], http)
    alert = await alert_named(AlertmanagerClient([am2.url], http), labels["alertname"])

    result = await AckService(am, journal, USER, CFG).ack([alert])

    assert result.status == "delivered", result.message
    assert am.last_peer == am2.url
    assert down in result.skipped_peers
    assert down in result.message and "skipped" in result.message
    wait_until(lambda: active(am1.url, labels["alertname"]), 10, "gossip to peer 1")


async def test_rejection_is_shown_in_words_and_not_retried(
    cluster: tuple[Server, Server], http: httpx.AsyncClient, journal: Journal
) -> None:
    am1, _ = cluster
    labels = unique_labels()
    post_alert([am1.url], labels)
    am = AlertmanagerClient([am1.url], http)
    service = AckService(am, journal, USER, CFG)
    alert = await alert_named(am, labels["alertname"])

    result = await service.ack([alert], duration_s=-60)  # ends before it starts

    assert result.status == "rejected"
    assert "start time must be before end time" in result.message
    assert not journal.outbox.pending()
    assert await service.tick(*await current(am)) == []
    assert not raw_silences(am1.url, labels["alertname"])


async def test_until_resolved_extends_while_firing_then_lapses(
    cluster: tuple[Server, Server], http: httpx.AsyncClient, journal: Journal
) -> None:
    am1, am2 = cluster
    labels = unique_labels()
    post_alert([am1.url, am2.url], labels)
    am = AlertmanagerClient([am1.url, am2.url], http)
    # Two copies of the tool (separate journals, as on two machines) tick together.
    copies = [
        # extend_by_s is the fallback for bare markers only: the ack's own 4 s step wins.
        AckService(am, journal, USER, CFG, margin_s=3.0, extend_by_s=60.0),
        AckService(
            AlertmanagerClient([am2.url, am1.url], http),
            Journal(journal.path + "-2"),
            "bob@test",
            CFG,
            margin_s=3.0,
            extend_by_s=60.0,
        ),
    ]
    alert = await alert_named(am, labels["alertname"])
    result = await copies[0].ack([alert], duration_s=4.0, until_resolved=True)
    assert result.status == "delivered", result.message
    (sid,) = result.silence_ids
    first_end = parse_silences(active(am1.url, labels["alertname"]))[0].ends_at
    made = parse_silences(active(am1.url, labels["alertname"]))[0]
    assert is_until_resolved(made) and until_resolved_step(made) == 4.0
    assert made.comment.endswith("[until-resolved, every 4s]")

    deadline = time.time() + 6.0  # well past the original 4 s
    while time.time() < deadline:
        for copy in copies:
            await copy.tick(*await current(copy.am))
        await asyncio.sleep(0.4)  # the copies' poll cadence: time passing is under test
    (still,) = active(am1.url, labels["alertname"])  # one silence, not one per copy
    assert still["id"] == sid
    extended_end = parse_silences([still])[0].ends_at
    assert extended_end > first_end + 1.5
    assert extended_end < time.time() + 4.5  # by the ack's step, not the 60 s fallback
    assert [r.silence_id for r in copies[0].journal.acks.active_until_resolved()] == [sid]

    post_alert([am1.url, am2.url], labels, resolved=True)
    await async_wait_until(
        lambda: _gone(am, labels["alertname"]), 10, "the alert resolved in Alertmanager"
    )
    last_end = parse_silences(active(am1.url, labels["alertname"]))[0].ends_at

    async def lapsed() -> bool:
        for copy in copies:
            await copy.tick(*await current(copy.am))
        return not active(am1.url, labels["alertname"])

    await async_wait_until(lapsed, 8, "the silence to lapse", interval=0.4)
    (expired,) = raw_silences(am1.url, labels["alertname"])
    assert parse_silences([expired])[0].ends_at == pytest.approx(last_end, abs=0.01)
    assert copies[0].journal.acks.active_until_resolved() == []
    copies[1].journal.close()


async def _gone(am: AlertmanagerClient, alertname: str) -> bool:
    alerts, _ = await current(am)
    return not any(a.alertname == alertname for a in alerts)


async def test_two_copies_do_not_duplicate_silences(
    cluster: tuple[Server, Server], http: httpx.AsyncClient, tmp_path: Path
) -> None:
    am1, am2 = cluster
    labels = unique_labels()
    post_alert([am1.url, am2.url], labels)
    journals = [Journal(tmp_path / "a.sqlite3"), Journal(tmp_path / "b.sqlite3")]
    copies = [
        AckService(AlertmanagerClient([url], http), j, USER, CFG)
        for url, j in zip([am1.url, am2.url], journals, strict=True)
    ]
    alert = await alert_named(copies[0].am, labels["alertname"])

    first = await copies[0].ack([alert])
    wait_until(lambda: active(am2.url, labels["alertname"]), 10, "gossip to peer 2")
    second = await copies[1].ack([alert])  # another copy, later: reuses the silence
    assert first.silence_ids == second.silence_ids
    assert "already existed" in second.message
    assert len(active(am1.url, labels["alertname"])) == 1

    # Both at the same instant: each may create one; their next ticks keep only one.
    await copies[0].unack(alert, first.silence_ids[0])
    wait_until(lambda: not active(am2.url, labels["alertname"]), 10, "expired on peer 2")
    await asyncio.gather(*(c.ack([alert]) for c in copies))
    # However that race went, add what losing it looks like: a second silence made by
    # the same user's other copy at the same instant.
    (made, *_) = active(am1.url, labels["alertname"])
    dup = {k: made[k] for k in ("matchers", "createdBy", "comment", "endsAt")}
    dup["startsAt"] = rfc3339(time.time())
    httpx.post(am1.url + "/api/v2/silences", json=dup, timeout=5).raise_for_status()

    # Each copy ticks on its own peer: both must see the same silences (the race may
    # have made one on each), else each keeps a different one and two stay.
    def agreed() -> bool:
        ids = [{s["id"] for s in active(am.url, labels["alertname"])} for am in cluster]
        return len(ids[0]) >= 2 and ids[0] == ids[1]

    wait_until(agreed, 10, "the same silences on both peers")
    for copy in copies:
        await copy.tick(*await current(copy.am))
    wait_until(lambda: len(active(am1.url, labels["alertname"])) == 1, 10, "one silence")
    wait_until(lambda: len(active(am2.url, labels["alertname"])) == 1, 10, "one on peer 2")
    for j in journals:
        j.close()


async def test_read_only_refuses_and_writes_nothing(
    cluster: tuple[Server, Server], http: httpx.AsyncClient, journal: Journal
) -> None:
    am1, _ = cluster
    labels = unique_labels()
    post_alert([am1.url], labels)
    am = AlertmanagerClient([am1.url], http)
    service = AckService(am, journal, USER, CFG, read_only=True)
    alert = await alert_named(am, labels["alertname"])
    with pytest.raises(ReadOnlyError, match="read-only"):
        await service.ack([alert])
    with pytest.raises(ReadOnlyError, match="read-only"):
        await service.unack(alert, "some-id")
    assert await service.tick(*await current(am)) == []
    assert journal.outbox.pending() == []
    assert raw_silences(am1.url, labels["alertname"]) == []
