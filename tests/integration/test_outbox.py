"""The outbox under trouble, against a REAL Alertmanager that we stop and restart on the
same port and storage: nothing lost, nothing sent twice, backoff, restart of the tool.
The one fake is a loopback proxy in front of the real Alertmanager that drops the
answer to a silence POST after forwarding it (a real server can't be made to do that).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakes import FakeServer, Handler, Reply, Request
from integration import Peer, async_wait_until
from oncall_tui.actions.ack import AckService
from oncall_tui.actions.outbox import backoff_s
from oncall_tui.actions.silences import rfc3339
from oncall_tui.config_types import AckConfig, HttpAuth
from oncall_tui.demo import servers
from oncall_tui.journal import Journal
from oncall_tui.model.alerts import parse_alerts
from oncall_tui.model.snapshot import Alert
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.http import make_http_client

USER = "carol@test"
CFG = AckConfig(default_duration_s=3600.0, default_comment="mitigating")


@pytest.fixture
def am(tmp_path: Path) -> Iterator[Peer]:
    try:
        servers.find_binary(servers.ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN")
    except servers.MissingBinary as e:
        pytest.skip(f"real Alertmanager needed: {e}")
    peer = Peer(tmp_path / "am")
    yield peer
    peer.close()


def dead_url() -> str:
    return f"http://127.0.0.1:{servers.free_port()}"


def labels_for_test() -> dict[str, str]:
    return {"alertname": f"Outbox{uuid.uuid4().hex[:10]}", "severity": "warning", "job": "api"}


def post_alert(url: str, labels: dict[str, str]) -> None:
    now = time.time()
    alert = {"labels": labels, "startsAt": rfc3339(now - 30), "endsAt": rfc3339(now + 300)}
    httpx.post(url + "/api/v2/alerts", json=[alert], timeout=5).raise_for_status()


def silences_of(url: str, alertname: str, state: str = "active") -> list[dict[str, Any]]:
    return [
        s
        for s in httpx.get(url + "/api/v2/silences", timeout=5).json()
        if s["status"]["state"] == state
        and any(m["name"] == "alertname" and m["value"] == alertname for m in s["matchers"])
    ]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    client = make_http_client(HttpAuth(timeout_s=2.0))
    yield client
    await client.aclose()


async def fetch_alert(url: str, http: httpx.AsyncClient, alertname: str) -> Alert:
    client = AlertmanagerClient([url], http)

    async def probe() -> Alert | None:
        alerts = parse_alerts(await client.alerts(), ())
        return next((a for a in alerts if a.alertname == alertname), None)

    return await async_wait_until(probe, 10, f"alert {alertname}")


async def test_outage_then_restart_of_both_delivers_exactly_once(
    am: Peer, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    labels = labels_for_test()
    post_alert(am.url, labels)
    alert = await fetch_alert(am.url, http, labels["alertname"])
    urls = [am.url, dead_url()]
    path = tmp_path / "state" / "journal.sqlite3"
    journal = Journal(path)
    service = AckService(AlertmanagerClient(urls, http), journal, USER, CFG)

    am.stop()
    result = await service.ack([alert], comment="during the outage")

    assert result.status == "pending"
    assert "no Alertmanager answered" in result.message
    assert all(url in result.message for url in urls)
    assert service.pending_fingerprints() == {alert.fingerprint}
    raw = [{"labels": labels, "status": {"state": "active"}, "startsAt": rfc3339(time.time())}]
    (shown,) = parse_alerts(raw, (), service.pending_fingerprints())
    assert shown.ack_pending
    words = await service.tick(None, None)  # the item may not be due yet: at most a retry
    assert all("pending" in w for w in words)

    # The tool is restarted (new journal handle, new service), then the Alertmanager.
    journal.close()
    journal = Journal(path)
    service = AckService(AlertmanagerClient(urls, http), journal, USER, CFG)
    assert service.pending_fingerprints() == {alert.fingerprint}
    (item,) = journal.outbox.pending()
    assert item.attempts >= 1 and item.last_error
    details = service.pending_details()[alert.fingerprint]
    assert details.startswith("ack pending (") and "no Alertmanager answered" in details
    am.restart()

    async def delivered() -> bool:
        await service.tick(None, None)
        return not service.pending_fingerprints()

    await async_wait_until(delivered, backoff_s(item.attempts) + 10, "delivery", interval=0.3)
    (silence,) = silences_of(am.url, labels["alertname"])
    assert silence["comment"] == "ACK! during the outage"
    assert silence["createdBy"] == USER
    sent = journal.outbox.get(item.id)
    assert sent is not None and sent.state == "sent"
    assert [r.silence_id for r in journal.acks.of(alert.fingerprint)] == [silence["id"]]
    for _ in range(3):  # later polls send nothing more
        assert await service.tick(None, None) == []
    assert len(silences_of(am.url, labels["alertname"])) == 1
    # ...and a second restart of the Alertmanager still shows exactly that one.
    am.stop()
    am.restart()
    assert [s["id"] for s in silences_of(am.url, labels["alertname"])] == [silence["id"]]
    journal.close()


async def test_backoff_doubles_up_to_a_minute(http: httpx.AsyncClient) -> None:
    now = [1_000_000.0]
    journal = Journal(":memory:")
    am = AlertmanagerClient([dead_url(), dead_url()], http)
    service = AckService(am, journal, USER, CFG, clock=lambda: now[0])
    alert = Alert("fp1", {"alertname": "X"}, {}, "active", now[0])

    result = await service.ack([alert])
    assert result.status == "pending"
    # Pressing `a` again while it waits: still one ack, and the words say when.
    again = await service.ack([alert], comment="second press")
    assert again.status == "pending"
    assert again.message.startswith("ack pending, next try within 1s: no Alertmanager")
    (item,) = journal.outbox.pending()
    assert item.payload["text"] == "second press"
    waits = []
    for _ in range(8):
        (item,) = journal.outbox.pending()
        waits.append(item.next_try_at - now[0])
        assert await service.tick(None, None) == []  # not yet due: nothing tried
        now[0] = item.next_try_at
        (words,) = await service.tick(None, None)
        assert "pending" in words and "connection" in words.lower()
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    assert journal.outbox.pending()[0].attempts == 9
    journal.close()


def forwarding(target: Callable[[], str], drop_answer: Callable[[Request], bool]) -> Handler:
    """A proxy handler: forwards to the real Alertmanager; when `drop_answer`, cuts the
    connection instead of answering — the request *was* processed."""

    def handle(request: Request) -> Reply:
        headers = {"content-type": request.headers.get("content-type", "application/json")}
        answer = httpx.request(
            request.method, target() + request.path, content=request.body, headers=headers
        )
        cut = 0 if drop_answer(request) else None
        return Reply(answer.status_code, answer.content, cut_after=cut)

    return handle


async def test_lost_answer_is_not_sent_twice(
    am: Peer,
    http: httpx.AsyncClient,
    fake_http: Callable[[Reply | Handler], FakeServer],
) -> None:
    labels = labels_for_test()
    post_alert(am.url, labels)
    alert = await fetch_alert(am.url, http, labels["alertname"])
    posts: list[Request] = []

    def first_post_lost(request: Request) -> bool:
        if request.method == "POST" and request.path == "/api/v2/silences":
            posts.append(request)
            return len(posts) == 1
        return False

    proxy = fake_http(forwarding(lambda: am.url, first_post_lost))
    now = [time.time()]
    journal = Journal(":memory:")
    service = AckService(
        AlertmanagerClient([proxy.url], http), journal, USER, CFG, clock=lambda: now[0]
    )

    result = await service.ack([alert])
    assert result.status == "pending", result.message
    assert len(silences_of(am.url, labels["alertname"])) == 1  # it did arrive

    now[0] += backoff_s(0)
    (words,) = await service.tick(None, None)
    assert "already existed" in words
    assert len(posts) == 1  # the retry found it and did not post again
    assert len(silences_of(am.url, labels["alertname"])) == 1
    assert not journal.outbox.pending()
    journal.close()


async def test_unack_of_an_undelivered_ack_withdraws_it(am: Peer, http: httpx.AsyncClient) -> None:
    labels = labels_for_test()
    post_alert(am.url, labels)
    alert = await fetch_alert(am.url, http, labels["alertname"])
    journal = Journal(":memory:")
    service = AckService(AlertmanagerClient([am.url], http), journal, USER, CFG)
    am.stop()
    assert (await service.ack([alert])).status == "pending"

    result = await service.unack(alert, None)

    assert result.status == "cancelled"
    assert not service.pending_fingerprints()
    am.restart()
    assert await service.tick(None, None) == []
    assert silences_of(am.url, labels["alertname"]) == []
    journal.close()


async def test_unack_during_outage_is_delivered_when_back(
    am: Peer, http: httpx.AsyncClient
) -> None:
    labels = labels_for_test()
    post_alert(am.url, labels)
    alert = await fetch_alert(am.url, http, labels["alertname"])
    now = [time.time()]
    journal = Journal(":memory:")
    service = AckService(
        AlertmanagerClient([am.url], http), journal, USER, CFG, clock=lambda: now[0]
    )
    (sid,) = (await service.ack([alert])).silence_ids
    am.stop()

    assert (await service.unack(alert, sid)).status == "pending"
    am.restart()
    now[0] += backoff_s(0)
    (words,) = await service.tick(None, None)
    assert "un-acknowledged" in words
    assert silences_of(am.url, labels["alertname"]) == []
    assert [s["id"] for s in silences_of(am.url, labels["alertname"], "expired")] == [sid]
    journal.close()
