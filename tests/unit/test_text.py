"""text.clean: nothing from outside can style, move or rewrite the terminal."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from oncall_tui.text import clean, clean_excerpt, label_pairs, show_arg, visible


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2Jwiped", "wiped"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[?1049halt screen", "alt screen"),
        ("\x1b]0;title\x07after", "after"),
        ("\x1b]0;title\x1b\\after", "after"),
        ("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1bP1$r\x1b\\dcs", "dcs"),
        ("\x1b(Bcharset", "charset"),
        ("\x1bcreset", "reset"),
        ("\x9b31mc1 csi", "c1 csi"),
        ("\x9d0;t\x9cc1 osc", "c1 osc"),
        ("bell\x07 backspace\x08 nul\x00", "bell backspace nul"),
        ("dangling\x1b", "dangling"),
        ("\x1b]0;never terminated", "0;never terminated"),
        ("rtl\u202eoverride", "rtl\\u202eoverride"),
        ("[bold red]x[/]", "[bold red]x[/]"),
        ("tab\there\nline", "tab\there\nline"),
        ("crlf\r\nand\rcr", "crlf\nand\ncr"),
    ],
)
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_one_line_turns_breaks_and_tabs_into_spaces() -> None:
    assert clean("a\nb\tc\r\nd\u2028e", one_line=True) == "a b c d e"


def test_markup_stays_literal_through_rich() -> None:
    console = Console(record=True, width=60, color_system=None)
    console.print(Text(clean("[bold red]x[/] \x1b[31m[link=http://e]y[/link]")))
    assert console.export_text().strip() == "[bold red]x[/] [link=http://e]y[/link]"


@pytest.mark.parametrize(
    ("raw", "limit", "out"),
    [
        ("short", 10, "short"),
        ("  a \n\n  b\t c  ", 10, "a b c"),
        ("hello world this is long", 12, "hello world…"),
        ("\x1b[2Jabcdef", 4, "abc…"),
        ("abc", 1, "…"),
    ],
)
def test_clean_excerpt(raw: str, limit: int, out: str) -> None:
    assert clean_excerpt(raw, limit) == out


def test_clean_excerpt_refuses_zero_limit() -> None:
    with pytest.raises(ValueError, match="limit"):
        clean_excerpt("x", 0)


def _controls(s: str, allowed: str) -> list[str]:
    return [
        c
        for c in s
        if c not in allowed and (unicodedata.category(c) == "Cc" or "\u202a" <= c <= "\u202e")
    ]


ESCAPEY = st.text(
    alphabet=st.sampled_from(
        list("\x1b\x07\x9b\x9c\x9d\x90[]\\;0123456789mHJP_^X(B\n\r\t\x00\x7f\x85\u202e ab")
    ),
    max_size=40,
)


@given(st.one_of(st.text(max_size=60), ESCAPEY), st.booleans())
def test_no_control_or_escape_survives(raw: str, one_line: bool) -> None:
    out = clean(raw, one_line=one_line)
    assert "\x1b" not in out
    assert _controls(out, allowed="" if one_line else "\n\t") == []


@given(st.one_of(st.text(max_size=60), ESCAPEY), st.integers(min_value=1, max_value=30))
def test_excerpt_is_short_and_clean(raw: str, limit: int) -> None:
    out = clean_excerpt(raw, limit)
    assert len(out) <= limit
    assert _controls(out, allowed="") == []


# Not format characters, but they display as nothing too (clean shows them escaped).
BLANK_LOOKING = "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\uffa0"


@given(
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cc", "Cf", "Zl", "Zp"), blacklist_characters=BLANK_LOOKING
        ),
        max_size=60,
    )
)
def test_plain_text_is_untouched(raw: str) -> None:
    assert clean(raw) == raw


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("prod\u200buction", "prod\\u200buction"),
        ("a\u200db", "a\\u200db"),
        ("\ufeffbom", "\\ufeffbom"),
        ("alm\u061c", "alm\\u061c"),
        ("rlm\u200f lrm\u200e", "rlm\\u200f lrm\\u200e"),
        ("isolate\u2066x\u2069", "isolate\\u2066x\\u2069"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("soft\u00adhyphen", "soft\\u00adhyphen"),
        ("filler\u3164", "filler\\u3164"),
    ],
)
def test_invisible_characters_are_shown_as_escapes(raw: str, shown: str) -> None:
    assert clean(raw) == shown
    assert clean(raw, one_line=True) == shown


@given(st.characters(whitelist_categories=("Cf",)))
def test_no_format_character_survives(c: str) -> None:
    out = clean(f"a{c}b")
    assert c not in out
    assert out.startswith("a\\u") or out.startswith("a\\U")


def test_label_pairs_cleans_each_value_before_joining() -> None:
    # An OSC opened in one value must not swallow the labels after it.
    labels = {
        "a_open": "x\x1b]",
        "env": "production",
        "namespace": "payments",
        "z_close": "\x07y",
        "alertname": "Hidden",
    }
    assert label_pairs(labels, hide=("alertname",)) == (
        "a_open=x env=production namespace=payments z_close=y"
    )


def test_label_pairs_shows_zero_width_and_line_breaks() -> None:
    labels = {"env": "prod\u200buction", "team": "a\nb", "k\u200f": "v"}
    assert label_pairs(labels) == "env=prod\\u200buction k\\u200f=v team=a b"


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=12), max_size=6))
def test_label_pairs_keeps_every_pair(labels: dict[str, str]) -> None:
    out = label_pairs(labels)
    for k, v in labels.items():
        assert f"{clean(k, one_line=True)}={clean(v, one_line=True)}" in out
    assert "\x1b" not in out


def test_visible_and_show_arg_escape_what_would_hide() -> None:
    assert visible("a\u200bb\x1b[2J\n") == "a\\u200bb\\x1b[2J\\n"
    assert show_arg("prod\u200buction") == "$'prod\\u200buction'"
    assert show_arg("it's") == "'it'\"'\"'s'"


def test_link_target_accepts_http_and_keeps_escapes_out() -> None:
    from oncall_tui.text import link_target

    assert link_target(" https://example.com/a?b=1#c ") == "https://example.com/a?b=1#c"
    assert link_target("http://h:9090/graph?g0.expr=up%7Bjob%3D%22a%22%7D") == (
        "http://h:9090/graph?g0.expr=up%7Bjob%3D%22a%22%7D"
    )
    assert link_target("https://example.com/\x1b]8;;evil\x07x") == "https://example.com/x"
    assert link_target("https://例え.jp/パス") == "https://%E4%BE%8B%E3%81%88.jp/%E3%83%91%E3%82%B9"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "not a url", "https://", ""):
        assert link_target(bad) is None, bad


@given(st.text())
def test_link_targets_are_printable_ascii(s: str) -> None:
    from oncall_tui.text import link_target

    target = link_target("https://example.com/" + s)
    assert target is None or all(0x21 <= ord(c) <= 0x7E for c in target)
