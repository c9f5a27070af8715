"""The one severity vocabulary: how urgent an alert's `severity` label is.

Alert rules name severities freely ("critical", "page", "P1"-style "high", "warning",
"info"...). Everything that orders, colours, penalises or rings for an alert asks this
module, so `page` is treated like `critical` everywhere (sort order, colour, health
penalty, bell) and a new name is added in one place.

- `severity_rank(s)`: 0 for the most urgent; unknown names and "none" sort last.
- `severity_level(s)`: the tier a severity belongs to, `Level.CRITICAL` / `WARNING` /
  `INFO` / `OTHER` (anything unknown, or no severity label at all).
- `is_paging(s)`: critical tier: rings the bell and counts `penalty_critical`.
- `severity_text(s)`: the label as shown, cleaned, "none" when absent.

The UI maps a level to its theme variable (`$severity-critical`...), `snapshot --format
text` to a Rich colour; neither decides a level itself.
"""

from __future__ import annotations

from enum import StrEnum

from oncall_tui.text import clean


class Level(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"
    OTHER = "other"  # unknown name or no severity label


SEVERITIES: tuple[tuple[str, Level], ...] = (
    ("critical", Level.CRITICAL),
    ("page", Level.CRITICAL),
    ("error", Level.CRITICAL),
    ("high", Level.CRITICAL),
    ("warning", Level.WARNING),
    ("medium", Level.WARNING),
    ("info", Level.INFO),
    ("low", Level.INFO),
)
"""Known severity names, most urgent first, with their tier."""

NO_SEVERITY = "none"
"""What an alert without a `severity` label is called."""

_RANK = {name: rank for rank, (name, _) in enumerate(SEVERITIES)}
_LEVEL = dict(SEVERITIES)
_OTHER_RANK = len(SEVERITIES)


def _key(severity: str) -> str:
    return severity.strip().lower()


def severity_rank(severity: str) -> int:
    """0 for the most urgent severity; unknown names and "none" sort last."""
    # Most labels are written as listed: no normalising for them (a storm's sort asks
    # this for every alert).
    rank = _RANK.get(severity)
    return rank if rank is not None else _RANK.get(_key(severity), _OTHER_RANK)


def severity_level(severity: str) -> Level:
    """The tier of a severity name (case and surrounding blanks ignored)."""
    return _LEVEL.get(_key(severity), Level.OTHER)


def is_paging(severity: str) -> bool:
    """Critical tier (critical, page, error, high): bell, desktop notice, biggest penalty."""
    return severity_level(severity) is Level.CRITICAL


def severity_text(severity: str) -> str:
    """The severity as shown: cleaned to one line, "none" when empty."""
    return clean(severity, one_line=True).strip() or NO_SEVERITY
