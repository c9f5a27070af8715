"""PrometheusClient and the HTTP layer against a real Prometheus, and against a real
loopback fake for the faults Prometheus cannot produce (garbage, hangs, cut bodies)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import math
import re
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import orjson
import pytest

from fakes import FakeServer, Reply
from integration import Stack
from integration.exporter import COMPONENTS
from oncall_tui.config_types import HttpAuth
from oncall_tui.demo.servers import free_port
from oncall_tui.sources.errors import AuthSetupError, BadResponse, QueryError, Unreachable
from oncall_tui.sources.http import make_http_client, redact
from oncall_tui.sources.prometheus import MAX_POINTS, PrometheusClient, choose_step

FakeHttp = Callable[[Reply], FakeServer]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with make_http_client(HttpAuth(timeout_s=5.0)) as client:
        yield client


@pytest.fixture
def prom(stack: Stack, http: httpx.AsyncClient) -> PrometheusClient:
    return PrometheusClient(stack.prom_url, http)


def _json(obj: object) -> bytes:
    return orjson.dumps(obj)


# ---- decoding real answers ------------------------------------------------------------


async def test_instant_vector_has_labels_values_and_time(prom: PrometheusClient) -> None:
    before = time.time()
    samples = await prom.instant('shop_up{job="app"}')
    got = {s.labels["component"]: s.value for s in samples}
    assert got == COMPONENTS
    assert all(s.labels["__name__"] == "shop_up" for s in samples)
    assert all(before - 1 <= s.at <= time.time() + 1 for s in samples)


async def test_instant_at_a_given_time(prom: PrometheusClient) -> None:
    at = time.time() - 0.5
    [sample] = await prom.instant("time()", at=at)
    assert sample.at == pytest.approx(at, abs=0.001)
    assert sample.value == pytest.approx(at, abs=0.001)


async def test_scalar_is_one_sample_without_labels(prom: PrometheusClient) -> None:
    [sample] = await prom.instant("scalar(vector(2.5))")
    assert sample.labels == {}
    assert sample.value == 2.5


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ("0/0", math.isnan),
        ("1/0", lambda v: v == math.inf),
        ("-1/0", lambda v: v == -math.inf),
    ],
)
async def test_nan_and_inf_scalars_decode_to_floats(
    prom: PrometheusClient, query: str, check: Callable[[float], bool]
) -> None:
    [sample] = await prom.instant(query)
    assert check(sample.value)


async def test_nan_and_inf_inside_a_vector(prom: PrometheusClient) -> None:
    samples = await prom.instant('shop_up{job="app"} / 0')
    got = {s.labels["component"]: s.value for s in samples}
    assert got["checkout"] == math.inf
    assert math.isnan(got["payments"])  # 0/0


async def test_empty_result_is_an_empty_list(prom: PrometheusClient) -> None:
    assert await prom.instant('shop_up{component="no-such-thing"}') == []


async def test_range_matrix_points_are_time_value_pairs(prom: PrometheusClient) -> None:
    end = time.time()
    series = await prom.range('shop_up{component="payments"}', end - 30, end, step=1)
    [one] = series
    assert one.labels["component"] == "payments"
    assert len(one.points) >= 1
    times = [t for t, _ in one.points]
    assert times == sorted(times)
    assert all(b - a == pytest.approx(1.0) for a, b in itertools.pairwise(times))
    assert all(v == 0.0 for _, v in one.points)


async def test_range_default_step_gives_about_240_points(prom: PrometheusClient) -> None:
    end = time.time()
    [series] = await prom.range("vector(1)", end - 3600, end)
    assert 200 <= len(series.points) <= 260


async def test_range_over_7d_with_tiny_step_stays_under_the_point_limit(
    prom: PrometheusClient,
) -> None:
    end = time.time()
    start = end - 7 * 86400
    [series] = await prom.range("vector(1)", start, end, step=0.001)
    # Prometheus itself refuses more than 11,000 intervals; we asked for 600 million.
    assert MAX_POINTS * 0.9 <= len(series.points) <= MAX_POINTS + 1


@pytest.mark.parametrize(
    ("span", "step", "expected"),
    [
        (3600.0, None, 15.0),
        (60.0, None, 1.0),  # never below 1s
        (900.0, None, 4.0),  # 3.75 rounded up to whole seconds
        (7 * 86400.0, 0.001, 55.0),  # 604800 / 11000 = 54.98 -> 55
        (7 * 86400.0, 3600.0, 3600.0),  # the caller's step when it is within limits
        (0.0, None, 1.0),
    ],
)
def test_choose_step(span: float, step: float | None, expected: float) -> None:
    chosen = choose_step(1000.0, 1000.0 + span, step)
    assert chosen == expected
    assert span / chosen <= MAX_POINTS


async def test_long_query_goes_as_post_and_works(stack: Stack) -> None:
    methods: list[str] = []

    async def record(request: httpx.Request) -> None:
        methods.append(request.method)

    names = "|".join(f"no-such-component-{i}" for i in range(150)) + "|checkout"
    query = f'shop_up{{job="app",component=~"{names}"}}'
    assert len(query) > 2000
    async with httpx.AsyncClient(event_hooks={"request": [record]}) as client:
        samples = await PrometheusClient(stack.prom_url, client).instant(query)
        assert [s.labels["component"] for s in samples] == ["checkout"]
        await PrometheusClient(stack.prom_url, client).instant("vector(1)")
    assert methods == ["POST", "GET"]


async def test_bad_promql_keeps_prometheus_error_type_and_text(prom: PrometheusClient) -> None:
    with pytest.raises(QueryError) as err:
        await prom.instant("sum(rate(shop_requests_total[5m])")
    assert err.value.error_type == "bad_data"
    assert "parse error" in str(err.value)
    assert str(err.value).startswith("bad_data: ")


async def test_range_with_end_before_start_is_a_query_error(prom: PrometheusClient) -> None:
    now = time.time()
    with pytest.raises(QueryError) as err:
        await prom.range("vector(1)", now, now - 60, step=1)
    assert "end timestamp must not be before start" in str(err.value)


async def test_buildinfo_and_ready(prom: PrometheusClient) -> None:
    info = await prom.buildinfo()
    assert isinstance(info["version"], str) and info["version"][:1].isdigit()
    assert await prom.ready() is True


# ---- trouble -------------------------------------------------------------------------


async def test_closed_port_is_unreachable_in_words(http: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(Unreachable) as err:
        await PrometheusClient(url, http).instant("1")
    assert str(err.value) == f"connection refused to {url}"


async def test_html_502_is_a_bad_response_with_a_clean_excerpt(
    http: httpx.AsyncClient, fake_http: FakeHttp
) -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head>\n<body>\x1b[31mnginx</body></html>"
    fake = fake_http(Reply(502, page, "text/html"))
    with pytest.raises(BadResponse) as err:
        await PrometheusClient(fake.url, http).instant("up")
    text = str(err.value)
    assert text.startswith("answered HTTP 502 with an HTML page, not JSON")
    assert "502 Bad Gateway" in text and "nginx" in text
    assert "<" not in text and "\x1b" not in text


async def test_truncated_json_is_a_bad_response(
    http: httpx.AsyncClient, fake_http: FakeHttp
) -> None:
    body = _json({"status": "success", "data": {"resultType": "vector", "result": []}})
    fake = fake_http(Reply(200, body[:25]))
    with pytest.raises(BadResponse) as err:
        await PrometheusClient(fake.url, http).instant("up")
    assert "broken JSON" in str(err.value)


async def test_connection_cut_mid_body_is_a_bad_response(
    http: httpx.AsyncClient, fake_http: FakeHttp
) -> None:
    body = _json({"status": "success", "data": {"resultType": "vector", "result": []}})
    fake = fake_http(Reply(200, body, cut_after=10))
    with pytest.raises(BadResponse) as err:
        await PrometheusClient(fake.url, http).instant("up")
    assert "closed the connection in the middle" in str(err.value)


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(200, b"\x00\xff\x1b]0;pwned\x07garbage", "text/plain"), "text/plain content"),
        (Reply(200, b"", "application/json"), "an empty body"),
        (Reply(200, b'{"status": "success"}'), "not a Prometheus API answer"),
        (Reply(200, b"[1, 2, 3]"), "not a Prometheus API answer"),
        (
            Reply(
                200,
                _json(
                    {
                        "status": "success",
                        "data": {"resultType": "vector", "result": [{"metric": {}}]},
                    }
                ),
            ),
            "unexpected shape",
        ),
        (
            Reply(
                200,
                _json({"status": "success", "data": {"resultType": "string", "result": [1, "x"]}}),
            ),
            "unexpected shape",
        ),
    ],
)
async def test_garbage_is_a_bad_response_without_control_characters(
    http: httpx.AsyncClient, fake_http: FakeHttp, reply: Reply, words: str
) -> None:
    fake = fake_http(reply)
    with pytest.raises(BadResponse) as err:
        await PrometheusClient(fake.url, http).instant("up")
    assert words in str(err.value)
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in str(err.value))


async def test_hanging_server_times_out_in_words(fake_http: FakeHttp) -> None:
    fake = fake_http(Reply(200, b"{}", hang_s=10))
    started = time.monotonic()
    async with make_http_client(HttpAuth(timeout_s=0.3)) as client:
        with pytest.raises(Unreachable) as err:
            await PrometheusClient(fake.url, client).instant("up")
    assert time.monotonic() - started < 3
    assert str(err.value) == f"timed out after 0.3s waiting for {fake.url}"


async def test_ten_thousand_series_decode(http: httpx.AsyncClient, fake_http: FakeHttp) -> None:
    values = ["1.5", "NaN", "+Inf", "-Inf"]
    result = [
        {"metric": {"__name__": "m", "i": str(i)}, "value": [1700000000.0, values[i % 4]]}
        for i in range(10_000)
    ]
    body = _json({"status": "success", "data": {"resultType": "vector", "result": result}})
    fake = fake_http(Reply(200, body))
    samples = await PrometheusClient(fake.url, http).instant("m")
    assert len(samples) == 10_000
    assert samples[4].labels == {"__name__": "m", "i": "4"} and samples[4].value == 1.5
    assert math.isnan(samples[1].value)
    assert samples[2].value == math.inf and samples[3].value == -math.inf
    # How fast: benchmarks/ (model and poll at 10,000 series), not a stopwatch here.


async def test_ten_thousand_series_matrix_decode(
    http: httpx.AsyncClient, fake_http: FakeHttp
) -> None:
    points = [[1700000000.0 + 15 * k, str(k)] for k in range(20)]
    result = [{"metric": {"i": str(i)}, "values": points} for i in range(10_000)]
    body = _json({"status": "success", "data": {"resultType": "matrix", "result": result}})
    fake = fake_http(Reply(200, body))
    series = await PrometheusClient(fake.url, http).range("m", 1700000000.0, 1700000300.0)
    assert len(series) == 10_000
    assert series[9999].points[19] == (1700000000.0 + 15 * 19, 19.0)


# ---- auth reaches the server; secrets never reach an error ------------------------------

OK_BODY = _json({"status": "success", "data": {"resultType": "vector", "result": []}})


async def test_headers_from_env_bearer_token_and_basic_auth_reach_the_server(
    fake_http: FakeHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_TENANT", "team-a")
    monkeypatch.setenv("TEST_PROM_TOKEN", "tok-from-env-123")
    monkeypatch.setenv("TEST_PROM_PASS", "p@ss:word")
    fake = fake_http(Reply(200, OK_BODY))

    auth = HttpAuth(headers={"X-Scope-OrgID": "${TEST_TENANT}"}, bearer_token_env="TEST_PROM_TOKEN")
    async with make_http_client(auth) as client:
        await PrometheusClient(fake.url, client).instant("up")
    assert fake.requests[-1].headers["x-scope-orgid"] == "team-a"
    assert fake.requests[-1].headers["authorization"] == "Bearer tok-from-env-123"

    auth = HttpAuth(basic_auth_username="alice", basic_auth_password_env="TEST_PROM_PASS")
    async with make_http_client(auth) as client:
        await PrometheusClient(fake.url, client).instant("up")
    expected = base64.b64encode(b"alice:p@ss:word").decode()
    assert fake.requests[-1].headers["authorization"] == f"Basic {expected}"
    assert fake.requests[-1].path.startswith("/api/v1/query?query=up")


async def test_bearer_token_file(fake_http: FakeHttp, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("tok-from-file-456\n")
    fake = fake_http(Reply(200, OK_BODY))
    async with make_http_client(HttpAuth(bearer_token_file=str(token_file))) as client:
        await PrometheusClient(fake.url, client).instant("up")
    assert fake.requests[-1].headers["authorization"] == "Bearer tok-from-file-456"


async def test_missing_secret_is_an_auth_setup_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_UNSET_TOKEN", raising=False)
    with pytest.raises(AuthSetupError, match="TEST_UNSET_TOKEN is not set"):
        make_http_client(HttpAuth(bearer_token_env="TEST_UNSET_TOKEN"))
    with pytest.raises(AuthSetupError, match="TEST_UNSET_TOKEN is not set"):
        make_http_client(HttpAuth(headers={"X-Key": "k-${TEST_UNSET_TOKEN}"}))


async def test_bearer_token_never_appears_in_error_strings(
    fake_http: FakeHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "sekret-bearer-789"
    monkeypatch.setenv("TEST_SECRET_TOKEN", token)
    echo_html = f"<html><body>bad token: Bearer {token}</body></html>".encode()
    echo_error = _json(
        {"status": "error", "errorType": "bad_data", "error": f"refused token {token}"}
    )
    errors: list[str] = []
    # 5 s: the fakes answer at once, the dead port refuses at once; 0.3 s timed out
    # before a fake's answer on a busy machine.
    async with make_http_client(
        HttpAuth(bearer_token_env="TEST_SECRET_TOKEN", timeout_s=5.0)
    ) as client:
        for reply in (Reply(502, echo_html, "text/html"), Reply(400, echo_error)):
            with pytest.raises((BadResponse, QueryError)) as err:
                await PrometheusClient(fake_http(reply).url, client).instant("up")
            errors.append(str(err.value))
        url = f"http://user:{token}@127.0.0.1:{free_port()}"
        with pytest.raises(Unreachable) as unreachable:
            await PrometheusClient(url, client).instant("up")
        errors.append(str(unreachable.value))
    assert all(token not in e for e in errors), errors
    assert "***" in errors[0] and "***" in errors[1]
    assert redact(f"x {token} y") == "x *** y"


async def test_a_burst_of_queries_keeps_its_connections_for_the_next(
    stack: Stack, prom: PrometheusClient
) -> None:
    # A poll sends its queries (~30 on the demo) at once; the next poll, 2 s later,
    # must find every connection kept: reopening them was a TCP handshake for most
    # requests of every poll. Counted by Prometheus itself (its /metrics).

    def accepted() -> float:
        # A connection of its own (counted too: one per reading).
        text = httpx.get(stack.prom_url + "/metrics", timeout=5).text
        found = re.search(
            r'^net_conntrack_listener_conn_accepted_total\{listener_name="http"\} (\S+)$',
            text,
            re.MULTILINE,
        )
        assert found, "Prometheus counts accepted connections"
        return float(found.group(1))

    async def burst() -> None:
        await asyncio.gather(*(prom.instant("vector(1)") for _ in range(30)))

    await burst()
    before = accepted()
    await burst()
    assert accepted() - before == 1  # the reading's own connection, none for the burst


async def test_a_query_imports_nothing(prom: PrometheusClient) -> None:
    # httpcore imports sniffio on each request: without it installed, each import
    # failed after a search of sys.path (several per request, every poll).
    await prom.instant("vector(1)")
    looked_up: list[str] = []

    class Spy:
        def find_spec(self, name: str, path: object = None, target: object = None) -> None:
            looked_up.append(name)

    sys.meta_path.insert(0, Spy())  # type: ignore[arg-type]
    try:
        await prom.instant("vector(1)")
    finally:
        del sys.meta_path[0]
    assert looked_up == []
