"""A tiny world with exactly known SLO numbers, for tests/integration/test_slos_panels.py.

`SloExporter` serves counters computed at scrape time from one tick count k (10 ticks
a second, not rounded): every scrape sees exactly 2 % of `orders_total` failed and exactly 3 % of
`orders_seconds` observations over 300ms, so any rate window gives the same ratios (the
two series of a ratio grow in lock-step, so Prometheus' extrapolation cancels out):

    orders_total                = 100 k     orders_failed_total         = 2 k
    orders_seconds_bucket{0.1}  = 90 k      orders_seconds_bucket{0.3}  = 97 k
    orders_seconds_count        = 100 k     (+Inf = count)
    llm_cost_usd_total{model}   = gpt 0.5 k, claude 0.25 k   (5 $/s and 2.5 $/s)
    app_errors_total{type}      = timeout 3 k, rate_limit 1 k, bad_input 0.5 k
    rpc_calls_total{method}     = GET 40 k, POST 10 k; rpc_failed_total{method} GET 0.4 k

SLOTH_RULES records Sloth's own rule names from these, so discovery is tested against
rules a real Prometheus evaluates.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oncall_tui.demo.servers import free_port

TICKS_PER_S = 10.0

SERIES: tuple[tuple[str, str, float], ...] = (
    ("orders_total", "", 100),
    ("orders_failed_total", "", 2),
    ("orders_seconds_bucket", 'le="0.1"', 90),
    ("orders_seconds_bucket", 'le="0.3"', 97),
    ("orders_seconds_bucket", 'le="+Inf"', 100),
    ("orders_seconds_count", "", 100),
    ("orders_seconds_sum", "", 15),
    ("llm_cost_usd_total", 'model="gpt"', 0.5),
    ("llm_cost_usd_total", 'model="claude"', 0.25),
    ("app_errors_total", 'type="timeout"', 3),
    ("app_errors_total", 'type="rate_limit"', 1),
    ("app_errors_total", 'type="bad_input"', 0.5),
    ("rpc_calls_total", 'method="GET"', 40),
    ("rpc_calls_total", 'method="POST"', 10),
    ("rpc_failed_total", 'method="GET"', 0.4),
)

SLOTH_LABELS = "sloth_id: orders-latency, sloth_service: orders, sloth_slo: latency"
_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d")


def _sloth_rule(w: str) -> str:
    bad = (
        f'sum(rate(orders_seconds_count[{w}])) - sum(rate(orders_seconds_bucket{{le="0.3"}}[{w}]))'
    )
    return (
        f"      - record: slo:sli_error:ratio_rate{w}\n"
        f"        expr: ({bad}) / sum(rate(orders_seconds_count[{w}]))\n"
        f"        labels: {{{SLOTH_LABELS}, sloth_window: {w}}}\n"
    )


SLOTH_RULES = (
    "groups:\n  - name: sloth\n    interval: 1s\n    rules:\n"
    + "".join(_sloth_rule(w) for w in _WINDOWS)
    + "      - record: slo:objective:ratio\n        expr: vector(0.98)\n"
    f"        labels: {{{SLOTH_LABELS}}}\n"
    "      - record: slo:time_period:days\n        expr: vector(30)\n"
    f"        labels: {{{SLOTH_LABELS}}}\n"
)
"""Sloth's rules for an "orders-latency" SLO of 98 % (3 % slow: burn 1.5, budget -50 %)."""


class SloExporter:
    def __init__(self) -> None:
        self.t0 = time.time()
        self.port = free_port()
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def render(self) -> str:
        # Not rounded to whole ticks: absolute rates come out right to the scrape jitter.
        # As if running for an hour already: Prometheus does not extrapolate a rate back
        # past a counter's zero, which would shrink the first seconds' rates.
        k = (time.time() - self.t0 + 3600.0) * TICKS_PER_S
        lines = []
        for name, labels, per_tick in SERIES:
            lines.append(f"{name}{{{labels}}} {per_tick * k}")
        return "\n".join(lines) + "\n"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
