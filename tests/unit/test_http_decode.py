"""Bodies decoded on the loop or, when large, in a thread: the same answer either way."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest

from oncall_tui.sources.errors import BadResponse
from oncall_tui.sources.http import OFF_LOOP_BYTES, decode_json, parse_json_items


def response(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("n", [3, 5_000])
def test_small_and_large_bodies_decode_alike(n: int) -> None:
    alerts = [{"labels": {"alertname": f"A{i}", "instance": f"host-{i}"}} for i in range(n)]
    body = orjson.dumps(alerts)
    assert (len(body) >= OFF_LOOP_BYTES) == (n == 5_000)
    assert asyncio.run(decode_json(response(body), "http://127.0.0.1:9093")) == alerts


def test_a_large_broken_body_says_so_in_words() -> None:
    body = b'[{"labels": {"a": "' + b"x" * OFF_LOOP_BYTES  # cut off mid-string
    with pytest.raises(BadResponse, match="broken JSON"):
        asyncio.run(decode_json(response(body), "http://127.0.0.1:9093"))


@pytest.mark.parametrize("n", [3, 5_000])
def test_items_are_views_of_each_items_own_text(n: int) -> None:
    alerts = [{"labels": {"alertname": f"A{i}", "instance": f"host-{i}"}} for i in range(n)]
    body = orjson.dumps(alerts)
    items = asyncio.run(decode_json(response(body), "http://127.0.0.1:9093", parse_json_items))
    assert isinstance(items, list)
    assert all(isinstance(v, memoryview) and v.readonly for v in items)
    assert [v.tobytes() for v in items] == [orjson.dumps(a) for a in alerts]
    assert [orjson.loads(v) for v in items] == alerts


def test_items_of_no_array_are_decoded_whole() -> None:
    body = orjson.dumps({"error": "no list"})
    got = asyncio.run(decode_json(response(body), "http://127.0.0.1:9093", parse_json_items))
    assert got == {"error": "no list"}
