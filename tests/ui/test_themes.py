"""Themes: shipped ones load with every app variable, broken ones are reported by file
and skipped, user themes come from the XDG config dir, a host App can use each one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.app import App
from textual.color import Color
from textual.screen import Screen

from oncall_tui.config_types import AckConfig
from oncall_tui.model.snapshot import Alert, BreakerState, CircuitBreaker, Health, HealthTerm
from oncall_tui.ui.screens.breaker import BreakerHistoryScreen
from oncall_tui.ui.screens.detail import AlertDetailScreen
from oncall_tui.ui.screens.dialogs import (
    AckDialog,
    ChooseSilenceScreen,
    ConfirmScreen,
    RunbookPicker,
)
from oncall_tui.ui.screens.health import HealthBreakdownScreen
from oncall_tui.ui.screens.run_output import RunOutputScreen
from oncall_tui.ui.themes import (
    DEFAULT_THEME,
    VARIABLES,
    load_themes,
    shipped_themes_dir,
    theme_cycle,
    user_themes_dir,
    variable_defaults,
)

SHIPPED = {"oncall-dark", "oncall-light", "oncall-high-contrast", "oncall-256"}
GOOD = """
name = "mine"
primary = "#112233"
background = "#000000"
[variables]
""" + "\n".join(f'{v} = "#abcdef"' for v in VARIABLES)


@pytest.fixture
def no_user_themes(tmp_path: Path) -> Path:
    empty = tmp_path / "none"
    empty.mkdir()
    return empty


def test_shipped_themes_load_with_every_variable(no_user_themes: Path) -> None:
    themes, errors = load_themes(no_user_themes)
    assert errors == []
    assert {t.name for t in themes} >= SHIPPED
    assert themes[0].name == DEFAULT_THEME
    for theme in themes:
        assert set(VARIABLES) <= set(theme.variables), theme.name
        for name in VARIABLES:
            Color.parse(theme.variables[name])


def test_shipped_dir_is_the_repo_themes_in_a_checkout() -> None:
    shipped = shipped_themes_dir()
    assert {p.name for p in shipped.iterdir()} >= {f"{n}.toml" for n in SHIPPED}


def _contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 .. 21)."""

    def luminance(colour: str) -> float:
        c = Color.parse(colour)
        chans = [v / 255 for v in (c.r, c.g, c.b)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in chans]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_themes_are_readable(name: str, no_user_themes: Path) -> None:
    themes, _ = load_themes(no_user_themes)
    theme = next(t for t in themes if t.name == name)
    assert theme.foreground and theme.background and theme.surface
    strict = name == "oncall-high-contrast"
    assert _contrast(theme.foreground, theme.background) >= (15 if strict else 7)
    for var in VARIABLES:
        for ground in (theme.background, theme.surface):
            # Signal colours are read as text on both grounds: WCAG's 3:1 plus margin.
            ratio = _contrast(theme.variables[var], ground)
            assert ratio >= (5 if strict else 3.8), f"{var} on {ground}: {ratio:.1f}"
    # Colours that mean different things must look different.
    for group in (
        ("severity-critical", "severity-warning", "severity-info"),
        ("health-ok", "health-warn", "health-bad"),
        ("breaker-open", "breaker-half-open", "breaker-closed"),
    ):
        assert len({theme.variables[v].lower() for v in group}) == 3, group


def _xterm_256_extended() -> set[str]:
    """Palette entries 16..255: the 6x6x6 cube and the grey ramp (0..15 vary by
    terminal, so a portable theme avoids them)."""
    steps = (0, 0x5F, 0x87, 0xAF, 0xD7, 0xFF)
    cube = {f"#{r:02x}{g:02x}{b:02x}" for r in steps for g in steps for b in steps}
    greys = {f"#{v:02x}{v:02x}{v:02x}" for v in range(8, 248, 10)}
    return cube | greys


def test_oncall_256_uses_only_palette_colours(no_user_themes: Path) -> None:
    themes, _ = load_themes(no_user_themes)
    theme = next(t for t in themes if t.name == "oncall-256")
    palette = _xterm_256_extended()
    fields = [
        theme.primary,
        theme.secondary,
        theme.accent,
        theme.foreground,
        theme.background,
        theme.surface,
        theme.panel,
        theme.success,
        theme.warning,
        theme.error,
        theme.boost,
    ]
    used = [c for c in fields if c is not None] + [theme.variables[v] for v in VARIABLES]
    assert [c for c in used if c.lower() not in palette] == []


def test_broken_toml_is_reported_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = "#fff\n')
    (tmp_path / "mine.toml").write_text(GOOD)
    themes, errors = load_themes(tmp_path)
    assert len(errors) == 1
    assert "broken.toml" in errors[0] and "not valid TOML" in errors[0]
    names = {t.name for t in themes}
    assert "mine" in names and "broken" not in names and names >= SHIPPED


def test_missing_variable_is_named(tmp_path: Path) -> None:
    (tmp_path / "partial.toml").write_text(GOOD.replace('stale = "#abcdef"', ""))
    themes, errors = load_themes(tmp_path)
    assert len(errors) == 1
    assert "partial.toml" in errors[0] and "missing stale" in errors[0]
    assert "mine" not in {t.name for t in themes}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s.replace('primary = "#112233"', 'primary = "not-a-colour"'), "`primary`"),
        (lambda s: s.replace('primary = "#112233"', ""), "`primary` is required"),
        (lambda s: s.replace('health-ok = "#abcdef"', "health-ok = 3"), "`health-ok`"),
        (lambda s: s.replace('name = "mine"', 'name = "mine"\nprimay = "#000"'), "primay"),
        (lambda s: s.replace('name = "mine"', 'name = "mine"\ndark = "yes"'), "`dark`"),
        (lambda s: s.replace("[variables]", "variables = 1\n[x]"), "`variables`"),
    ],
)
def test_invalid_fields_are_explained(tmp_path: Path, change: object, words: str) -> None:
    assert callable(change)
    (tmp_path / "bad.toml").write_text(change(GOOD))
    themes, errors = load_themes(tmp_path)
    assert len(errors) == 1, errors
    assert "bad.toml" in errors[0] and words in errors[0]
    assert "mine" not in {t.name for t in themes}


def test_duplicate_name_in_one_dir_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD.replace("#112233", "#445566"))
    themes, errors = load_themes(tmp_path)
    assert len(errors) == 1 and "b.toml" in errors[0] and "a.toml" in errors[0]
    assert next(t for t in themes if t.name == "mine").primary == "#112233"


def test_user_theme_from_xdg_config_home_overrides_shipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert user_themes_dir() == tmp_path / "oncall-tui" / "themes"
    user_themes_dir().mkdir(parents=True)
    (user_themes_dir() / "dark.toml").write_text(GOOD.replace('"mine"', '"oncall-dark"'))
    (user_themes_dir() / "notes.txt").write_text("not a theme")
    themes, errors = load_themes()
    assert errors == []
    dark = [t for t in themes if t.name == "oncall-dark"]
    assert len(dark) == 1 and dark[0].primary == "#112233"


def test_name_defaults_to_file_stem(tmp_path: Path) -> None:
    (tmp_path / "stem-name.toml").write_text(GOOD.replace('name = "mine"', ""))
    themes, errors = load_themes(tmp_path)
    assert errors == [] and "stem-name" in {t.name for t in themes}


def test_theme_cycle() -> None:
    names = ["a", "b", "c"]
    assert theme_cycle(names, "a") == "b"
    assert theme_cycle(names, "c") == "a"
    assert theme_cycle(names, "unknown") == "a"
    assert theme_cycle([], "x") == "x"


def test_variable_defaults_come_from_the_default_theme(no_user_themes: Path) -> None:
    themes, _ = load_themes(no_user_themes)
    defaults = variable_defaults(themes)
    dark = next(t for t in themes if t.name == DEFAULT_THEME)
    assert defaults == {v: dark.variables[v] for v in VARIABLES}
    assert variable_defaults([]) == {}


SCREENS = [
    AlertDetailScreen,
    BreakerHistoryScreen,
    HealthBreakdownScreen,
    ConfirmScreen,
    AckDialog,
    ChooseSilenceScreen,
    RunbookPicker,
    RunOutputScreen,
]


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.__name__)
def test_screen_css_uses_theme_variables_not_hex(screen: type[Screen[object]]) -> None:
    assert not re.search(r":[^;{}]*#[0-9a-fA-F]{3,8}\b", screen.DEFAULT_CSS)


class ThemeHost(App[None]):
    """Registers every loaded theme and opens one screen of each kind in turn."""

    def __init__(self, themes_dir: Path) -> None:
        # Before App.__init__: it builds the stylesheet and asks for the defaults.
        self.loaded, self.errors = load_themes(themes_dir)
        super().__init__()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults(self.loaded)

    def on_mount(self) -> None:
        for theme in self.loaded:
            self.register_theme(theme)


def _screens() -> list[Screen[object]]:
    alert = Alert("f", {"alertname": "A", "severity": "warning"}, {}, "active", 0.0)
    breaker = CircuitBreaker("b", BreakerState.OPEN, 1.0, 50.0, None)
    health = Health(90.0, terms=(HealthTerm("base", 100.0, "x"), HealthTerm("y", -10.0, "z")))
    return [
        AlertDetailScreen(alert, [], [], now=100.0),
        BreakerHistoryScreen(breaker, 3600.0, now=100.0),
        HealthBreakdownScreen(health),
        AckDialog(1, AckConfig()),
        RunOutputScreen("t", "d"),
    ]


async def test_host_app_switches_to_every_theme(no_user_themes: Path) -> None:
    app = ThemeHost(no_user_themes)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        names = [t.name for t in app.loaded]
        name = DEFAULT_THEME
        for _ in names:
            app.theme = name
            await pilot.pause()
            assert app.theme == name
            assert (
                app.theme_variables["severity-critical"]
                == (
                    app.get_theme(name).variables["severity-critical"]  # type: ignore[union-attr]
                )
            )
            for screen in _screens():
                await app.push_screen(screen)
                await pilot.pause()
                app.pop_screen()
                await pilot.pause()
            name = theme_cycle(names, name)
        assert name == DEFAULT_THEME  # the cycle came back round
