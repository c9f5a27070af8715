"""What the oncall-tui screen shows, read off the emulated terminal: the predicates the
screen benchmark waits for (a modal open or closed, the filter text, the cursor row,
which panel has focus). They read text and colours, never timing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from benchmarks.screen_term import Screen

Predicate = Callable[[Screen], bool]

ALERTS_TITLE = "╭─ Alerts"
HELP_TITLE = "╭─ Keys "
SILENCES_TITLE = "Silences · active and pending"
INCIDENTS_PAGE = " Incidents · "
"""The incidents screen's first line (the overview's panel reads "╭─ Incidents (I)")."""
FILTER_BOX = "▔▔▔▔▔▔"
SEVERITIES = ("critical", "warning", "info")


def alerts_panel(s: Screen) -> list[tuple[int, str]]:
    """(row, text) of the lines inside the Alerts panel's box, [] when not shown."""
    lines = s.lines()
    for y, line in enumerate(lines):
        x = line.find(ALERTS_TITLE)
        if x < 0:
            continue
        end = line.find("╮", x)
        out = []
        for yy in range(y + 1, len(lines)):
            if lines[yy][x : x + 1] == "╰":
                break
            out.append((yy, lines[yy][x + 1 : end if end > 0 else None]))
        return out
    return []


def _overview(s: Screen) -> bool:
    return s.has(ALERTS_TITLE)


def latency_row(s: Screen) -> bool:
    """A latency row: the demo's gateway service by name."""
    return s.has("api-gateway")


def alert_row(s: Screen) -> bool:
    """A row of the Alerts panel with a severity in it (the header has none)."""
    return any(any(sev in text for sev in SEVERITIES) for _, text in alerts_panel(s))


def help_open(s: Screen) -> bool:
    return s.has(HELP_TITLE)


def help_closed(s: Screen) -> bool:
    return not s.has(HELP_TITLE) and _overview(s)


def silences_open(s: Screen) -> bool:
    return s.has(SILENCES_TITLE)


def silences_closed(s: Screen) -> bool:
    return not s.has(SILENCES_TITLE) and _overview(s)


def incidents_open(s: Screen) -> bool:
    return any(line.startswith(INCIDENTS_PAGE) for line in s.lines())


def incidents_closed(s: Screen) -> bool:
    return not incidents_open(s) and _overview(s)


def filter_open(s: Screen) -> bool:
    return any(FILTER_BOX in text for _, text in alerts_panel(s))


def _alerts_title(s: Screen) -> str:
    return next((line for line in s.lines() if ALERTS_TITLE in line), "")


def filter_closed(s: Screen) -> bool:
    """The box gone and the whole list back: the title no longer counts matches (the
    app draws the closed box first and the rows when rebuilt; Escape's answer is both)."""
    return _overview(s) and not filter_open(s) and "filter:" not in _alerts_title(s)


def filter_reads(typed: str) -> Predicate:
    """The filter input shows exactly `typed` (the block cursor after it is a space)."""
    pattern = re.compile(r"▊\s+" + re.escape(typed) + r"(\s|$)")

    def check(s: Screen) -> bool:
        return any(pattern.search(text) for _, text in alerts_panel(s))

    return check


def cursor_row(s: Screen) -> int | None:
    """The screen row of the Alerts table's cursor: the one row whose background (at
    the table's left edge) differs from the rest, the column header excluded."""
    rows = [(y, t) for y, t in alerts_panel(s) if t.strip() and "Sev" not in t]
    if not rows:
        return None
    x = s.lines()[rows[0][0]].find("│") + 3
    colours = {y: s.row_backgrounds_at(y, x) for y, _ in rows}
    counts: dict[str, int] = {}
    for c in colours.values():
        counts[c] = counts.get(c, 0) + 1
    common = max(counts, key=lambda c: counts[c])
    odd = [y for y, c in colours.items() if c != common and counts[c] == 1]
    return odd[0] if len(odd) == 1 else None


LABEL_CELLS = 46
"""How much of a row tells which alert it is (name, labels, severity; the ages that tick
every second come later)."""


def row_label(s: Screen, row: int) -> str:
    """Which alert a table row is (its first LABEL_CELLS cells, words single-spaced),
    for telling a cursor move from a shift; compare two with `same_row`."""
    for y, text in alerts_panel(s):
        if y == row:
            return " ".join(text[:LABEL_CELLS].split())
    return ""


def same_row(a: str, b: str) -> bool:
    """Two labels of one row. A column refitted by a cell (an age grew elsewhere) moves
    where a cell is cut ("service=…" / "service=s…") and what the last cell shown is:
    a probe comparing whole texts waited 20 s for a row the cursor was already on.
    So a word cut with "…" matches any word it starts, and the last words may be cut."""
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return wa == wb
    for i, (x, y) in enumerate(zip(wa, wb, strict=False)):
        last = i == min(len(wa), len(wb)) - 1
        if x == y:
            continue
        cx, cy = x.rstrip("…"), y.rstrip("…")
        if (x.endswith("…") and y.startswith(cx)) or (y.endswith("…") and x.startswith(cy)):
            continue
        if last and (x.startswith(y) or y.startswith(x)):
            continue  # the slice cut the last word shown
        return False
    return abs(len(wa) - len(wb)) <= 1


def cursor_moved(here: str, there: str, step: int) -> Predicate:
    """The cursor left the row that read `here` for its neighbour `step` rows away: it
    sits on the row that read `there`, or (alerts arriving meanwhile put another row in
    between) on a row other than `here` with `here` right behind it. A poll alone never
    makes this true: the cursor stays on its row, wherever new rows push it."""

    def check(s: Screen) -> bool:
        row = cursor_row(s)
        if row is None:
            return False
        label = row_label(s, row)
        return same_row(label, there) or (
            not same_row(label, here) and same_row(row_label(s, row - step), here)
        )

    return check


def focus_signature(s: Screen) -> tuple[tuple[int, int, str], ...]:
    """Where every panel's top-left corner is and its colour: the focused panel's
    border is drawn in the accent colour, so a focus move changes this."""
    return s.corner_colours("╭")


def focus_moved(before: tuple[tuple[int, int, str], ...]) -> Predicate:
    return lambda s: _overview(s) and focus_signature(s) != before


def overview_idle(s: Screen) -> bool:
    """The overview with nothing open over it (no modal, page or filter input)."""
    return (
        _overview(s)
        and not s.has(HELP_TITLE)
        and not s.has(SILENCES_TITLE)
        and not incidents_open(s)
        and not filter_open(s)
    )
