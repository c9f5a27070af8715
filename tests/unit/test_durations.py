"""parse_duration / format_duration / format_age: the units at the edges."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from oncall_tui.durations import format_age, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("300ms", 0.3),
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("7d", 604800.0),
        ("1w", 604800.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("2m 14s", 134.0),
        ("1.5h", 5400.0),
        (" 45 ", 45.0),
        ("0.25", 0.25),
        ("0s", 0.0),
        (45, 45.0),
        (2.5, 2.5),
    ],
)
def test_parse_accepts(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty string"),
        ("abc", 'got "abc"'),
        ("5x", 'got "5x"'),
        ("-5s", 'got "-5s"'),
        ("ms", 'got "ms"'),
        ("30m1h", "largest to smallest"),
        ("1h1h", "largest to smallest"),
        (-1, "non-negative"),
        (math.nan, "non-negative"),
        (math.inf, "non-negative"),
        (True, "got true"),
    ],
)
def test_parse_refuses_with_clear_text(text: str | float, message: str) -> None:
    with pytest.raises(ValueError, match=r"duration|units") as info:
        parse_duration(text)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.85, "850ms"),
        (0.0004, "0.4ms"),
        (2.5, "2.5s"),
        (3.0, "3s"),
        (45, "45s"),
        (134, "2m 14s"),
        (2700, "45m"),
        (11100, "3h 5m"),
        (11159, "3h 5m"),
        (187200, "2d 4h"),
        (59.6, "1m"),
        (-134, "-2m 14s"),
        (math.nan, "n/a"),
        (math.inf, "n/a"),
    ],
)
def test_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(12, "12s ago"), (0.3, "just now"), (-5, "in 5s"), (3700, "1h 1m ago"), (math.nan, "n/a")],
)
def test_format_age(seconds: float, text: str) -> None:
    assert format_age(seconds) == text


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
@example(seconds=1.05)  # 1.05 is 1.0500000000000000444 in binary: rounds to "1s"
def test_format_parses_back_close(seconds: float) -> None:
    back = parse_duration(format_duration(seconds))
    # Two units are shown and the rest dropped: the error is below one unit of the
    # second one, which is at most 1/24 of the value (d -> h), or half of the 0.1 s
    # rounding below 10 s (plus the float error of a decimal like 1.05).
    assert abs(back - seconds) <= max(seconds / 24, 0.05 + 1e-9, 0.0005 * seconds)


@given(
    st.integers(min_value=0, max_value=400),
    # (unit, next unit, how many of the next make one unit, how many units make the
    # one above): "24h" is written "1d", so the big part stays below that.
    st.sampled_from([("d", "h", 24, 401), ("h", "m", 60, 24), ("m", "s", 60, 60)]),
    st.integers(min_value=0, max_value=59),
)
def test_two_unit_values_round_trip_exactly(
    big: int, units: tuple[str, str, int, int], small: int
) -> None:
    first, second, ratio, above = units
    big %= above
    small %= ratio
    text = f"{big}{first}{small}{second}"
    seconds = parse_duration(text)
    assert parse_duration(format_duration(seconds)) == seconds


@given(st.text(max_size=20))
def test_parse_raises_only_value_error(text: str) -> None:
    try:
        value = parse_duration(text)
    except ValueError:
        return
    assert value >= 0 and math.isfinite(value)
