"""The demo service process: serves the simulation's metrics and a control endpoint,
both on loopback, and advances the simulation in real time.

Control (used by the demo runbooks): `POST /heal/<backend>`, `POST /degrade/<backend>`,
`POST /cache-clear` (fails now and then), `POST /escalate` (needs the demo token in
`X-Demo-Token`), `GET /state`.

Run as its own process: `python -m oncall_tui.demo.service --port N --control-port M`.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import math
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from prometheus_client import start_http_server

from oncall_tui.demo.simulation import BACKENDS, TICK_S, Simulation, Timing

TOKEN_ENV = "ONCALL_TUI_DEMO_TOKEN"


def control_handler(sim: Simulation, token: str | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/state":
                self._reply(200, sim.state())
            else:
                self._reply(404, {"error": "unknown path"})

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = url.path.strip("/").split("/")
            duration = _float(query.get("duration"), 1.0)
            if parts[0] in ("heal", "degrade") and len(parts) == 2:
                if parts[1] not in BACKENDS:
                    self._reply(404, {"error": f"no backend {parts[1]!r}"})
                elif parts[0] == "degrade":
                    sim.degrade(parts[1])
                    self._reply(200, {"backend": parts[1], "degraded": True})
                else:
                    was = sim.heal(parts[1])
                    if query.get("runbook"):
                        sim.record_run(query["runbook"], True, duration)
                    self._reply(200, {"backend": parts[1], "was_degraded": was})
            elif parts == ["cache-clear"]:
                ok = sim.cache_clear()
                sim.record_run(query.get("runbook", "flaky-cache-clear"), ok, duration)
                if ok:
                    self._reply(200, {"cleared": True})
                else:
                    self._reply(500, {"error": "cache node 3 did not answer"})
            elif parts == ["escalate"]:
                if token is None or self.headers.get("X-Demo-Token") != token:
                    self._reply(401, {"error": "missing or wrong X-Demo-Token"})
                    return
                who = _json_field(body, "backend") or "unknown"
                sim.record_run("page-backend-owner", True, duration)
                sim.metrics.escalations.labels("page-backend-owner").inc()
                self._reply(202, {"paged": f"owner of {who}"})
            else:
                self._reply(404, {"error": "unknown path"})

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the demo's log would drown in scrapes

    return Handler


def _float(text: str | None, default: float) -> float:
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return value if math.isfinite(value) and value >= 0 else default


def _json_field(body: bytes, key: str) -> str | None:
    with contextlib.suppress(ValueError):
        data = json.loads(body or b"{}")
        if isinstance(data, dict) and isinstance(data.get(key), str):
            return str(data[key])
    return None


def serve(
    port: int, control_port: int, sim: Simulation, token: str | None, stop: threading.Event
) -> None:
    """Serve metrics and control on loopback, advancing the simulation in real time."""
    metrics_server, _ = start_http_server(port, addr="127.0.0.1", registry=sim.metrics.registry)
    control = ThreadingHTTPServer(("127.0.0.1", control_port), control_handler(sim, token))
    control.daemon_threads = True
    threading.Thread(target=control.serve_forever, daemon=True).start()
    try:
        next_tick = time.monotonic()
        while not stop.is_set():
            sim.step(TICK_S)
            next_tick += TICK_S
            stop.wait(max(0.0, next_tick - time.monotonic()))
    finally:
        control.shutdown()
        control.server_close()
        metrics_server.shutdown()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m oncall_tui.demo.service")
    p.add_argument("--port", type=int, required=True, help="metrics port (loopback)")
    p.add_argument("--control-port", type=int, required=True, help="control port (loopback)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--no-auto-degrade", action="store_true")
    args = p.parse_args(argv)
    with contextlib.suppress(Exception):  # die with the launcher even if it is SIGKILLed
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sim = Simulation(
        seed=args.seed, timing=Timing(args.speed), auto_degrade=not args.no_auto_degrade
    )
    serve(args.port, args.control_port, sim, os.environ.get(TOKEN_ENV) or None, stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
