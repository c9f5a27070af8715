"""Every key binding of the TUI as plain data: id, default key, action, words.

One place for the keys: the app, the screens and the help are built from `KEYS`, and
`config.py` checks the `[ui.keys]` table against these ids (so this module imports no
Textual: the config layer may read it). A user remaps a key by its id:

    [ui.keys]
    ack = "k"            # the key(s), comma-separated as in Textual: "k,ctrl+k"

`scope` says whose BINDINGS hold the key: "app" (global, works from the overview),
"overview" (the overview screen), "alerts" (the alert panel). A screen in its own file
adds its keys here with its own scope and builds its BINDINGS with `bindings(scope)`
(ui/bindings.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    id: str
    """Stable name for `[ui.keys]` and `App.set_keymap`."""
    key: str
    """Default key(s), Textual's names ("a", "question_mark", "ctrl+r")."""
    action: str
    """The action it runs, in its scope ("ack", "window(900)", "screen.open_details")."""
    description: str
    tooltip: str = ""
    scope: str = "app"
    show: bool = True
    """Shown in the footer (help always lists it)."""
    key_display: str | None = None
    mutates: bool = False
    """Changes something outside (silences, runbooks): hidden in read-only mode."""
    needs_selection: bool = False
    """Greyed out while no alert is selected."""

    @property
    def action_name(self) -> str:
        """The action's name without its arguments ("window(900)" -> "window")."""
        return self.action.split("(", 1)[0]


WINDOWS: tuple[tuple[str, str, float], ...] = (
    ("1", "15m", 900.0),
    ("2", "1h", 3600.0),
    ("3", "6h", 6 * 3600.0),
    ("4", "24h", 86400.0),
    ("5", "7d", 7 * 86400.0),
)

_ALERT_KEYS = (
    Key(
        "ack", "a", "ack", "Ack", "Acknowledge: silence the selected alert(s)",
        mutates=True, needs_selection=True,
    ),
    Key(
        "ack_dialog", "A", "ack_dialog", "Ack…", "Ack with duration and comment",
        mutates=True, needs_selection=True,
    ),
    Key(
        "unack", "u", "unack", "Un-ack", "Expire the alert's silence",
        mutates=True, needs_selection=True,
    ),
    Key(
        "runbook", "r", "runbook", "Runbook", "Run a runbook for the alert",
        mutates=True, needs_selection=True,
    ),
    Key("filter", "/", "filter", "Filter", "Filter alerts by label text"),
)  # fmt: skip

_WINDOW_KEYS = tuple(
    Key(
        f"window_{label}",
        key,
        f"window({seconds:g})",
        f"Window {label}",
        f"Show the last {label} and poll now",
        show=False,
    )
    for key, label, seconds in WINDOWS
)

_GLOBAL_KEYS = (
    # Out of the footer: it would push `q Quit` off an 80-column screen (help and the
    # command palette list it).
    Key(
        "silences",
        "S",
        "silences",
        "Silences",
        "Active and pending silences: open, expire",
        show=False,
    ),
    # Out of the footer (no room at 80 columns); the incident panel's title says "I".
    Key(
        "incidents",
        "I",
        "incidents",
        "Incidents",
        "Every incident: filter, sort, timeline, export",
        show=False,
    ),
    Key("pause", "p", "pause", "Pause", "Pause / resume polling"),
    Key("refresh", "R", "refresh", "Refresh", "Poll now"),
    Key("theme", "t", "cycle_theme", "Theme", "Next theme"),
    Key(
        "dashboards",
        "right_square_bracket",
        "dashboards",
        "SLOs/panels",
        "Second page: SLOs, runbook coverage, custom panels",
        key_display="]",
        show=False,  # the footer is full at 80 columns: the tab strip names it instead
    ),
    Key("help", "question_mark", "help", "Help", "All keys", key_display="?"),
    Key("quit", "q", "quit", "Quit", "Quit oncall-tui"),
)

_OVERVIEW_KEYS = (
    # Overrides Screen's focus_next: Tab moves between panels, not between widgets.
    Key("next_panel", "tab", "next_panel(1)", "Next panel", "Move between panels",
        scope="overview", show=False, key_display="tab"),
    Key("prev_panel", "shift+tab", "next_panel(-1)", "Previous panel", "Move between panels",
        scope="overview", show=False, key_display="shift+tab"),
    # Out of the footer (it would push `q Quit` off an 80-column screen); the health
    # panel's title says it instead, and help lists Enter.
    Key("explain", "enter", "screen.open_details", "Explain", "How the score was computed",
        scope="health", show=False),
    Key("clear_filter", "escape", "clear_filter", "Clear filter", "Clear the alert filter",
        scope="alerts", show=False, key_display="esc"),
)  # fmt: skip

_INCIDENTS_KEYS = (
    Key("incidents_back", "escape", "back", "Back", "Clear the filter, or back to the overview",
        scope="incidents", key_display="esc"),
    Key("incidents_close", "q", "close", "Close", "Back to the overview", scope="incidents",
        show=False),
    Key("incidents_filter", "slash", "filter", "Filter", "Filter by alert, label=value, who acked",
        scope="incidents", key_display="/"),
    Key("incidents_sort", "s", "sort", "Sort", "Sort by start, severity or TTR",
        scope="incidents"),
    Key("incidents_timeline", "enter", "timeline", "Timeline",
        "Fired, acked, runbooks, resolved", scope="incidents"),
    Key("incidents_export", "e", "export", "Export CSV", "Write the rows shown as CSV",
        scope="incidents"),
)  # fmt: skip

_SILENCES_KEYS = (
    Key("silences_open", "enter", "open", "Open", "Every field and what it mutes",
        scope="silences"),
    Key("silences_expire", "x", "expire", "Expire", "Expire the selected silence (asks first)",
        scope="silences", mutates=True),
    Key("silences_close", "escape,q", "close", "Close", "Back to the overview",
        scope="silences", key_display="esc"),
    Key("silence_detail_expire", "x", "expire", "Expire", "Expire this silence (asks first)",
        scope="silence_detail", mutates=True),
)  # fmt: skip

_DASHBOARD_KEYS = (
    Key("overview_page", "left_square_bracket,escape", "overview_page", "Overview",
        "Back to the first page", scope="dashboard", key_display="[", show=False),
    Key("dashboard_next", "tab", "next_panel(1)", "Next panel", "Move between panels",
        scope="dashboard", show=False, key_display="tab"),
    Key("dashboard_prev", "shift+tab", "next_panel(-1)", "Previous panel",
        "Move between panels", scope="dashboard", show=False, key_display="shift+tab"),
    Key("dashboard_details", "enter", "open_details", "Explain",
        "Explain an SLO's numbers / list alerts without a runbook", scope="dashboard",
        show=False),
    # Latency and error-rate panels: Enter opens their charts over the window.
    Key("chart", "enter", "screen.open_details", "Chart", "Chart over the window",
        scope="charts", show=False),
)  # fmt: skip

_ALERT_DETAIL_KEYS = (
    Key("copy_link", "c", "copy_link", "Copy link", "Copy the ▶ link (OSC 52: works over SSH)",
        scope="alert_detail"),
    Key("next_link", "n", "next_link", "Next link", "Select the alert's next link",
        scope="alert_detail"),
)  # fmt: skip

KEYS: tuple[Key, ...] = (
    _ALERT_KEYS
    + _WINDOW_KEYS
    + _GLOBAL_KEYS
    + _OVERVIEW_KEYS
    + _ALERT_DETAIL_KEYS
    + _DASHBOARD_KEYS
    + _SILENCES_KEYS
    + _INCIDENTS_KEYS
)
"""Every remappable key; ids are unique (checked by the tests)."""

KEY_IDS: frozenset[str] = frozenset(k.id for k in KEYS)


def keys_of(scope: str) -> tuple[Key, ...]:
    return tuple(k for k in KEYS if k.scope == scope)


def key_by_id(key_id: str) -> Key:
    for k in KEYS:
        if k.id == key_id:
            return k
    raise KeyError(key_id)


MUTATING_ACTIONS: frozenset[str] = frozenset(k.action_name for k in KEYS if k.mutates)
"""Actions that change something: hidden in read-only mode."""

SELECTION_ACTIONS: frozenset[str] = frozenset(k.action_name for k in KEYS if k.needs_selection)
"""Actions on the selected alert(s): greyed out without one."""
