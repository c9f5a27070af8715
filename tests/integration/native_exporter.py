"""A loopback exporter of one Prometheus *native* histogram, in the protobuf exposition
format (the only one Prometheus 2.42 reads native histograms from; prometheus_client
writes text formats only, and `google.protobuf` is not a dependency, so the few
messages needed are encoded here by hand, field numbers from io.prometheus.client's
metrics.proto).

`NATIVE` (label svc="checkout") observes at constant rates: RATES[i] observations per
second in schema-0 bucket index FIRST_INDEX + i, i.e. (2^(k-1), 2^k]. Prometheus with
`--enable-feature=native-histograms` scrapes it as one native histogram series.
"""

from __future__ import annotations

import math
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oncall_tui.demo.servers import free_port

NATIVE = "shop_native_seconds"
SERVICE = "checkout"
FIRST_INDEX = -5  # (1/64, 1/32]
RATES = (20, 40, 20, 10, 10)  # observations per second in each bucket
CONTENT_TYPE = (
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _bytes(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _varint(len(payload)) + payload


def _uint(field: int, n: int) -> bytes:
    return _key(field, 0) + _varint(n)


def _sint(field: int, n: int) -> bytes:
    return _key(field, 0) + _varint(_zigzag(n))


def _double(field: int, x: float) -> bytes:
    return _key(field, 1) + struct.pack("<d", x)


def histogram_family(elapsed_s: float, timestamp_ms: int) -> bytes:
    """One delimited MetricFamily: the native histogram after `elapsed_s` seconds,
    stamped `timestamp_ms` (the moment its counts were taken)."""
    counts = [math.floor(r * elapsed_s) for r in RATES]
    upper = [2.0 ** (FIRST_INDEX + i) for i in range(len(RATES))]
    total = sum(counts)
    observed_sum = sum(c * u * 0.75 for c, u in zip(counts, upper, strict=True))
    deltas, previous = [], 0
    for c in counts:
        deltas.append(c - previous)
        previous = c
    span = _sint(1, FIRST_INDEX) + _uint(2, len(counts))
    histogram = (
        _uint(1, total)  # sample_count
        + _double(2, observed_sum)  # sample_sum
        + _sint(5, 0)  # schema
        + _double(6, 1e-128)  # zero_threshold
        + _uint(7, 0)  # zero_count
        + _bytes(12, span)  # positive_span
        + b"".join(_sint(13, d) for d in deltas)  # positive_delta
    )
    label = _bytes(1, b"svc") + _bytes(2, SERVICE.encode())
    metric = _bytes(1, label) + _uint(6, timestamp_ms) + _bytes(7, histogram)
    family = (
        _bytes(1, NATIVE.encode())
        + _bytes(2, b"A native histogram for the tests")
        + _uint(3, 4)  # HISTOGRAM
        + _bytes(4, metric)
    )
    return _varint(len(family)) + family


class NativeExporter:
    def __init__(self) -> None:
        started = time.time()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                # Stamped with the moment the counts are taken, not the scrape's start:
                # a busy machine answering a scrape late would otherwise skew the rate.
                now = time.time()
                body = histogram_family(now - started, int(now * 1000))
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
