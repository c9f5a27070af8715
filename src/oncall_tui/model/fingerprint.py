"""Alert fingerprints, computed exactly as Prometheus/Alertmanager do.

`model.LabelSet.Fingerprint()` in prometheus/common: FNV-1a 64-bit over the label
names in sorted (byte) order, each name's UTF-8 bytes, a 0xff separator, the value's
bytes, a 0xff separator; printed as 16 lowercase hex digits. An empty label set
hashes to the FNV offset basis (Go's `hashNew()`), which the same loop yields here.
Matching our fingerprints to Alertmanager's lets journal acks find their alerts and
incidents without asking the server.
"""

from __future__ import annotations

from collections.abc import Mapping

_OFFSET64 = 14695981039346656037
_PRIME64 = 1099511628211
_MASK64 = 0xFFFFFFFFFFFFFFFF
_SEP = b"\xff"


def _fnv1a(h: int, data: bytes) -> int:
    for byte in data:
        h ^= byte
        h = (h * _PRIME64) & _MASK64
    return h


def fingerprint(labels: Mapping[str, str]) -> str:
    """The Alertmanager fingerprint of `labels`, e.g. "a3c2d5e6f7081920"."""
    # Python orders str by code point, which is the UTF-8 byte order Go sorts by.
    parts: list[bytes] = []
    for name in sorted(labels):
        parts += (_utf8(name), _SEP, _utf8(labels[name]), _SEP)
    return f"{_fnv1a(_OFFSET64, b''.join(parts)):016x}"


def _utf8(s: str) -> bytes:
    # surrogatepass: a stray surrogate must not make a fingerprint raise.
    return s.encode("utf-8", "surrogatepass")
