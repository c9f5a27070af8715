"""Themes: Textual `Theme` objects read from TOML files, plus the app's own variables.

A theme file holds Textual's Theme fields (`name`, `primary`, ..., `dark`) and a
`[variables]` table with the colours the app's TCSS uses (`$severity-critical`,
`$health-ok`, ...). Shipped themes live in the package (`oncall_tui/themes` in a wheel,
the repo's `themes/` in a checkout); users add theirs under
`$XDG_CONFIG_HOME/oncall-tui/themes/*.toml`. A broken file is reported in words and
skipped: a typo in a user theme must never keep the pager-holder from the dashboard.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "oncall-dark"

VARIABLES: tuple[str, ...] = (
    "severity-critical",
    "severity-warning",
    "severity-info",
    "health-ok",
    "health-warn",
    "health-bad",
    "breaker-open",
    "breaker-half-open",
    "breaker-closed",
    "stale",
)
"""App variables every theme must define; the TCSS of every screen refers to them."""

_COLOUR_FIELDS: tuple[str, ...] = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
    "boost",
)
_KNOWN_KEYS = frozenset({"name", "dark", "variables", *_COLOUR_FIELDS})


@dataclass(frozen=True, slots=True)
class _Source:
    """A theme file to read: where it is shown to come from, and its bytes' reader."""

    label: str  # path as the user should see it in a message
    entry: Traversable


def user_themes_dir() -> Path:
    """`$XDG_CONFIG_HOME/oncall-tui/themes` (platformdirs' config dir on other systems)."""
    return Path(platformdirs.user_config_dir("oncall-tui")) / "themes"


def shipped_themes_dir() -> Traversable:
    """The shipped themes: package data when installed, the repo's `themes/` otherwise."""
    packaged = resources.files("oncall_tui").joinpath("themes")
    if packaged.is_dir():
        return packaged
    # A checkout (editable install): src/oncall_tui/ui/themes.py -> repo root.
    return Path(__file__).resolve().parents[3] / "themes"


def _toml_files(directory: Traversable, label: str) -> list[_Source]:
    if not directory.is_dir():
        return []
    entries = sorted(
        (e for e in directory.iterdir() if e.name.endswith(".toml") and e.is_file()),
        key=lambda e: e.name,
    )
    return [_Source(f"{label}/{e.name}", e) for e in entries]


def _colour_error(value: object) -> str | None:
    """Why `value` is not a colour Textual can use, or None when it is one."""
    if not isinstance(value, str):
        return f'must be a colour string like "#ff5f5f", got {type(value).__name__}'
    try:
        Color.parse(value)
    except ColorParseError:
        return f'"{value}" is not a colour (use "#rrggbb", "rgb(r, g, b)" or a colour name)'
    return None


def parse_theme(data: dict[str, object], default_name: str) -> Theme:
    """A Theme from a decoded TOML table; ValueError saying what is wrong otherwise.

    `default_name` (the file's stem) is used when the file has no `name`.
    """
    problems: list[str] = []
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_KNOWN_KEYS))
        problems.append(f"unknown key(s) {', '.join(unknown)} (allowed: {allowed})")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        problems.append("`name` must be a non-empty string")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        problems.append("`dark` must be true or false")
    if "primary" not in data:
        problems.append("`primary` is required")
    colours: dict[str, str] = {}
    for key in _COLOUR_FIELDS:
        if key not in data:
            continue
        why = _colour_error(data[key])
        if why:
            problems.append(f"`{key}` {why}")
        else:
            colours[key] = str(data[key])
    raw_vars = data.get("variables", {})
    variables: dict[str, str] = {}
    if not isinstance(raw_vars, dict):
        problems.append("`variables` must be a table ([variables])")
    else:
        missing = [v for v in VARIABLES if v not in raw_vars]
        if missing:
            problems.append(f"[variables] is missing {', '.join(missing)}")
        for key, value in raw_vars.items():
            if key in VARIABLES:
                why = _colour_error(value)
                if why:
                    problems.append(f"[variables] `{key}` {why}")
                    continue
            elif not isinstance(value, str):
                # Textual's own variables (e.g. block-cursor-text-style) are CSS values.
                problems.append(f"[variables] `{key}` must be a string")
                continue
            variables[str(key)] = str(value)
    if problems:
        raise ValueError("; ".join(problems))
    assert isinstance(name, str) and isinstance(dark, bool)  # checked above
    return Theme(
        name=name.strip(),
        primary=colours["primary"],
        secondary=colours.get("secondary"),
        accent=colours.get("accent"),
        foreground=colours.get("foreground"),
        background=colours.get("background"),
        surface=colours.get("surface"),
        panel=colours.get("panel"),
        success=colours.get("success"),
        warning=colours.get("warning"),
        error=colours.get("error"),
        boost=colours.get("boost"),
        dark=dark,
        variables=variables,
    )


def _read(source: _Source) -> Theme:
    try:
        text = source.entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read it: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML: {exc}") from exc
    stem = source.entry.name.removesuffix(".toml")
    return parse_theme(data, stem)


def load_themes(extra_dir: Path | None = None) -> tuple[list[Theme], list[str]]:
    """The shipped themes, then the user's (from `extra_dir`, default `user_themes_dir()`).

    Returns (themes, errors). Each error names the file and the problem; that file is
    skipped. A user theme with a shipped theme's name replaces it (the user chose it);
    two files of one directory defining the same name is an error for the second.
    """
    shipped = shipped_themes_dir()
    user = extra_dir if extra_dir is not None else user_themes_dir()
    themes: dict[str, Theme] = {}
    errors: list[str] = []
    for group in (_toml_files(shipped, str(shipped)), _toml_files(user, str(user))):
        seen: dict[str, str] = {}
        for source in group:
            try:
                theme = _read(source)
            except ValueError as exc:
                errors.append(f"theme {source.label}: {exc}")
                continue
            if theme.name in seen:
                errors.append(
                    f"theme {source.label}: name {theme.name!r} is already defined by "
                    f"{seen[theme.name]}; skipped"
                )
                continue
            seen[theme.name] = source.label
            themes[theme.name] = theme
    # The default first, so cycling with `t` starts from where the app starts.
    ordered = sorted(themes.values(), key=lambda t: t.name != DEFAULT_THEME)
    return ordered, errors


def theme_cycle(names: Sequence[str], current: str) -> str:
    """The theme after `current` in `names`, wrapping; the first when `current` is
    unknown; `current` itself when there are no names."""
    if not names:
        return current
    try:
        return names[(list(names).index(current) + 1) % len(names)]
    except ValueError:
        return names[0]


def variable_defaults(themes: Iterable[Theme]) -> dict[str, str]:
    """Fallback values of the app variables for `App.get_theme_variable_defaults`.

    Taken from the default theme (else the first loaded one), so the TCSS still parses
    while a built-in Textual theme is active. Empty when no theme loaded at all.
    """
    listed = list(themes)
    chosen = next((t for t in listed if t.name == DEFAULT_THEME), listed[0] if listed else None)
    if chosen is None:
        return {}
    return {k: v for k, v in chosen.variables.items() if k in VARIABLES}
