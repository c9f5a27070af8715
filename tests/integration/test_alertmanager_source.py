"""AlertmanagerClient against two real clustered Alertmanagers (the `stack`), plus
loopback fakes for peers that answer 5xx / garbage / 4xx."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest

from fakes import FakeServer, Handler, Reply, Request
from integration import Stack, async_wait_until
from integration.exporter import ALERT_CRITICAL, ALERT_NEVER, CRITICAL_RUNBOOK, FIRING_ALERTS
from oncall_tui.config_types import HttpAuth
from oncall_tui.demo.servers import free_port
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.errors import Rejected, SourceError, Unreachable
from oncall_tui.sources.http import make_http_client

FakeHttp = Callable[[Reply], FakeServer]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(HttpAuth(timeout_s=5.0)) as client:
        yield client


def _rfc3339(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _silence(
    matchers: dict[str, str], minutes: float = 10, comment: str = "test"
) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "matchers": [
            {"name": k, "value": v, "isRegex": False, "isEqual": True} for k, v in matchers.items()
        ],
        "startsAt": _rfc3339(now),
        "endsAt": _rfc3339(now + timedelta(minutes=minutes)),
        "createdBy": "tester@oncall-tui",
        "comment": comment,
    }


def _private_matchers() -> dict[str, str]:
    """Matchers no real alert has: these silences never affect other tests."""
    return {"test_id": uuid.uuid4().hex}


async def _silence_state(client: AlertmanagerClient, silence_id: str) -> str | None:
    for silence in await client.silences():
        if silence["id"] == silence_id:
            status = silence["status"]
            assert isinstance(status, dict)
            return str(status["state"])
    return None


async def test_alerts_include_the_firing_rules_with_status(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    client = AlertmanagerClient(stack.am_urls, http)
    alerts = await client.alerts()
    by_name = {a["labels"]["alertname"]: a for a in alerts}  # type: ignore[index]
    assert set(FIRING_ALERTS) <= set(by_name)
    assert ALERT_NEVER not in by_name
    critical = by_name[ALERT_CRITICAL]
    assert critical["labels"]["severity"] == "critical"  # type: ignore[index]
    assert critical["annotations"]["runbook"] == CRITICAL_RUNBOOK  # type: ignore[index]
    assert critical["status"]["state"] in {"active", "suppressed"}  # type: ignore[index]
    assert isinstance(critical["fingerprint"], str) and critical["fingerprint"]
    assert client.last_peer == stack.am_urls[0]
    assert client.peer_errors == {stack.am_urls[0]: ""}


async def test_alert_entries_are_the_alerts_each_as_its_json_text(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    client = AlertmanagerClient(stack.am_urls, http)
    entries = await client.alert_entries()
    decoded = [orjson.loads(e) for e in entries]
    alerts = await client.alerts()
    # updatedAt may move between the two calls; who fires and with what does not.
    assert sorted((a["fingerprint"], a["labels"]) for a in decoded) == sorted(
        (a["fingerprint"], a["labels"]) for a in alerts
    )
    assert set(FIRING_ALERTS) <= {a["labels"]["alertname"] for a in decoded}


async def _refusal(call: Callable[[], Awaitable[object]]) -> str:
    try:
        await call()
    except SourceError as e:
        return str(e)
    raise AssertionError("the body was accepted")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'[{"labels": {"a": "b"}}, {"lab', "broken JSON"),
        (b'[{"labels": {"a": "\xff"}}]', "broken JSON"),  # not UTF-8
        (b"[{}] trailing", "broken JSON"),
        (b"", "something other than a list of objects"),  # empty: no alerts to show
        (b'{"labels": {}}', "something other than a list of objects"),
        (b'[{"labels": {}}, 42]', "something other than a list of objects"),
    ],
)
async def test_a_garbage_alerts_body_is_refused_in_the_same_words_either_way(
    http: httpx.AsyncClient, fake_http: FakeHttp, body: bytes, words: str
) -> None:
    server = fake_http(Reply(200, body))
    client = AlertmanagerClient([server.url], http)
    said = await _refusal(client.alerts)
    assert words in said
    assert await _refusal(client.alert_entries) == said


async def test_status_shows_both_cluster_peers(stack: Stack, http: httpx.AsyncClient) -> None:
    status = await AlertmanagerClient(stack.am_urls, http).status()
    cluster = status["cluster"]
    assert isinstance(cluster, dict)
    assert len(cluster["peers"]) == 2


async def test_silence_created_on_one_peer_reaches_both_and_expires(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    first = AlertmanagerClient(stack.am_urls[:1], http)
    second = AlertmanagerClient(stack.am_urls[1:], http)
    silence_id = await first.create_silence(_silence(_private_matchers()))
    assert await _silence_state(first, silence_id) == "active"

    async def gossiped() -> bool:
        return await _silence_state(second, silence_id) == "active"

    await async_wait_until(gossiped, 10, "the silence to reach the second peer")

    await second.expire_silence(silence_id)

    async def expired_everywhere() -> bool:
        states = {await _silence_state(c, silence_id) for c in (first, second)}
        return states == {"expired"}

    await async_wait_until(expired_everywhere, 10, "the expiry to reach both peers")


async def test_silence_really_silences_the_alert(stack: Stack, http: httpx.AsyncClient) -> None:
    client = AlertmanagerClient(stack.am_urls, http)
    silence_id = await client.create_silence(
        _silence({"alertname": ALERT_CRITICAL}, minutes=2, comment="ack from test")
    )
    try:

        async def silenced() -> bool:
            alerts = await client.alerts()
            [alert] = [a for a in alerts if a["labels"]["alertname"] == ALERT_CRITICAL]  # type: ignore[index]
            return silence_id in alert["status"]["silencedBy"]  # type: ignore[index]

        await async_wait_until(silenced, 10, "the alert to be silenced")
    finally:
        await client.expire_silence(silence_id)


async def test_update_in_place_keeps_the_id(stack: Stack, http: httpx.AsyncClient) -> None:
    client = AlertmanagerClient(stack.am_urls, http)
    silence_id = await client.create_silence(_silence(_private_matchers()))
    [stored] = [s for s in await client.silences() if s["id"] == silence_id]
    # Alertmanager updates in place only when matchers and startsAt are unchanged.
    updated = {k: stored[k] for k in ("matchers", "startsAt", "createdBy")}
    updated |= {
        "id": silence_id,
        "endsAt": _rfc3339(datetime.now(UTC) + timedelta(hours=2)),
        "comment": "extended",
    }
    assert await client.create_silence(updated) == silence_id
    [after] = [s for s in await client.silences() if s["id"] == silence_id]
    assert after["comment"] == "extended"
    await client.expire_silence(silence_id)


async def test_invalid_silence_is_rejected_with_alertmanager_text(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    client = AlertmanagerClient(stack.am_urls, http)
    backwards = _silence(_private_matchers()) | {"endsAt": "2001-01-01T00:00:00Z"}
    with pytest.raises(Rejected) as err:
        await client.create_silence(backwards)
    assert err.value.status == 400
    assert "start time must be before end time" in str(err.value)
    assert client.peer_errors[stack.am_urls[0]] == ""  # an answer, not a peer failure

    no_comment = _silence(_private_matchers())
    del no_comment["comment"]
    with pytest.raises(Rejected) as err:
        await client.create_silence(no_comment)
    assert err.value.status == 422
    assert str(err.value) == "comment in body is required"


async def test_expire_unknown_silence_is_rejected(stack: Stack, http: httpx.AsyncClient) -> None:
    client = AlertmanagerClient(stack.am_urls, http)
    unknown = str(uuid.uuid4())
    with pytest.raises(Rejected) as err:
        await client.expire_silence(unknown)
    assert "silence not found" in str(err.value) and unknown in str(err.value)
    with pytest.raises(Rejected) as err:
        await client.expire_silence("not-a-uuid")
    assert err.value.status == 422
    assert stack.am_urls[1] not in client.peer_errors  # not retried on the other peer


# ---- HA failover ----------------------------------------------------------------------


async def test_dead_first_peer_is_skipped_and_recorded(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    client = AlertmanagerClient([dead, stack.am_urls[1]], http)
    alerts = await client.alerts()
    assert set(FIRING_ALERTS) <= {a["labels"]["alertname"] for a in alerts}  # type: ignore[index]
    assert client.last_peer == stack.am_urls[1]
    assert client.peer_errors == {dead: f"connection refused to {dead}", stack.am_urls[1]: ""}


@pytest.mark.parametrize(
    "reply",
    [
        Reply(503, b"upstream down", "text/plain"),
        Reply(200, b"<html>login</html>", "text/html"),
        Reply(200, b'{"not": "a list"'),
    ],
)
async def test_failing_peer_falls_over_and_the_next_call_starts_with_the_good_one(
    stack: Stack, http: httpx.AsyncClient, fake_http: FakeHttp, reply: Reply
) -> None:
    bad = fake_http(reply)
    client = AlertmanagerClient([bad.url, stack.am_urls[0]], http)
    await client.silences()
    assert len(bad.requests) == 1
    assert client.peer_errors[bad.url].startswith(bad.url)
    assert client.last_peer == stack.am_urls[0]
    await client.silences()
    await client.status()
    assert len(bad.requests) == 1  # the peer that answered is asked first


async def test_4xx_is_not_retried_on_another_peer(
    http: httpx.AsyncClient, fake_http: FakeHttp
) -> None:
    refusing = fake_http(Reply(400, b'"silence invalid: no matchers"\n'))
    spare = fake_http(Reply(200, b"[]"))
    client = AlertmanagerClient([refusing.url, spare.url], http)
    with pytest.raises(Rejected) as err:
        await client.create_silence(_silence(_private_matchers()))
    assert str(err.value) == "silence invalid: no matchers"
    assert spare.requests == []
    assert refusing.requests[0].method == "POST"
    assert refusing.requests[0].path == "/api/v2/silences"


async def test_all_peers_dead_is_unreachable_naming_each(http: httpx.AsyncClient) -> None:
    dead = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
    client = AlertmanagerClient(dead, http)
    with pytest.raises(Unreachable) as err:
        await client.alerts()
    text = str(err.value)
    assert text.startswith("no Alertmanager answered: ")
    assert all(f"connection refused to {url}" in text for url in dead)
    assert client.last_peer is None


async def test_peers_are_tried_in_configured_order_starting_with_the_last_good(
    http: httpx.AsyncClient, fake_http: Callable[[Handler], FakeServer]
) -> None:
    calls: list[int] = []
    healthy = {2}

    def peer(n: int) -> Handler:
        def answer(_request: Request) -> Reply:
            calls.append(n)
            return Reply(200, b"[]") if n in healthy else Reply(503, b"down", "text/plain")

        return answer

    fakes = [fake_http(peer(n)) for n in range(3)]
    client = AlertmanagerClient([f.url for f in fakes], http)
    await client.alerts()
    assert calls == [0, 1, 2]
    healthy.clear()
    calls.clear()
    with pytest.raises(Unreachable) as err:
        await client.alerts()
    assert calls == [2, 0, 1]  # last good first, then the others in configured order
    assert all(f.url in str(err.value) for f in fakes)


async def test_credentials_in_peer_urls_never_reach_error_strings(
    http: httpx.AsyncClient, fake_http: FakeHttp
) -> None:
    secret = "peer-pass-321"
    failing = fake_http(Reply(503, f"bad auth {secret}".encode(), "text/plain"))
    peers = [
        f"http://am:{secret}@127.0.0.1:{free_port()}",
        failing.url.replace("http://", f"http://am:{secret}@"),
    ]
    client = AlertmanagerClient(peers, http)
    with pytest.raises(Unreachable) as err:
        await client.alerts()
    shown = [str(err.value), str(err.value.url), *client.peer_errors.values()]
    assert all(secret not in text for text in shown), shown  # even echoed by the 503 body
    assert "am:" not in str(err.value)
    assert "bad auth ***" in client.peer_errors[peers[1]]
