"""Client for the Alertmanager v2 API, one node or an HA cluster.

HA: each call tries the peers in order, starting with the one that answered last (then
the others in configured order, so the order is deterministic). No answer, a 5xx, a
401 / 403 ("401 Unauthorized: check bearer_token_env") or a body we cannot use -> the
next peer, and `peer_errors` keeps why. A 4xx is the cluster's
real answer (e.g. 400 for an invalid silence): `Rejected` with Alertmanager's own text,
not retried elsewhere. All peers failed -> `Unreachable` naming each peer's error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import quote

import httpx
import orjson

from oncall_tui.sources.errors import BadResponse, Rejected, SourceError, Unreachable
from oncall_tui.sources.http import (
    AUTH_REFUSALS,
    decode_json,
    excerpt,
    parse_json,
    parse_json_items,
    redact,
    refusal_words,
    remember_url_secrets,
    send,
)

_ALERTS = "/api/v2/alerts?active=true&silenced=true&inhibited=true"


def _rejection_text(response: httpx.Response) -> str:
    """Alertmanager's reason: a JSON string, a go-swagger {"message": ...}, or text."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = response.text
    if isinstance(body, dict):
        body = body.get("message") or body.get("error") or orjson.dumps(body).decode()
    return excerpt(str(body), 300) or f"HTTP {response.status_code}"


class AlertmanagerClient:
    """Talks to the Alertmanager peers at `urls` (base URLs)."""

    def __init__(self, urls: Sequence[str], http: httpx.AsyncClient) -> None:
        if not urls:
            raise ValueError("AlertmanagerClient needs at least one URL")
        self.urls: tuple[str, ...] = tuple(remember_url_secrets(u.rstrip("/")) for u in urls)
        self.http = http
        self.peer_errors: dict[str, str] = {}
        """Last error per peer URL ("" once it answered)."""
        self.last_peer: str | None = None
        """The peer that answered last."""

    def _order(self) -> list[str]:
        if self.last_peer in self.urls:
            return [self.last_peer, *(u for u in self.urls if u != self.last_peer)]
        return list(self.urls)

    def _fail(self, peer: str, words: str) -> None:
        shown = redact(peer)
        self.peer_errors[peer] = redact(words if shown in words else f"{shown}: {words}")

    async def _call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        answers_5xx: tuple[bytes, ...] = (),
        parse: Callable[[httpx.Response, str], object] = parse_json,
    ) -> object:
        """One API call with HA failover; the decoded JSON body (None when empty)."""
        content = None if body is None else orjson.dumps(body)
        headers = {"Content-Type": "application/json"} if content is not None else None
        for peer in self._order():
            try:
                response = await send(
                    self.http, method, peer + path, base=peer, content=content, headers=headers
                )
            except (Unreachable, BadResponse) as e:
                self._fail(peer, str(e))
                continue
            status = response.status_code
            if status in AUTH_REFUSALS:
                # This peer refused our credentials; another may not (and nothing was done).
                self._fail(peer, refusal_words(response, self.http))
                continue
            # Some 5xx are Alertmanager's real answer (e.g. 500 "silence not found").
            if status >= 500 and not any(text in response.content for text in answers_5xx):
                self._fail(peer, f"answered HTTP {status}: {_rejection_text(response)}")
                continue
            if status >= 400:
                self._answered(peer)
                raise Rejected(redact(_rejection_text(response)), status=status, url=redact(peer))
            if not response.content.strip():
                self._answered(peer)
                return None
            try:
                decoded = await decode_json(response, peer, parse)
            except BadResponse as e:
                self._fail(peer, str(e))
                continue
            self._answered(peer)
            return decoded
        errors = "; ".join(self.peer_errors.get(p, f"{redact(p)}: not tried") for p in self.urls)
        raise Unreachable(f"no Alertmanager answered: {errors}", url=redact(self.urls[0]))

    def _answered(self, peer: str) -> None:
        self.peer_errors[peer] = ""
        self.last_peer = peer

    def _bad(self, what: str) -> SourceError:
        peer = self.last_peer or self.urls[0]
        return BadResponse(redact(f"{peer} answered {what}"), url=redact(peer))

    async def _list(self, path: str) -> list[dict[str, object]]:
        body = await self._call("GET", path)
        if not isinstance(body, list) or not all(isinstance(x, dict) for x in body):
            raise self._bad(f"{path} with something other than a list of objects")
        return body

    async def alerts(self) -> list[dict[str, object]]:
        """GET /api/v2/alerts: active, silenced and inhibited alerts, as Alertmanager
        sends them (labels, annotations, status.state, silencedBy, fingerprint, ...)."""
        return await self._list(_ALERTS)

    async def alert_entries(self) -> list[memoryview]:
        """`alerts()`, each alert left as its own JSON text (a view into the body): in a
        storm most of them are the same text as at the last poll, and the model decodes
        only those that are not (model.alerts.AlertReuse). The body is checked as
        `alerts()` checks it."""
        body = await self._call("GET", _ALERTS, parse=parse_json_items)
        if not isinstance(body, list) or not all(
            isinstance(e, memoryview) and e[:1].tobytes() == b"{" for e in body
        ):
            raise self._bad(f"{_ALERTS} with something other than a list of objects")
        return body

    async def silences(self) -> list[dict[str, object]]:
        """GET /api/v2/silences: every silence the cluster still knows (incl. expired)."""
        return await self._list("/api/v2/silences")

    async def status(self) -> dict[str, object]:
        """GET /api/v2/status: cluster status, peers, version info, config."""
        body = await self._call("GET", "/api/v2/status")
        if not isinstance(body, dict):
            raise self._bad("/api/v2/status with something other than an object")
        return body

    async def create_silence(self, silence: dict[str, object]) -> str:
        """POST /api/v2/silences; the silence's id. With an "id" key, that silence is
        updated in place (Alertmanager keeps the id while the silence is active)."""
        body = await self._call("POST", "/api/v2/silences", silence)
        silence_id = body.get("silenceID") if isinstance(body, dict) else None
        if not isinstance(silence_id, str) or not silence_id:
            raise self._bad("a silence creation without a silenceID")
        return silence_id

    async def expire_silence(self, silence_id: str) -> None:
        """DELETE /api/v2/silence/{id}. Unknown or already expired -> `Rejected`."""
        # Alertmanager answers 500 "silence not found" (0.25) or "already expired" (older
        # and newer versions; 0.25 answers 200): real answers, not peer failures.
        try:
            await self._call(
                "DELETE",
                f"/api/v2/silence/{quote(silence_id, safe='')}",
                answers_5xx=(b"not found", b"already expired"),
            )
        except Rejected as e:
            raise Rejected(
                f"cannot expire silence {silence_id}: {e}", status=e.status, url=e.url
            ) from None
