"""A value with the `unit` a `[[panels]]` / SLO entry names, as short display text.

The one place panel and SLO numbers become text, for the TUI and `snapshot --format
text` alike (durations go through `durations.format_duration`):

    "ratio" / "%"   0.0234 -> "2.34%"     "percent"  85.2 -> "85.2%"
    "s"             0.25 -> "250ms"       "ms"       250 -> "250ms"
    "bytes"         1536 -> "1.5 KiB"     ""         12345 -> "12.3k", 7.0 -> "7"
    "count"         9.3 -> "9", 0.2 -> "<1", 12345.6 -> "12,346" (events; whole)
    "$" "€" "£"...  money: "$12.34"; "$/h" -> "$12.34/h"; anything else is a suffix.
"""

from __future__ import annotations

import math

from oncall_tui.durations import format_duration

NA = "—"
_CURRENCY = ("$", "€", "£", "¥")
_SI = (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3))
_IEC = (("TiB", 1024.0**4), ("GiB", 1024.0**3), ("MiB", 1024.0**2), ("KiB", 1024.0))


def number(v: float) -> str:
    """Compact: whole numbers as such ("142"), 3 significant digits otherwise."""
    a = abs(v)
    for prefix, size in _SI:
        if a >= size * 10 or (a >= size and size >= 1e6):
            return f"{v / size:.3g}{prefix}"
    if a >= 1000 or v == int(v):
        return f"{v:.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    # Three significant digits, never in e-notation ("0.00000401", not "4.01e-06").
    digits = min(15, 2 - math.floor(math.log10(a)))
    return f"{v:.{digits}f}".rstrip("0").rstrip(".")


def percent(ratio: float) -> str:
    """A ratio as percent with the digits it needs: 0.0234 -> "2.34%", 0.985 -> "98.5%"."""
    p = ratio * 100
    if p == 0:
        return "0%"
    digits = 2 if abs(p) < 10 else 1
    return f"{p:.{digits}f}%"


def format_value(value: float | None, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return NA
    u = unit.strip()
    if u in ("ratio", "%"):
        return percent(value)
    if u == "percent":
        return percent(value / 100)
    if u == "s":
        return format_duration(value) if value >= 0 else "-" + format_duration(-value)
    if u == "ms":
        return format_value(value / 1000, "s")
    if u == "count":
        # Prometheus' increase() extrapolates a count to fractions ("7.3 runs"): whole
        # numbers, and "<1" for a count that happened but rounds to none.
        return "<1" if 0 < value < 0.5 else f"{round(value):,d}"
    if u == "bytes":
        a = abs(value)
        for name, size in _IEC:
            if a >= size:
                return f"{value / size:.3g} {name}"
        return f"{value:.0f} B"
    if u[:1] in _CURRENCY:
        money = f"{value:,.2f}" if abs(value) < 1e6 else number(value)
        return f"{u[0]}{money}{u[1:]}"
    return f"{number(value)} {u}" if u else number(value)
