"""Hostile sources: a gzip bomb, an answer too large, a body trickled a byte a second, a
peer that refuses our credentials. Real loopback fault servers (`fake_http`), and the
real Prometheus / Alertmanager of the `stack` where the case concerns them."""

from __future__ import annotations

import gzip
import resource
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cache

import pytest

from fakes import FakeServer, Handler, Reply
from integration import Stack
from oncall_tui.config_types import AlertmanagerConfig, Config, HttpAuth, PrometheusConfig
from oncall_tui.poll import Poller
from oncall_tui.render.text_out import make_console, snapshot_to_text
from oncall_tui.sources.alertmanager import AlertmanagerClient
from oncall_tui.sources.errors import AuthRefused, BadResponse, Unreachable
from oncall_tui.sources.http import make_http_client
from oncall_tui.sources.prometheus import PrometheusClient

FakeHttp = Callable[[Reply | Handler], FakeServer]
OK_VECTOR = b'{"status":"success","data":{"resultType":"vector","result":[]}}'


@cache
def bomb() -> bytes:
    """~100 KB of gzip that decodes to 100 MB of JSON-looking bytes."""
    return gzip.compress(b"[" + b" " * (100 * 1024 * 1024) + b"]", compresslevel=9)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_a_gzip_bomb_is_refused_without_eating_memory(fake_http: FakeHttp) -> None:
    server = fake_http(Reply(body=bomb(), headers={"Content-Encoding": "gzip"}))
    assert len(bomb()) < 200_000
    async with make_http_client(HttpAuth(max_response_mb=4)) as http:
        prom = PrometheusClient(server.url, http)
        before = peak_rss_mb()
        with pytest.raises(BadResponse) as info:
            await prom.instant("up")
        # Never more than the cap (plus one zlib window) was held: not the 100 MB.
        assert peak_rss_mb() - before < 40
    assert str(info.value).startswith(f"answer larger than 4 MB from {server.url}")


async def test_an_uncompressed_answer_over_the_cap_is_refused(fake_http: FakeHttp) -> None:
    big = b'{"status":"success","data":{"resultType":"vector","result":[' + b" " * 3_000_000
    server = fake_http(Reply(body=big + b"]}}"))
    async with make_http_client(HttpAuth(max_response_mb=2)) as http:
        with pytest.raises(BadResponse, match="answer larger than 2 MB"):
            await PrometheusClient(server.url, http).instant("up")
    async with make_http_client(HttpAuth(max_response_mb=3)) as http:
        assert await PrometheusClient(server.url, http).instant("up") == []


async def test_gzip_under_the_cap_decodes(fake_http: FakeHttp) -> None:
    server = fake_http(Reply(body=gzip.compress(OK_VECTOR), headers={"Content-Encoding": "gzip"}))
    async with make_http_client(HttpAuth()) as http:
        assert await PrometheusClient(server.url, http).instant("up") == []


async def test_real_prometheus_answers_are_capped_too(stack: Stack) -> None:
    # Prometheus gzips its answers: our own decoder reads them, and counts.
    async with make_http_client(HttpAuth()) as http:
        assert await PrometheusClient(stack.prom_url, http).instant("up")
    async with make_http_client(HttpAuth(max_response_mb=0.0001)) as http:
        with pytest.raises(BadResponse, match=r"answer larger than 0\.0001 MB"):
            await PrometheusClient(stack.prom_url, http).range(
                "up", time.time() - 300, time.time(), 1
            )


async def test_a_trickled_body_does_not_outlive_the_deadline(fake_http: FakeHttp) -> None:
    server = fake_http(Reply(body=OK_VECTOR, trickle_s=0.2))  # ~13 s in all
    async with make_http_client(HttpAuth(timeout_s=1.0)) as http:
        started = time.monotonic()
        with pytest.raises(Unreachable) as info:
            await PrometheusClient(server.url, http).instant("up")
        took = time.monotonic() - started
    assert took < 2.5, f"a 1s deadline lasted {took:.1f}s"
    assert str(info.value) == f"timed out after 1s waiting for {server.url}"


def refusing(status: int) -> Reply:
    return Reply(status=status, body=b"Unauthorized\n", content_type="text/plain")


async def test_a_401_prometheus_is_an_error_in_words(fake_http: FakeHttp) -> None:
    server = fake_http(refusing(401))
    auth = HttpAuth(bearer_token_env="I9_PROM_TOKEN")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("I9_PROM_TOKEN", "wrong-token")
        http = make_http_client(auth)
    async with http:
        with pytest.raises(AuthRefused) as info:
            await PrometheusClient(server.url, http).instant("up")
    assert str(info.value) == "401 Unauthorized: check bearer_token_env (I9_PROM_TOKEN)"
    assert info.value.url == server.url
    assert "wrong-token" not in str(info.value)


async def test_a_401_peer_is_skipped_and_named(fake_http: FakeHttp, stack: Stack) -> None:
    refuser = fake_http(refusing(401))
    async with make_http_client(HttpAuth()) as http:
        am = AlertmanagerClient([refuser.url, stack.am_urls[0]], http)
        alerts = await am.alerts()
        assert alerts, "the real peer answered"
        assert am.peer_errors[refuser.url] == (
            f"{refuser.url}: 401 Unauthorized: no credentials configured "
            "(bearer_token_env, basic_auth)"
        )
        alone = AlertmanagerClient([refuser.url], http)
        with pytest.raises(Unreachable, match="403 Forbidden"):
            refuser.handler = lambda _r: refusing(403)
            await alone.alerts()


async def test_a_refusing_source_is_down_on_the_status_line(
    fake_http: FakeHttp, stack: Stack
) -> None:
    """The case that read "alertmanager ok 1032 ms" while the alerts had no data."""
    refuser = fake_http(refusing(401))
    config = Config(
        prometheus=PrometheusConfig(url=refuser.url),
        alertmanager=AlertmanagerConfig(urls=(refuser.url,)),
    )
    async with Poller(config) as poller:
        snap = await poller.poll()
    for name in ("prometheus", "alertmanager"):
        status = snap.sources[name]
        assert not status.ok and status.error is not None
        assert "401 Unauthorized" in status.error, status.error
    assert not snap.alerts.section.ok and "401 Unauthorized" in (snap.alerts.section.error or "")
    console = make_console(width=200)
    with console.capture() as out:
        console.print(snapshot_to_text(snap))
    (line,) = [ln for ln in out.get().splitlines() if ln.startswith("alertmanager ")]
    assert line.split()[1] == "DOWN" and "401 Unauthorized" in out.get()
    # One peer refusing, the real one answering: data flows and the peer is named.
    config = replace(
        config,
        prometheus=PrometheusConfig(url=stack.prom_url),
        alertmanager=AlertmanagerConfig(urls=(refuser.url, stack.am_urls[0])),
    )
    async with Poller(config) as poller:
        snap = await poller.poll()
    am = snap.sources["alertmanager"]
    assert am.ok and snap.alerts.items and "401 Unauthorized" in (am.detail or "")
