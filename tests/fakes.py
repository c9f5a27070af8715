"""A real loopback HTTP server for the faults a real Prometheus/Alertmanager can't
produce: garbage bodies, HTML error pages, hangs, connections cut mid-body, bodies
trickled a byte at a time, gzip bombs (a `Content-Encoding: gzip` header on a body).
`RawEcho` is a webhook that records each request's bytes exactly as they arrived.

Used through the `fake_http` fixture (tests/conftest.py). It records every request
(method, path, headers, body) so tests can check what a client sent.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    """What the fake answers. `hang_s` > 0 waits that long before answering;
    `cut_after` sends only that many bytes of `body` (with the full Content-Length)
    and then closes the connection."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0
    cut_after: int | None = None
    trickle_s: float = 0.0
    """> 0: send the body one byte at a time, this long apart (a slow-loris answer)."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


Handler = Callable[[Request], Reply]


class FakeServer:
    """A ThreadingHTTPServer on 127.0.0.1 answering every request with `handler`."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[Request] = []
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = int(self._httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                server.requests.append(request)
                reply = server.handler(request)
                if reply.hang_s > 0 and server._stop.wait(reply.hang_s):
                    return  # shutting down: drop the connection
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.trickle_s > 0:
                    for i in range(len(reply.body)):
                        if server._stop.wait(reply.trickle_s):
                            return
                        try:
                            self.wfile.write(reply.body[i : i + 1])
                            self.wfile.flush()
                        except OSError:
                            return  # the client gave up: what the test wants
                    return
                if reply.cut_after is None:
                    self.wfile.write(reply.body)
                    return
                self.wfile.write(reply.body[: reply.cut_after])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return _Handler

    def close(self) -> None:
        self._stop.set()  # wakes hanging handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def canned(reply: Reply) -> Handler:
    """A handler that gives the same `reply` to every request."""
    return lambda _request: reply


@dataclass(frozen=True)
class RawRequest:
    """A request as bytes: nothing decoded, folded or normalised by a parser."""

    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> bytes:
        (value,) = [v for k, v in self.headers if k.lower() == name.lower().encode()]
        return value


class RawEcho:
    """A webhook on 127.0.0.1 that records every request byte for byte and answers 200.
    (http.server decodes header bytes as Latin-1 and splits them on characters such
    as U+0085, which would blur what a client really sent.)"""

    def __init__(self) -> None:
        self.requests: list[RawRequest] = []
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = int(self._sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                with contextlib.suppress(OSError):
                    self._one(conn)

    def _one(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        request_line, *lines = head.split(b"\r\n")
        method, target, _version = request_line.split(b" ", 2)
        headers = [tuple(line.split(b":", 1)) for line in lines]
        parsed = [(k, v.strip(b" \t")) for k, v in headers]  # OWS only, as HTTP says
        length = next((int(v) for k, v in parsed if k.lower() == b"content-length"), 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        self.requests.append(RawRequest(method, target, parsed, body))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(5)
