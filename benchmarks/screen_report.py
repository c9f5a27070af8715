"""The screen benchmark's phases as a report Section: one row per measurement with the
issue's budgets, and a side-by-side table (minimal app beside each world) on top."""

from __future__ import annotations

import math
import statistics

from benchmarks.bench_screen import (
    BIG_STORM,
    BYTES_BUDGET,
    COLS,
    CPU_BUDGET,
    KEY_MEDIAN,
    KEY_TIMEOUT_S,
    KEY_WORST,
    REFRESH,
    ROWS,
    RSS_BUDGET,
    STORM,
    Phase,
)
from benchmarks.screen_keys import KEY_NAMES, KeyTimes
from benchmarks.stats import Budget, Result, Section

FIRST_RATIO = 1.5


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def _fmt(value: float, digits: int = 0) -> str:
    return "—" if math.isnan(value) else f"{value:,.{digits}f}"


def _key_rows(label: str, times: KeyTimes, scale: int, why: str) -> list[Result]:
    worst = KEY_WORST[scale]
    median = KEY_MEDIAN[scale]
    if why:
        worst = Budget(worst.limit, worst.stat, f"{worst.why} ({why})")
        median = Budget(median.limit, median.stat, f"{median.why} ({why})")
    rows = []
    for name in KEY_NAMES:
        samples = times.ms.get(name, [])
        detail = []
        if times.missed.get(name):
            detail.append(
                f"{times.missed[name]} press(es) not answered within {KEY_TIMEOUT_S:g} s "
                f"(counted as {KEY_TIMEOUT_S:g} s)"
            )
            if name in times.missed_screens:
                detail.append(times.missed_screens[name])
        if name in times.skipped:
            detail.append(f"skipped: {times.skipped[name]}")
        if samples or detail:
            rows.append(Result(f"{label} key {name}", samples, "ms", worst, "; ".join(detail)))
    medians = [_med(v) for v in times.ms.values() if v]
    rows.append(
        Result(
            f"{label} keys: each key's median",
            medians,
            "ms",
            median,
            "one sample per key (its median); the row's max is the slowest key's median",
        )
    )
    return rows


def _all_presses(times: KeyTimes | None) -> list[float]:
    return [] if times is None else [v for vs in times.ms.values() for v in vs]


def _keys_of(p: Phase, name: str) -> list[float]:
    return [] if p.keys is None else p.keys.ms.get(name, [])


def results(phases: list[Phase]) -> list[Result]:
    minimal, *ours = phases
    base = _med(minimal.first_ms.get("first frame", []))
    first_budget = Budget(
        FIRST_RATIO * base,
        "median",
        f"issue #10: first data within {FIRST_RATIO:g}x the minimal Textual app's first frame "
        f"(its median in this run: {base:,.0f} ms)",
    )
    out = [
        Result(
            "[minimal app] first frame",
            minimal.first_ms.get("first frame", []),
            "ms",
            None,
            "spawn until its label is on screen",
        ),
        Result("[minimal app] CPU, steady", minimal.cpu, "%"),
        Result("[minimal app] terminal output, steady", minimal.kb_s, "KB/s"),
        Result("[minimal app] RSS", [m for _, m in minimal.rss], "MB"),
        Result("[minimal app] key x (label changes)", _keys_of(minimal, "x"), "ms"),
        Result("[minimal app] key Escape (label changes)", _keys_of(minimal, "Escape"), "ms"),
    ]
    for p in ours:
        label = f"[{p.name}]"
        for what, samples in p.first_ms.items():
            out.append(
                Result(
                    f"{label} first data: {what}",
                    samples,
                    "ms",
                    first_budget,
                    "spawn until it is on screen",
                )
            )
        out.append(
            Result(f"{label} CPU, steady", p.cpu, "%", CPU_BUDGET, "% of one core per 2 s window")
        )
        out.append(
            Result(
                f"{label} terminal output, steady",
                p.kb_s,
                "KB/s",
                BYTES_BUDGET,
                "every byte the pty delivered, per 2 s window",
            )
        )
        out.append(
            Result(
                f"{label} RSS",
                [m for _, m in p.rss],
                "MB",
                RSS_BUDGET,
                # No slope here: a phase's RSS includes the keys' page builds; the soak is
                # what says leak or not.
                "VmRSS each second from spawn to quit; "
                + "; ".join(x for x in (p.note, p.ended) if x),
            )
        )
        scale = p.alerts or STORM
        why = "" if p.alerts else "held to the 5,000-alert budget"
        if p.keys is not None:
            out += _key_rows(label, p.keys, scale, why)
        if p.arriving is not None:
            out += _key_rows(
                f"[{p.name}, while {BIG_STORM - STORM:,} more arrive]",
                p.arriving,
                BIG_STORM,
                "held to the 20,000-alert budget: the count grows to 20,000",
            )
    return out


def side_by_side(phases: list[Phase]) -> list[str]:
    minimal, *ours = phases
    base = _med(minimal.first_ms.get("first frame", []))
    head = ["", "minimal app", *(p.name for p in ours)]
    rows = [
        "| " + " | ".join(head) + " |",
        "|---|" + "---:|" * (len(head) - 1),
    ]

    def first(p: Phase) -> str:
        parts = []
        for what, samples in p.first_ms.items():
            m = _med(samples)
            parts.append(
                f"{_fmt(m)} ms ({m / base:.1f}x)" + ("" if what != "alert row" else " alert row")
            )
        return "; ".join(parts) or "—"

    def cell(p: Phase, fn: str) -> str:
        if fn == "cpu":
            return f"{_fmt(statistics.fmean(p.cpu), 1)} %" if p.cpu else "—"
        if fn == "kb":
            return f"{_fmt(statistics.fmean(p.kb_s), 2)} KB/s" if p.kb_s else "—"
        if fn == "rss":
            return f"{_fmt(max(m for _, m in p.rss))} MB" if p.rss else "—"
        if fn == "span":
            steady = [m for t, m in p.rss if t >= p.steady_from]
            return f"{_fmt(steady[0])} → {_fmt(steady[-1])} MB" if steady else "—"
        times = p.arriving if fn in ("arriving", "arriving-esc") else p.keys
        if times is None:
            return "—"
        escapes = fn.endswith("esc")
        presses = [
            v for name, vs in times.ms.items() if name.startswith("Escape") == escapes for v in vs
        ]
        if not presses:
            return "—"
        return f"{_fmt(_med(presses))} / {_fmt(max(presses))} ms"

    rows.append(
        "| first data (median; ratio to the minimal app) | "
        + f"{_fmt(base)} ms first frame | "
        + " | ".join(first(p) for p in ours)
        + " |"
    )
    for title, fn in (
        ("CPU at steady state (mean of 2 s windows)", "cpu"),
        ("terminal output at steady state", "kb"),
        ("RSS max", "rss"),
        (
            "RSS from steady state to the phase's end (keys included; the soak says leak or not)",
            "span",
        ),
        ("keys but Escape: median / worst of all presses", "keys"),
        ("Escape keys (Textual waits ~100 ms to tell a lone Escape)", "keys-esc"),
        (f"keys but Escape, while {BIG_STORM - STORM:,} more alerts arrive", "arriving"),
        (f"Escape keys, while {BIG_STORM - STORM:,} more alerts arrive", "arriving-esc"),
    ):
        rows.append(f"| {title} | " + " | ".join(cell(p, fn) for p in phases) + " |")
    return rows


def section(phases: list[Phase], quick: bool, load: str) -> Section:
    how = (
        f"The real `oncall-tui --config FILE --refresh {REFRESH}` on a pty ({COLS}x{ROWS}, "
        "TERM=xterm-256color, no COLORTERM), its output drained by a thread into a pyte "
        "terminal emulator: every wait is for *screen content* (a modal's title, the "
        "filter text, the cursor row's colour, the focused panel's border colour), timed "
        "at the pty read that first made it true; a repaint that changes nothing else does "
        "not count. FILE is `oncall-tui demo`'s whole config (benchmarks/demo_toml.py) "
        "in one demo world; storm alerts from benchmarks/storm_alerts.py. One fresh TUI "
        "per phase: demo; + 5,000 alerts (then the keys again while 15,000 more arrive at "
        "250/s); 20,000 alerts. Settle "
        f"{'6' if quick else '10'} s after first data, then {'12' if quick else '30'} s of "
        "steady state (CPU from /proc/<pid>/stat per 2 s window, bytes per 2 s window); "
        "VmRSS each second over the phase. Keys (benchmarks/screen_keys.py): ?/Escape, "
        "S/Escape, I/Escape, / + 'dis' + Escape, Down/Up, Tab/Shift+Tab, rounds of them "
        "with 0.15-0.35 s between keys; a press unanswered in "
        f"{KEY_TIMEOUT_S:g} s counts as {KEY_TIMEOUT_S:g} s. The minimal Textual app "
        "(benchmarks/minimal_app.py) runs in the same run: first frame, steady state, "
        f"its one key. Load average at the end of this section: {load}."
    )
    return Section(
        f"The screen: real process, terminal emulator, beside a minimal app ({COLS}x{ROWS})",
        how + "\n\n" + "\n".join(side_by_side(phases)),
        results(phases),
    )
