"""Client for the Prometheus HTTP API (also Thanos Query, Mimir, VictoriaMetrics).

Answers decode into `Sample` / `Series`; "NaN", "+Inf", "-Inf" become floats. Trouble
raises `Unreachable` (no answer), `BadResponse` (an answer we cannot use) or
`QueryError` (Prometheus refused the query; its errorType and text are kept).
"""

from __future__ import annotations

import math
from functools import lru_cache
from urllib.parse import quote_plus

import httpx

from oncall_tui.model.series import Sample, Series
from oncall_tui.sources.errors import AuthRefused, BadResponse, QueryError
from oncall_tui.sources.http import (
    AUTH_REFUSALS,
    decode_json,
    excerpt,
    redact,
    refusal_words,
    remember_url_secrets,
    send,
)

MAX_POINTS = 11_000
"""Prometheus refuses range queries with more points per series than this."""
DEFAULT_POINTS = 240
"""Enough for a sparkline at 200 columns, few enough to stay cheap."""
MAX_GET_QUERY = 2000
"""Longer urlencoded queries go as POST form bodies (proxies cap URL lengths)."""
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@lru_cache(maxsize=256)
def _quoted_query(query: str) -> str:
    # The same queries are asked every poll, some of them kilobytes long (the merged
    # instant query): quoting one costs milliseconds, so each is quoted once.
    return quote_plus(query)


def form(params: dict[str, str]) -> str:
    """`params` urlencoded, exactly as `urllib.parse.urlencode` does (the `query`
    value's quoting kept between calls)."""
    return "&".join(
        f"{quote_plus(k)}={_quoted_query(v) if k == 'query' else quote_plus(v)}"
        for k, v in params.items()
    )


def choose_step(start: float, end: float, step: float | None = None) -> float:
    """The step for a range query: the caller's (or span/DEFAULT_POINTS), in whole
    seconds, at least 1s, and never more than MAX_POINTS intervals over the span."""
    span = max(0.0, end - start)
    wanted = step if step is not None and step > 0 else span / DEFAULT_POINTS
    floor = span / MAX_POINTS
    chosen = max(1.0, wanted, floor)
    # Whole seconds keep steps readable; ceil so the MAX_POINTS bound still holds.
    return float(math.ceil(chosen)) if chosen > 1.0 else 1.0


def _value(raw: object) -> float:
    # Prometheus sends sample values as strings: "1.5", "NaN", "+Inf", "-Inf".
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return float(raw)
    raise TypeError(f"sample value {raw!r}")


def _labels(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise TypeError("metric is not an object")
    return {str(k): str(v) for k, v in raw.items()}


def decode_vector(result: object) -> list[Sample]:
    if not isinstance(result, list):
        raise TypeError("vector result is not a list")
    out: list[Sample] = []
    for item in result:
        if "histogram" in item and "value" not in item:
            continue  # a native histogram sample: not used by this tool
        value = item["value"]
        out.append(Sample(_labels(item["metric"]), _value(value[1]), float(value[0])))
    return out


def decode_matrix(result: object) -> list[Series]:
    if not isinstance(result, list):
        raise TypeError("matrix result is not a list")
    out: list[Series] = []
    for item in result:
        points = tuple((float(t), _value(v)) for t, v in item.get("values") or ())
        out.append(Series(_labels(item["metric"]), points))
    return out


def decode_data(data: object) -> list[Sample] | list[Series]:
    """The `data` object of a successful answer, by its resultType."""
    if not isinstance(data, dict):
        raise TypeError("data is not an object")
    kind = data.get("resultType")
    result = data.get("result")
    if kind == "vector":
        return decode_vector(result)
    if kind == "matrix":
        return decode_matrix(result)
    if kind == "scalar":
        if not isinstance(result, list) or len(result) != 2:
            raise TypeError("scalar result is not [time, value]")
        return [Sample({}, _value(result[1]), float(result[0]))]
    raise TypeError(f"resultType {excerpt(str(kind), 30)!r} is not a number type")


class PrometheusClient:
    """Queries one Prometheus-compatible API at `url` (a base URL, path prefix allowed)."""

    def __init__(self, url: str, http: httpx.AsyncClient) -> None:
        self.url = remember_url_secrets(url.rstrip("/"))
        self.shown_url = redact(self.url)
        """`url` without any `user:password@`: the one for messages and screens."""
        self.http = http

    async def _api(self, path: str, params: dict[str, str]) -> object:
        """GET (or POST when long) `path`; the `data` of a successful answer."""
        endpoint = self.url + path
        encoded = form(params)  # once: httpx would encode `data` / `params` again
        if len(encoded) > MAX_GET_QUERY:
            content = encoded.encode("ascii")
            response = await send(
                self.http, "POST", endpoint, base=self.url, content=content, headers=FORM
            )
        else:
            response = await send(self.http, "GET", f"{endpoint}?{encoded}", base=self.url)
        if response.status_code in AUTH_REFUSALS:
            raise AuthRefused(
                # The words lead: they are what the status line has room for.
                refusal_words(response, self.http),
                url=self.shown_url,
            )
        body = await decode_json(response, self.url)
        status = body.get("status") if isinstance(body, dict) else None
        if isinstance(body, dict) and status == "error":
            error_type = excerpt(str(body.get("errorType", "")), 40)
            error = excerpt(str(body.get("error", "")), 300)
            words = f"{error_type}: {error}" if error_type else error
            raise QueryError(words or "query failed", error_type=error_type, url=self.shown_url)
        if (
            not isinstance(body, dict)
            or status != "success"
            or "data" not in body
            or response.status_code != 200
        ):
            raise BadResponse(
                f"answered HTTP {response.status_code} with JSON that is not a Prometheus "
                f"API answer: {excerpt(response.content, 80)}",
                url=self.shown_url,
            )
        return body["data"]

    async def _query(self, path: str, params: dict[str, str]) -> list[Sample] | list[Series]:
        return self._decoded(await self._api(path, params))

    def _decoded(self, data: object) -> list[Sample] | list[Series]:
        try:
            return decode_data(data)
        except (TypeError, KeyError, IndexError, ValueError, AttributeError) as e:
            raise BadResponse(
                f"answered with an unexpected shape ({redact(str(e))[:80]})", url=self.shown_url
            ) from None

    async def instant(self, query: str, at: float | None = None) -> list[Sample]:
        """Evaluate `query` at `at` (default: now). A scalar is one Sample with no labels."""
        return (await self.instant_answer(query, at))[0]

    async def instant_answer(
        self, query: str, at: float | None = None
    ) -> tuple[list[Sample], bool]:
        """`instant`, and whether the answer was a scalar (sources/merged_instant.py)."""
        params = {"query": query}
        if at is not None:
            params["time"] = f"{at:.3f}"
        data = await self._api("/api/v1/query", params)
        result = self._decoded(data)
        if result and isinstance(result[0], Series):
            raise BadResponse("an instant query answered a range (matrix)", url=self.shown_url)
        is_scalar = isinstance(data, dict) and data.get("resultType") == "scalar"
        return result, is_scalar  # type: ignore[return-value]  # checked: vector or scalar

    async def range(
        self, query: str, start: float, end: float, step: float | None = None
    ) -> list[Series]:
        """Evaluate `query` from `start` to `end`; see `choose_step` for the step."""
        params = {
            "query": query,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{choose_step(start, end, step):g}",
        }
        result = await self._query("/api/v1/query_range", params)
        if result and isinstance(result[0], Sample):
            raise BadResponse("a range query answered a single value", url=self.shown_url)
        return result  # type: ignore[return-value]  # checked: matrix

    async def buildinfo(self) -> dict[str, object]:
        """GET /api/v1/status/buildinfo: version, revision, ... (Prometheus itself)."""
        data = await self._api("/api/v1/status/buildinfo", {})
        if not isinstance(data, dict):
            raise BadResponse("buildinfo is not an object", url=self.shown_url)
        return data

    async def ready(self) -> bool:
        """True when GET /-/ready answers 200; raises `Unreachable` when nothing answers."""
        response = await send(self.http, "GET", self.url + "/-/ready", base=self.url)
        return response.status_code == 200
