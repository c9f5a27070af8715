"""The top line: poll state, window, sources; and the panel tabs of the compact layout."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from oncall_tui.durations import format_duration
from oncall_tui.model.severity import is_paging
from oncall_tui.model.snapshot import BreakerState, Snapshot
from oncall_tui.ui.schedule import PollState
from oncall_tui.ui.state import coarse_age_text
from oncall_tui.ui.widgets.format import Palette, level_vs_target, ms, pct, score_level, txt

__all__ = ["PollState", "slow_text", "status_line", "summary_line", "tabs_line"]


SHORT_SOURCE = {"alertmanager": "AM", "prometheus": "Prom"}


SLOW_SOURCE_S = 1.0
"""A source that answers faster than this shows only its mark: "12ms" rewritten on
every poll is bytes on the link that say nothing to act on. A slower one says so, in
whole seconds (rewritten only when the second changes)."""


def slow_text(latency_s: float | None) -> str:
    """ "slow 3s" for a source that took `SLOW_SOURCE_S` or more, else ""."""
    if latency_s is None or not math.isfinite(latency_s) or latency_s < SLOW_SOURCE_S:
        return ""
    return f"slow {format_duration(round(latency_s))}"


def status_line(
    snap: Snapshot | None, poll: PollState, palette: Palette, now: float, width: int | None = None
) -> Text:
    """The top line; on a narrow terminal it drops words (the refresh interval, then
    "polled", then long source names) before it would cut a source's latency off."""
    line = Text()
    for tier in range(3):
        line = _status_line(snap, poll, palette, now, tier)
        if width is None or line.cell_len <= width:
            break
    return line


def _status_line(
    snap: Snapshot | None, poll: PollState, palette: Palette, now: float, tier: int
) -> Text:
    out = Text()
    if poll.paused:
        out.append(" ⏸ PAUSED ", style="reverse bold")
    elif poll.polling and (poll.polling_for_s is None or poll.polling_for_s >= 1.0):
        # Only a poll that takes a while says so: a quick one flipping the mark twice
        # per refresh is a repaint of this line for nothing (bytes over SSH).
        out.append(" ⟳ ", style="bold")
        if poll.polling_for_s is not None and poll.polling_for_s >= max(2.0, poll.refresh_s):
            # A slow source holds the poll: say so, the panels' ages say the rest.
            waited = format_duration(round(poll.polling_for_s))
            out.append(f"waiting {waited} for sources ", style=palette.level("warn"))
    else:
        out.append(" ● ", style=palette.level("ok"))
    out.append(f" window {format_duration(poll.window_s)}", style="bold")
    if tier == 0:
        out.append(f" · every {format_duration(poll.refresh_s)}", style="dim")
    if snap is not None:
        polled = "polled " if tier < 2 else ""
        ago = now - snap.taken_at
        when = "just now" if ago < 10 else f"{coarse_age_text(ago)} ago"
        out.append(f" · {polled}{when}", style="dim")
        for name, src in sorted(snap.sources.items()):
            out.append(" · ")
            shown = SHORT_SOURCE.get(name, name) if tier >= 2 else name
            if src.ok:
                out.append(f"{shown} ✔", style=palette.level("ok"))
                slow = slow_text(src.latency_s)
                if slow:
                    out.append(f" {slow}", style=palette.level("warn"))
            else:
                out.append(f"{shown} ✖ ", style=palette.level("bad"))
                out.append_text(txt(src.error or "no answer", palette.level("bad")))
    if poll.error:
        out.append(" · poll failed: ", style=palette.level("bad"))
        out.append_text(txt(poll.error, palette.level("bad")))
        if poll.retry_in_s is not None:
            out.append(f" · retry in {format_duration(poll.retry_in_s)}", style="dim")
    return out


def summary_line(snap: Snapshot | None, palette: Palette) -> Text:
    """The numbers of every panel on one line, for the compact layout."""
    if snap is None:
        return Text(" waiting for the first poll…", style="dim")
    out = Text(" ")
    h = snap.health.score
    out.append("Health ")
    out.append(
        "—" if h is None else f"{h:.1f}%", style=palette.level(score_level(h)) + Style(bold=True)
    )
    slo = snap.latency.slo_p95
    p95s = [s.quantiles.get("p95") for s in snap.latency.services]
    worst = max((v for v in p95s if v is not None), default=None)
    out.append("  p95 ")
    out.append(f"{ms(worst)}ms", style=palette.level(level_vs_target(worst, slo)))
    out.append("  err ")
    e = snap.errors
    out.append(pct(e.value, 2), style=palette.level(level_vs_target(e.value, e.slo)))
    opened = sum(
        1
        for b in snap.circuit_breakers.breakers
        if b.state in (BreakerState.OPEN, BreakerState.FORCED_OPEN)
    )
    out.append("  breakers ")
    out.append(f"{opened} open", style=palette.style("breaker-open") if opened else "")
    active = [a for a in snap.alerts.items if a.display_state == "active"]
    crit = sum(1 for a in active if is_paging(a.severity))
    out.append("  alerts ")
    out.append(f"{len(active)} active", style=palette.style("severity-critical") if crit else "")
    return out


def tabs_line(names: Sequence[str], active: int) -> Text:
    """The compact layout's tabs; the active one in brackets as well as in reverse, so
    it reads without colour (monochrome, 256-colour themes alike)."""
    out = Text(" ")
    for i, name in enumerate(names):
        if i == active:
            out.append(f"[{name}]", style="reverse bold")
        else:
            out.append(f" {name} ", style="dim")
    out.append(" (Tab)", style="dim italic")
    return out
