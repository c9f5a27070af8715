"""The one escaping helper for text that comes from outside.

Labels, annotations, error messages and runbook output are written by other people
and programs. Before any of it reaches a terminal it goes through `clean`, which
removes terminal escape sequences and control characters, so nothing can move the
cursor, retitle the window, rewrite the screen or ring the bell. Rich callers then
build `rich.text.Text(clean(s))` -- a Text is never parsed as markup, so "[bold]" in a
label stays literally "[bold]".
"""

from __future__ import annotations

import html
import re

# Escape sequences, 7-bit (ESC-introduced) and 8-bit (C1) forms:
#   CSI  ESC [ / 0x9B  params, intermediates, one final byte        (cursor, colours)
#   OSC  ESC ] / 0x9D  ... BEL or ST                                (titles, hyperlinks)
#   DCS, SOS, PM, APC  ESC P X ^ _ / 0x90 0x98 0x9E 0x9F ... ST      (device strings)
#   other ESC + intermediates + one final byte                      (charset, reset)
# An unterminated string sequence only loses its introducer: what follows is then
# shown as plain text, which is harmless once the introducer is gone.
_ESCAPES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]
    | (?:\x1b\]|\x9d) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c]* (?:\x1b\\|\x9c)
    | \x1b [\x20-\x2f]* [\x30-\x7e]
    """,
    re.VERBOSE,
)
# Every C0 and C1 control, DEL, and the Unicode bidi overrides / isolates (which can
# make text display in an order other than the one it has: "Trojan Source").
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_WHITESPACE_RUN = re.compile(r"\s+")


def clean(s: str, one_line: bool = False) -> str:
    """`s` without escape sequences or control characters.

    Newlines and tabs are kept (CR, CRLF, VT, FF, NEL and the Unicode line and paragraph
    separators become newlines) unless `one_line`, where each of them becomes a space.
    """
    s = _ESCAPES.sub("", s)
    s = _LINE_BREAKS.sub("\n", s)
    s = _CONTROLS.sub("", s)
    if one_line:
        s = s.replace("\n", " ").replace("\t", " ")
    return s


def clean_excerpt(s: str, limit: int) -> str:
    """A one-line excerpt of at most `limit` characters: cleaned, runs of whitespace
    collapsed, and cut with "…" when longer."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    s = _WHITESPACE_RUN.sub(" ", clean(s, one_line=True)).strip()
    if len(s) <= limit:
        return s
    return s[: limit - 1].rstrip() + "…"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~!#])")


def markdown_text(s: str) -> str:
    """`s` as literal Markdown text (one line): cleaned, `& < >` as entities (no raw
    HTML, no autolinks) and every character that could start emphasis, code, a link,
    an image or a table cell backslash-escaped. Safe in a table cell or a list item."""
    s = clean(s, one_line=True)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", s)


def html_text(s: str) -> str:
    """`s` as literal HTML text (also safe in a quoted attribute): cleaned, then
    `& < > " '` as entities."""
    return html.escape(clean(s), quote=True)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(s: str) -> str:
    """`s` for a CSV cell a spreadsheet opens: cleaned to one line, and a leading
    `= + - @` (a formula to Excel / LibreOffice) defused with a `'`, as OWASP advises."""
    s = clean(s, one_line=True)
    return "'" + s if s.startswith(_FORMULA_START) else s
