"""Reading one TOML table with errors that name the dotted key.

`Table` wraps a parsed TOML table: typed getters that raise a one-line `ConfigError`
("key "latency.slo_p95": expected a duration like "300ms", got 5"), and `done()` that
refuses keys nobody asked for, suggesting the closest known one. `config.py` uses it
to build the typed tree.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from oncall_tui.durations import parse_duration

T = TypeVar("T")
# Keys people reach for that would put a secret into the file: say where it goes instead.
_SECRET_HINTS = {
    "password": "do not put the password in the config; name an environment variable that "
    'holds it with "password_env"',
    "bearer_token": 'do not put the token in the config; use "bearer_token_env" or '
    '"bearer_token_file"',
    "token": 'do not put the token in the config; use "bearer_token_env" or "bearer_token_file"',
}


class ConfigError(Exception):
    """A config problem, as one line: where, which key, what is wrong."""

    def __init__(self, where: str, key: str | None, problem: str) -> None:
        self.where = where
        self.key = key
        self.problem = problem
        what = f'key "{key}": {problem}' if key else problem
        super().__init__(f"config error in {where}: {what}".replace("\n", " "))


def show(value: object) -> str:
    """A value on one line in TOML words: strings double-quoted, tables and arrays named."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:60] + "…", ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return str(value)


class Table:
    """One TOML table being read: typed getters that name the dotted key on error, and
    a final `done()` that rejects keys nobody asked for (with a "did you mean")."""

    def __init__(self, data: Mapping[str, Any], prefix: str, where: str, base: Path) -> None:
        self.data = data
        self.prefix = prefix
        self.where = where
        self.base = base  # relative file paths are relative to the config file
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, problem: str) -> ConfigError:
        return ConfigError(self.where, self.key(name), problem)

    def get(self, name: str, default: T, convert: Callable[[Any], T], expected: str) -> T:
        self.seen.add(name)
        if name not in self.data:
            return default
        value = self.data[name]
        try:
            return convert(value)
        except ValueError as e:  # the converter said precisely what is wrong
            raise self.fail(name, str(e) or f"expected {expected}, got {show(value)}") from None
        except TypeError:
            raise self.fail(name, f"expected {expected}, got {show(value)}") from None

    def required(self, name: str) -> str:
        """A non-empty string that has no default."""
        if name not in self.data:
            self.seen.add(name)
            raise self.fail(name, "is required")
        return self.string(name, "")

    def string(self, name: str, default: str, nonempty: bool = True) -> str:
        value = self.get(name, default, _as_str, "a string")
        if nonempty and not value.strip():
            raise self.fail(name, "must not be empty")
        return value

    def opt_string(self, name: str) -> str | None:
        return self.get(name, None, _as_str, "a string") or None

    def boolean(self, name: str, default: bool) -> bool:
        return self.get(name, default, _as_bool, "true or false")

    def number(self, name: str, default: float, low: float = 0.0, high: float = math.inf) -> float:
        value = self.get(name, default, _as_number, "a number")
        if not low <= value <= high:
            rng = f"at least {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
            raise self.fail(name, f"must be {rng}, got {value:g}")
        return value

    def positive_int(self, name: str, default: int) -> int:
        return self.get(name, default, _as_positive_int, "a whole number of at least 1")

    def duration(self, name: str, default: float, positive: bool = True) -> float:
        value = self.get(name, default, _as_duration, 'a duration like "300ms", "30s", "5m"')
        if positive and value <= 0:
            raise self.fail(name, f"must be longer than 0, got {show(self.data[name])}")
        return value

    def strings(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        return self.get(name, default, _as_strings, "an array of strings")

    def string_map(self, name: str) -> dict[str, str]:
        return self.get(name, {}, _as_string_map, "a table of strings")

    def url(self, name: str, default: str) -> str:
        return self.check_url(name, self.string(name, default))

    def check_url(self, name: str, value: str) -> str:
        problem = url_problem(value)
        if problem:
            raise self.fail(name, problem)
        return value.rstrip("/")

    def path(self, name: str, must_exist: bool = False) -> str | None:
        value = self.opt_string(name)
        if value is None:
            return None
        p = Path(value).expanduser()
        if not p.is_absolute():
            p = self.base / p
        if must_exist and not p.is_file():
            raise self.fail(name, f"file not found: {show(str(p))}")
        return str(p)

    def table(self, name: str) -> Table:
        value: dict[str, Any] = self.get(name, {}, _as_table, "a table")
        return Table(value, f"{self.key(name)}.", self.where, self.base)

    def tables(self, name: str) -> list[Table]:
        items: list[dict[str, Any]] = self.get(
            name, [], _as_tables, f"an array of tables ([[{self.key(name)}]])"
        )
        return [
            Table(item, f"{self.key(name)}[{i}].", self.where, self.base)
            for i, item in enumerate(items)
        ]

    def done(self) -> None:
        for name in self.data:
            if name in self.seen:
                continue
            if name in _SECRET_HINTS:
                raise self.fail(name, _SECRET_HINTS[name])
            close = difflib.get_close_matches(name, sorted(self.seen), n=1, cutoff=0.6)
            if close:
                raise self.fail(name, f'unknown key; did you mean "{close[0]}"?')
            known = ", ".join(sorted(self.seen))
            raise self.fail(name, f"unknown key; known keys here: {known}")


def _as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError
    return value


def _as_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise TypeError
    return float(value)


def _as_positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TypeError
    return value


def _as_duration(value: Any) -> float:
    # TOML numbers are refused: is `slo_p95 = 300` seconds or milliseconds? Say the unit.
    if not isinstance(value, str):
        raise TypeError
    return parse_duration(value)


def _as_strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError
    return tuple(value)


def _as_string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise TypeError
    return dict(value)


def _as_table(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError
    return value


def _as_tables(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError
    return value


def url_problem(value: str) -> str | None:
    """Why `value` is not a usable http(s) base URL, or None."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        return f"not a valid URL ({e}): {show(value)}"
    if parts.scheme not in ("http", "https"):
        return f"expected an http:// or https:// URL, got {show(value)}"
    if not parts.hostname:
        return f"URL has no host: {show(value)}"
    if parts.username or parts.password:
        # The URL is shown on screen and in `snapshot`; credentials would leak there.
        return "URL must not contain credentials; use basic_auth with password_env"
    return None
