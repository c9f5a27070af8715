"""The one escaping helper for text that comes from outside.

Labels, annotations, error messages and runbook output are written by other people
and programs. Before any of it reaches a terminal it goes through `clean`, which
removes terminal escape sequences and control characters, so nothing can move the
cursor, retitle the window, rewrite the screen or ring the bell, and shows invisible
characters (zero-width spaces and joiners, bidi marks and overrides, BOM: every Unicode
format character) as visible `\u200b` escapes, so nothing can spoof label text.
Rich callers then build `rich.text.Text(clean(s))` -- a Text is never parsed as markup,
so "[bold]" in a label stays literally "[bold]".

`label_pairs` joins labels as `k=v k=v`, each key and value cleaned on its own (an
escape opened in one value cannot swallow its neighbours). `visible` and `show_arg` are
for confirmations: they escape controls instead of dropping them, so what will be sent
is shown exactly, one character at a time.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Collection, Mapping

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
# Every C0 and C1 control and DEL.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters that display as nothing: every Unicode format character (category Cf, as of
# Unicode 14: zero-width space / joiners, LRM / RLM / ALM, the bidi embeddings, overrides
# and isolates of "Trojan Source", BOM, tag characters), the combining grapheme joiner
# and the Hangul fillers. Shown as `\u200b`, so "prod\u200buction" cannot pass for
# "production" and a bidi override cannot reorder what is displayed.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u115f\u1160"
    "\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\u3164\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
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
    s = _INVISIBLE.sub(_escaped, s)
    if one_line:
        s = s.replace("\n", " ").replace("\t", " ")
    return s


def _escaped(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _escape_char(c: str) -> str:
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}
    if c in named:
        return named[c]
    code = ord(c)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def label_pairs(labels: Mapping[str, str], hide: Collection[str] = ()) -> str:
    """`k=v k=v`, sorted by key, without the keys in `hide`. Each key and value is
    cleaned to one line *before* joining: cleaning the joined string would let an
    escape sequence opened in one value run on through the next pairs and hide them."""
    return " ".join(
        f"{clean(k, one_line=True)}={clean(v, one_line=True)}"
        for k, v in sorted(labels.items())
        if k not in hide
    )


def visible(text: str) -> str:
    """`text` with every control and invisible character shown as an escape (`\\n`,
    `\\x1b`, `\\u200b`) instead of acting: for confirmations, which must show exactly
    what will be sent."""
    return "".join(c if _shown_as_is(c) else _escape_char(c) for c in text)


def _shown_as_is(c: str) -> bool:
    return c.isprintable() and not _INVISIBLE.match(c)


def show_arg(arg: str) -> str:
    """One argument as a POSIX shell would need it: quoted if needed, control and
    invisible characters as `$'\\n'` escapes, so the line shows argument boundaries
    and nothing can hide."""
    if arg and all(_shown_as_is(c) for c in arg):
        return shlex.quote(arg)
    escaped = "".join(c if _shown_as_is(c) and c not in "\\'" else _escape_char(c) for c in arg)
    return f"$'{escaped}'"


def clean_excerpt(s: str, limit: int) -> str:
    """A one-line excerpt of at most `limit` characters: cleaned, runs of whitespace
    collapsed, and cut with "…" when longer."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    s = _WHITESPACE_RUN.sub(" ", clean(s, one_line=True)).strip()
    if len(s) <= limit:
        return s
    return s[: limit - 1].rstrip() + "…"


_LINK_SCHEMES = ("http", "https")
_LINK_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def link_target(url: str) -> str | None:
    """`url` fit to be a terminal hyperlink's target (OSC 8), or None.

    Only http(s) URLs with a host; whitespace around it trimmed; everything but
    printable ASCII percent-encoded (the target sits inside an escape sequence: no
    control character, ESC or BEL may reach it, and a terminal reads ASCII there).
    """
    from urllib.parse import quote, urlsplit

    s = clean(url, one_line=True).strip()
    if not s or any(c.isspace() for c in s):
        return None
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.scheme.lower() not in _LINK_SCHEMES or not parts.netloc:
        return None
    return quote(s, safe=_LINK_SAFE)


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
