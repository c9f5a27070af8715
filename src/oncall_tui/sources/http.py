"""The HTTP client every source uses, secret redaction, and HTTP trouble in words.

`make_http_client(auth)` applies one `HttpAuth` (headers with `${ENV}`, bearer token,
basic auth, TLS). Every secret it reads is remembered so that `redact()` can remove it
from any error text before that text reaches a screen, a log or `snapshot` output.

`send()` is the one place where httpx exceptions become `Unreachable` / `BadResponse`
with short human words ("connection refused to http://127.0.0.1:9090", "timed out after
10s waiting for ..."), never a traceback; `parse_json()` does the same for bodies.
It also guards against hostile answers: the whole request has one deadline (a body
trickled a byte a second cannot outlive the timeout), and the body is decompressed by
us, counted as it grows, and refused past the source's `max_response_mb` (a 1 MB gzip
bomb never becomes gigabytes). `refusal_words()` turns a 401 / 403 into words that say
which setting to check.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import functools
import os
import re
import ssl
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import httpx
import msgspec
import orjson

from oncall_tui import __version__
from oncall_tui.config_types import HttpAuth
from oncall_tui.cpu_lane import in_lane
from oncall_tui.sources.errors import (
    AuthSetupError,
    BadResponse,
    SourceError,
    TimedOut,
    Unreachable,
)
from oncall_tui.text import clean_excerpt

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
_TAG = re.compile(r"<[^>]*>")
MB = 1024 * 1024

REDACTED = "***"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def _remember(secret: str) -> str:
    if secret:
        with _secrets_lock:
            _secrets.add(secret)
    return secret


def redact(text: str) -> str:
    """`text` with every secret this module has read replaced by `***`, and any
    `user:password@` part of a URL removed."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leaks
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return _USERINFO.sub(REDACTED + "@", text)


def remember_url_secrets(url: str) -> str:
    """Remember the password of a `user:password@` URL as a secret; `url` unchanged.
    (httpx sends it as basic auth, and a server may echo it in an error page.)"""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    if parsed.password:
        _remember(parsed.password)
        raw = f"{parsed.username}:{parsed.password}".encode()
        _remember(base64.b64encode(raw).decode())
    return url


def _env(name: str, what: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise AuthSetupError(f"{what}: environment variable {name} is not set")
    return value


def expand_env(value: str, what: str) -> str:
    """Replace each `${NAME}` in `value` by the environment's value, remembered as a
    secret (header values from the environment are often tokens)."""

    def sub(m: re.Match[str]) -> str:
        return _remember(_env(m.group(1), what))

    return _ENV_REF.sub(sub, value)


def _bearer_token(auth: HttpAuth) -> str | None:
    if auth.bearer_token_env:
        token = _env(auth.bearer_token_env, "bearer_token_env").strip()
        if not token:
            raise AuthSetupError(f"bearer_token_env: {auth.bearer_token_env} is empty")
        return _remember(token)
    if auth.bearer_token_file:
        try:
            token = Path(auth.bearer_token_file).read_text().strip()
        except OSError as e:
            raise AuthSetupError(
                f"bearer_token_file: cannot read {auth.bearer_token_file}: {e.strerror}"
            ) from None
        if not token:
            raise AuthSetupError(f"bearer_token_file: {auth.bearer_token_file} is empty")
        return _remember(token)
    return None


def _basic_auth(auth: HttpAuth) -> httpx.BasicAuth | None:
    if auth.basic_auth_username is None:
        return None
    password = ""
    if auth.basic_auth_password_env:
        password = _remember(_env(auth.basic_auth_password_env, "basic_auth.password_env"))
    raw = f"{auth.basic_auth_username}:{password}".encode()
    _remember(base64.b64encode(raw).decode())  # the header value itself is a secret too
    return httpx.BasicAuth(auth.basic_auth_username, password)


def _verify(auth: HttpAuth, tls: bool) -> ssl.SSLContext | bool:
    if auth.tls_skip_verify:
        return False
    if auth.tls_ca_file:
        try:
            return ssl.create_default_context(cafile=auth.tls_ca_file)
        except (OSError, ssl.SSLError) as e:
            reason = getattr(e, "strerror", None) or type(e).__name__
            raise AuthSetupError(f"tls_ca_file: cannot load {auth.tls_ca_file}: {reason}") from None
    if not tls:
        return _NO_TLS
    return _default_tls()


_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
"""For a source whose URLs are all http://: loading the CA bundle (~17 ms a client, on
the way to the first frame) buys nothing there. It still verifies, against no CA: a TLS
connection it was never meant to make fails closed."""


@functools.cache
def _default_tls() -> ssl.SSLContext:
    """The system / certifi CA bundle, loaded once and shared by every client (an
    SSLContext is made to be shared)."""
    return httpx.create_ssl_context()


def _is_https(url: str) -> bool:
    return url.strip().lower().startswith("https:")


class SourceClient(httpx.AsyncClient):
    """An AsyncClient that knows its source's limits, for `send()`."""

    deadline_s: float = HttpAuth.timeout_s
    """The whole request, first byte to last."""
    max_response_mb: float = HttpAuth.max_response_mb
    """Largest decoded body read (as configured, for the words)."""

    auth_hint: str = "no credentials configured (bearer_token_env, basic_auth)"
    """What a 401 / 403 should make the user check."""


def _auth_hint(auth: HttpAuth) -> str:
    if auth.bearer_token_env:
        return f"check bearer_token_env ({auth.bearer_token_env})"
    if auth.bearer_token_file:
        return "check bearer_token_file"
    if auth.basic_auth_username is not None:
        return "check basic_auth"
    if auth.headers:
        return "check headers"
    return SourceClient.auth_hint


def make_http_client(auth: HttpAuth, urls: Sequence[str] | None = None) -> SourceClient:
    """An AsyncClient for one source: its headers, credentials, TLS, deadline and
    answer size limit. `urls`: the source's URLs, when known (none https: no CA bundle
    is loaded).

    Raises `AuthSetupError` when an environment variable or file it needs is missing.
    """
    headers = {
        "User-Agent": f"oncall-tui/{__version__}",
        "Accept": "application/json",
        # Only what `_Decoder` reads itself (httpx would offer br / zstd when installed).
        "Accept-Encoding": "gzip, deflate",
    }
    for name, value in auth.headers.items():
        headers[name] = expand_env(value, f"headers.{name}")
    token = _bearer_token(auth)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    client = SourceClient(
        headers=headers,
        auth=_basic_auth(auth),
        verify=_verify(auth, urls is None or any(_is_https(u) for u in urls)),
        timeout=httpx.Timeout(auth.timeout_s),
        # A poll sends its queries (~30 on the demo) at once over at most 8 connections;
        # every one of them is kept for the next poll: keeping fewer closed and opened
        # again a connection for most requests, each poll (the CPU of a TCP handshake).
        limits=httpx.Limits(max_connections=8, max_keepalive_connections=8, keepalive_expiry=30),
        http1=True,
        http2=False,
        follow_redirects=False,
    )
    client.deadline_s = auth.timeout_s
    client.max_response_mb = auth.max_response_mb
    client.auth_hint = _auth_hint(auth)
    return client


# ---- trouble in words ------------------------------------------------------------


def excerpt(text: str | bytes, limit: int = 120, *, html: bool = False) -> str:
    """A short one-line extract of an outside body, control characters removed."""
    if isinstance(text, bytes):
        text = text[: limit * 20].decode("utf-8", errors="replace")
    if html:
        text = _TAG.sub(" ", text)
    return redact(clean_excerpt(text, limit))


def _seconds(value: float | None) -> str:
    return "?s" if value is None else f"{value:g}s"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _connect_words(exc: httpx.HTTPError, base: str) -> str:
    chain = list(_causes(exc))
    codes = {getattr(e, "errno", None) for e in chain}
    text = " ".join(str(e) for e in chain)
    if errno.ECONNREFUSED in codes or "refused" in text.lower():
        return f"connection refused to {base}"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        reason = text.split("certificate verify failed:", 1)[-1].split("(")[0].strip()
        return f"TLS certificate of {base} is not trusted ({reason or 'verify failed'})"
    if "SSL" in text or "TLS" in text:
        return f"TLS handshake with {base} failed"
    if any(
        s in text for s in ("Name or service not known", "nodename nor servname", "name resolution")
    ):
        return f"cannot resolve the host of {base}"
    if errno.ENETUNREACH in codes or errno.EHOSTUNREACH in codes:
        return f"network unreachable for {base}"
    return f"cannot connect to {base}: {excerpt(str(exc), 80) or type(exc).__name__}"


def error_from_httpx(exc: httpx.HTTPError | httpx.InvalidURL, base: str) -> SourceError:
    """An httpx exception as an `Unreachable` / `BadResponse` with words, no secrets."""
    base = redact(base)
    if isinstance(exc, httpx.TimeoutException):
        timeout = exc.request.extensions.get("timeout", {}) if _has_request(exc) else {}
        if isinstance(exc, httpx.ConnectTimeout):
            words = f"timed out after {_seconds(timeout.get('connect'))} connecting to {base}"
        elif isinstance(exc, httpx.PoolTimeout):
            words = f"timed out after {_seconds(timeout.get('pool'))} waiting for a connection"
        elif isinstance(exc, httpx.WriteTimeout):
            words = f"timed out after {_seconds(timeout.get('write'))} sending to {base}"
        else:
            words = f"timed out after {_seconds(timeout.get('read'))} waiting for {base}"
        return TimedOut(words, url=base)
    if isinstance(exc, httpx.ConnectError):
        return Unreachable(redact(_connect_words(exc, base)), url=base)
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending a response" in str(exc):  # h11: nothing came back at all
            return Unreachable(f"{base} closed the connection without answering", url=base)
        return BadResponse(f"{base} closed the connection in the middle of its answer", url=base)
    if isinstance(exc, httpx.DecodingError):
        return BadResponse(f"{base} sent a body that cannot be decoded", url=base)
    if isinstance(exc, httpx.ProtocolError | httpx.TooManyRedirects):
        return BadResponse(f"{base} did not answer valid HTTP", url=base)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return Unreachable(f"not a usable URL: {base}", url=base)
    return Unreachable(f"cannot reach {base} ({type(exc).__name__})", url=base)


def _has_request(exc: httpx.HTTPError) -> bool:
    try:
        exc.request  # noqa: B018 - raises RuntimeError when httpx did not attach one
    except RuntimeError:
        return False
    return True


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    base: str,
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One request, body read in full (decoded, at most the client's
    `max_response_mb`), all within the client's `deadline_s`. Transport trouble
    raises `Unreachable` (or `BadResponse` when an answer started but broke off or was
    too large); `base` names the source in the words. HTTP status codes are the
    caller's to judge."""
    deadline = getattr(http, "deadline_s", None) or http.timeout.read or HttpAuth.timeout_s
    mb = getattr(http, "max_response_mb", SourceClient.max_response_mb)
    try:
        async with asyncio.timeout(deadline):
            request = http.build_request(
                method, url, params=params, data=data, content=content, headers=headers
            )
            response = await http.send(request, stream=True)
            try:
                body = await _read_body(response, mb, base)
            finally:
                await response.aclose()
    except TimeoutError:
        raise TimedOut(
            f"timed out after {_seconds(deadline)} waiting for {redact(base)}", url=redact(base)
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        raise error_from_httpx(e, base) from None
    # The body is decoded already: a Response that would decode it again must not say gzip.
    kept = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DECODED]
    return httpx.Response(
        response.status_code,
        headers=kept,
        content=body,
        request=request,
        extensions=response.extensions,
    )


_DECODED = ("content-encoding", "content-length", "transfer-encoding")


def too_large_words(mb: float, base: str) -> str:
    return (
        f"answer larger than {mb:g} MB from {redact(base)} "
        "(raise max_response_mb if that is expected)"
    )


class _Decoder:
    """Content-Encoding undone chunk by chunk with a bound on the output, so a small
    compressed body cannot expand past `limit` in memory before it is counted."""

    def __init__(self, encoding: str, base: str) -> None:
        self.encoding = encoding
        self.base = base
        self._z: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
            self._first = True
        elif encoding not in ("", "identity"):
            raise BadResponse(
                f"{redact(base)} answered with content-encoding {clean_excerpt(encoding, 30)!r}, "
                "which is not supported",
                url=redact(base),
            )

    def decode(self, data: bytes, room: int) -> bytes:
        """At most `room` bytes of output for `data`; more are left pending, and
        `pending` says so (the caller then knows the answer is too large)."""
        if self._z is None:
            return data
        try:
            out = self._z.decompress(data, room)
        except zlib.error:
            if self.encoding == "deflate" and getattr(self, "_first", False):
                # Some servers send raw deflate without the zlib header.
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self.decode(data, room)
            raise BadResponse(
                f"{redact(self.base)} sent a body that cannot be decoded", url=redact(self.base)
            ) from None
        self._first = False
        return out

    @property
    def pending(self) -> bool:
        return self._z is not None and bool(self._z.unconsumed_tail)

    def more(self, room: int) -> bytes:
        assert self._z is not None
        return self.decode(self._z.unconsumed_tail, room)

    def flush(self) -> bytes:
        if self._z is None:
            return b""
        try:
            return self._z.flush()
        except zlib.error:
            return b""  # a truncated stream: what was decoded stands


async def _read_body(response: httpx.Response, mb: float, base: str) -> bytes:
    """The decoded body, counted while it streams in; `BadResponse` past `mb` MB."""
    limit = max(1, int(mb * MB))
    encoding = response.headers.get("content-encoding", "").strip().lower()
    decoder = _Decoder(encoding, base)
    declared = response.headers.get("content-length", "")
    if not encoding and declared.isdigit() and int(declared) > limit:
        raise BadResponse(too_large_words(mb, base), url=redact(base))
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        out = decoder.decode(chunk, limit - size + 1)
        while True:
            size += len(out)
            if size > limit:
                raise BadResponse(too_large_words(mb, base), url=redact(base))
            parts.append(out)
            if not decoder.pending:
                break
            out = decoder.more(limit - size + 1)
    rest = decoder.flush()
    if size + len(rest) > limit:
        raise BadResponse(too_large_words(mb, base), url=redact(base))
    parts.append(rest)
    return b"".join(parts)


AUTH_REFUSALS = (401, 403)


def refusal_words(response: httpx.Response, http: httpx.AsyncClient) -> str:
    """A 401 / 403 in words that say what to check: "401 Unauthorized: check
    bearer_token_env (PROM_TOKEN)"."""
    hint = getattr(http, "auth_hint", SourceClient.auth_hint)
    reason = response.reason_phrase or ("Unauthorized" if response.status_code == 401 else "")
    return f"{response.status_code} {reason}: {hint}".replace("  ", " ")


def describe_body(response: httpx.Response) -> str:
    """What came instead of JSON: "an HTML page", "an empty body", "text/plain content"."""
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    body = response.content.lstrip()
    if not body:
        return "an empty body"
    if "html" in ctype or body[:1] == b"<":
        return "an HTML page"
    return f"{ctype} content" if ctype else "a body without content type"


def _is_html(response: httpx.Response) -> bool:
    return describe_body(response) == "an HTML page"


def not_json_words(response: httpx.Response) -> str:
    """E.g. "answered HTTP 502 with an HTML page, not JSON: 502 Bad Gateway nginx"."""
    words = f"answered HTTP {response.status_code} with {describe_body(response)}, not JSON"
    snippet = excerpt(response.content, html=_is_html(response))
    return f"{words}: {snippet}" if snippet else words


def parse_json(response: httpx.Response, base: str) -> object:
    """The decoded body, or `BadResponse` saying what came instead."""
    body = response.content
    if not body.strip() or (body.lstrip()[:1] == b"<"):
        raise BadResponse(not_json_words(response), url=redact(base))
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        ctype = response.headers.get("content-type", "")
        if "json" in ctype:
            words = (
                f"answered HTTP {response.status_code} with broken JSON "
                f"({excerpt(e.msg, 60)}; truncated?)"
            )
            raise BadResponse(words, url=redact(base)) from None
        raise BadResponse(not_json_words(response), url=redact(base)) from None


_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])


def parse_json_items(response: httpx.Response, base: str) -> object:
    """A JSON array's items each as its own JSON text (a read-only memoryview into the
    body, which it keeps alive), undecoded; anything else decoded as `parse_json` does
    it (and the caller says it is no list). Views, not copies: 20,000 alerts' texts
    copied were 15 MB more per poll, in 20,000 blocks of malloc's heap scattered
    between the alerts kept (freed, they stayed mapped).

    The whole body is checked as JSON all the same: broken, truncated or not UTF-8 is
    the `BadResponse` of `parse_json`, never half a list."""
    body = response.content
    if not body.isascii():
        try:
            body.decode()
        except UnicodeDecodeError:
            return parse_json(response, base)  # orjson's words for the broken text
    try:
        return [memoryview(item) for item in _ITEMS.decode(body)]
    except msgspec.DecodeError:  # not JSON, or JSON but not an array
        return parse_json(response, base)


OFF_LOOP_BYTES = 256 * 1024
"""Bodies larger than this are decoded in a thread: 5,000 alerts are megabytes of JSON,
and decoding them on the event loop holds every key pressed meanwhile."""


async def decode_json(
    response: httpx.Response,
    base: str,
    parse: Callable[[httpx.Response, str], object] = parse_json,
) -> object:
    """`parse(response, base)` (`parse_json` or `parse_json_items`), off the event loop
    for a large body."""
    if len(response.content) < OFF_LOOP_BYTES:
        return parse(response, base)
    return await asyncio.to_thread(in_lane, parse, response, base)
