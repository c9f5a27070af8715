"""Durations at the edges: "1h30m" in, seconds (float) inside, "1h 30m" out.

Inside the program every duration is seconds as a float; these helpers are the only
place units appear. Accepted input units: ms, s, m, h, d, w (Prometheus' spelling),
combined largest first ("1h30m", "1h 30m"); a plain number is seconds.
"""

from __future__ import annotations

import json
import math
import re

UNITS: dict[str, float] = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 7 * 86400.0,
}
# Largest first: "1h30m" is accepted, "30m1h" is not (it is almost surely a typo).
_ORDER = ("w", "d", "h", "m", "s", "ms")
_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d|w)\s*")
_NUMBER = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*")
EXAMPLES = '"300ms", "30s", "5m", "1h30m", "7d"'


def _show(value: object) -> str:
    """A value as the user wrote it, on one line, double-quoted if it is a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 40 else value[:40] + "…", ensure_ascii=False)
    return repr(value)


def parse_duration(s: str | float) -> float:
    """Seconds in `s`: "300ms" -> 0.3, "1h30m" -> 5400.0, "45" -> 45.0, 45 -> 45.0.

    Raises ValueError with a message that says what is accepted. Negative, NaN and
    infinite durations are refused: nothing in this program waits a negative time.
    """
    if isinstance(s, bool):  # bool is an int subclass; `true` is never a duration
        raise ValueError(f"expected a duration like {EXAMPLES}, got {_show(s)}")
    if isinstance(s, int | float):
        if not math.isfinite(s) or s < 0:
            raise ValueError(f"expected a non-negative duration, got {s!r}")
        return float(s)
    if not isinstance(s, str):
        raise ValueError(f"expected a duration like {EXAMPLES}, got {type(s).__name__}")
    if _NUMBER.fullmatch(s):
        return float(s)
    total = 0.0
    pos = 0
    last_rank = -1
    text = s.strip()
    if not text:
        raise ValueError(f"expected a duration like {EXAMPLES}, got an empty string")
    while pos < len(text):
        m = _PART.match(text, pos)
        if m is None:
            raise ValueError(f"expected a duration like {EXAMPLES}, got {_show(s)}")
        rank = _ORDER.index(m.group(2))
        if rank <= last_rank:
            raise ValueError(
                f"units in {_show(s)} must go from largest to smallest, each once (like 1h30m)"
            )
        last_rank = rank
        total += float(m.group(1)) * UNITS[m.group(2)]
        pos = m.end()
    if not math.isfinite(total):
        raise ValueError(f"duration {_show(s)} is too large")
    return total


def format_duration(seconds: float) -> str:
    """Compact and human: 0.85 -> "850ms", 134 -> "2m 14s", 2700 -> "45m",
    11100 -> "3h 5m", 187200 -> "2d 4h". At most two units, the smaller truncated.

    The result parses back with `parse_duration`. NaN or infinite -> "n/a".
    """
    if not math.isfinite(seconds):
        return "n/a"
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds == 0:
        return "0s"
    if seconds < 0.001:
        # Three decimals of a millisecond (a microsecond) is as fine as anything we time.
        tiny = f"{seconds * 1000:.3f}".rstrip("0").rstrip(".")
        return f"{tiny}ms"
    if seconds < 1:
        ms = round(seconds * 1000)
        return "1s" if ms >= 1000 else f"{ms}ms"
    if seconds < 10:
        # One decimal keeps "2.5s" (a slow request) distinct from "2s".
        tenths = round(seconds * 10)
        if tenths < 100:
            whole, frac = divmod(tenths, 10)
            return f"{whole}s" if frac == 0 else f"{whole}.{frac}s"
    total = round(seconds)
    parts: list[tuple[int, str]] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, total = divmod(total, size)
        parts.append((n, unit))
    # The first non-zero unit, then the next one if it is non-zero.
    first = next(i for i, (n, _) in enumerate(parts) if n)
    out = f"{parts[first][0]}{parts[first][1]}"
    if first + 1 < len(parts) and parts[first + 1][0]:
        out += f" {parts[first + 1][0]}{parts[first + 1][1]}"
    return out


def format_age(seconds: float) -> str:
    """How long ago: 12 -> "12s ago", 0.3 -> "just now", -5 -> "in 5s" (clock skew)."""
    if not math.isfinite(seconds):
        return "n/a"
    if abs(seconds) < 1:
        return "just now"
    if seconds < 0:
        return f"in {format_duration(round(-seconds))}"
    return f"{format_duration(round(seconds))} ago"
