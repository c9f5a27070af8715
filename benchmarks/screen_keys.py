"""The keys a user presses, each timed from its write to the first frame showing what it
does (benchmarks/screen_probes.py says what that is on screen).

One round: `?` / Escape, `S` / Escape, `I` / Escape, `/` then "dis" letter by letter
then Escape, Down / Up (the cursor moves down and back up; `j`/`k`
are not bound in oncall-tui), Tab / Shift+Tab (focus moves
to the next panel and back). Between keys a short pause, as a user's; it also keeps a
press from landing in the previous answer's frame.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks import screen_probes as probe
from benchmarks.screen_term import Screen

ESC = b"\x1b"
SHIFT_TAB = b"\x1b[Z"
DOWN = b"\x1b[B"
UP = b"\x1b[A"
TYPED = "dis"
KEY_NAMES = (
    "?",
    "Escape (help)",
    "S",
    "Escape (silences)",
    "I",
    "Escape (incidents)",
    "/",
    "typing a letter",
    "Escape (filter)",
    "Down",
    "Up",
    "Tab",
    "Shift+Tab",
)


@dataclass
class KeyTimes:
    """Latency samples (ms) per key name, and the presses whose change never showed."""

    ms: dict[str, list[float]] = field(default_factory=dict)
    missed: dict[str, int] = field(default_factory=dict)
    missed_screens: dict[str, str] = field(default_factory=dict)
    """Per key, what the first unanswered press waited for and what the screen showed
    instead (an app that did not answer, or a probe that could not see the answer)."""
    skipped: dict[str, str] = field(default_factory=dict)
    deadline: float = float("inf")
    """time.monotonic() after which no more keys are pressed (a slow TUI would take
    the timeout per press: the phase stays bounded)."""

    def add(self, name: str, value: float) -> None:
        self.ms.setdefault(name, []).append(value)

    def miss(self, name: str, timeout_s: float) -> None:
        """A press not answered within the timeout counts as the timeout (a lower bound
        of its real latency), so a frozen screen cannot look fast."""
        self.missed[name] = self.missed.get(name, 0) + 1
        self.add(name, timeout_s * 1000.0)


def press(
    s: Screen,
    times: KeyTimes,
    name: str,
    key: bytes,
    shows: Callable[[Screen], bool],
    timeout_s: float,
    waiting_for: str = "",
) -> bool:
    """Press `key` and time it until `shows` holds. False (and a miss) on a timeout."""
    if time.monotonic() > times.deadline:
        return False
    if shows(s):
        # The answer is on screen before the press: no honest time. Say so, not 0 ms.
        times.skipped[name] = "expected change was already on screen before the press"
        return False
    e = s.expect(shows)
    t0 = s.press(key)
    at = s.wait(e, timeout_s)
    if at is None:
        times.miss(name, timeout_s)
        if name not in times.missed_screens:
            row = probe.cursor_row(s)
            on = "no cursor row" if row is None else f"cursor on {probe.row_label(s, row)!r}"
            panel = " / ".join(t.strip()[:40] for _, t in probe.alerts_panel(s)[:6])
            times.missed_screens[name] = (
                f"waited for {waiting_for or 'its change'}; {on}; Alerts panel: {panel}"
            )
        return False
    times.add(name, (at - t0) * 1000.0)
    return True


def recover(s: Screen, timeout_s: float) -> None:
    """Back to the overview with nothing open, after a press that did not answer."""
    for _ in range(2):
        if probe.overview_idle(s):
            return
        s.press(ESC)
        s.until(probe.overview_idle, timeout_s)


def one_round(s: Screen, times: KeyTimes, timeout_s: float, rng: random.Random) -> None:
    def gap() -> None:
        time.sleep(rng.uniform(0.15, 0.35))  # a user's pause between keys, not a sync

    pairs = (
        ("?", b"?", probe.help_open, "Escape (help)", probe.help_closed),
        ("S", b"S", probe.silences_open, "Escape (silences)", probe.silences_closed),
        ("I", b"I", probe.incidents_open, "Escape (incidents)", probe.incidents_closed),
    )
    for name, key, opened, close_name, closed in pairs:
        if press(s, times, name, key, opened, timeout_s):
            gap()
            press(s, times, close_name, ESC, closed, timeout_s)
        recover(s, timeout_s)
        gap()
    if press(s, times, "/", b"/", probe.filter_open, timeout_s):
        for i in range(len(TYPED)):
            gap()
            typed = TYPED[: i + 1]
            if not press(
                s,
                times,
                "typing a letter",
                typed[-1].encode(),
                probe.filter_reads(typed),
                timeout_s,
            ):
                break
        gap()
        press(s, times, "Escape (filter)", ESC, probe.filter_closed, timeout_s)
    recover(s, timeout_s)
    gap()
    row = probe.cursor_row(s)
    if row is None:
        times.skipped["Down"] = times.skipped["Up"] = "no cursor row in the Alerts panel"
    else:
        # On the panel's last rows Down would scroll, not move: go up first there.
        moves = [("Down", DOWN, 1), ("Up", UP, -1)]
        if row >= probe.alerts_panel(s)[-1][0] - 2:
            moves.reverse()
        name, key, step = moves[0]
        here, there = probe.row_label(s, row), probe.row_label(s, row + step)
        if probe.same_row(here, there):
            times.skipped[name] = "two neighbouring rows read alike: a move is not visible"
        elif press(
            s, times, name, key, probe.cursor_moved(here, there, step), timeout_s,
            f"the cursor from {here!r} to {there!r}",
        ):  # fmt: skip
            gap()
            name, key, back = moves[1]
            row = probe.cursor_row(s)
            if row is not None:
                now_on = probe.row_label(s, row)
                before = probe.row_label(s, row + back)
                press(
                    s, times, name, key, probe.cursor_moved(now_on, before, back), timeout_s,
                    f"the cursor from {now_on!r} to {before!r}",
                )  # fmt: skip
    gap()
    before = probe.focus_signature(s)
    if press(s, times, "Tab", b"\t", probe.focus_moved(before), timeout_s):
        gap()
        # Back to where it was; "moved again" rather than "equal to before", since a
        # panel's border may change colour with its data meanwhile.
        after = probe.focus_signature(s)
        press(s, times, "Shift+Tab", SHIFT_TAB, probe.focus_moved(after), timeout_s)
    gap()


def measure(
    s: Screen,
    rounds: int,
    timeout_s: float,
    keep_going: Callable[[], bool] | None = None,
    seed: int = 3,
    deadline: float = float("inf"),
) -> KeyTimes:
    """`rounds` rounds; with `keep_going`, rounds until it says stop (at most `rounds`);
    no key pressed after `deadline` (time.monotonic())."""
    rng = random.Random(seed)
    times = KeyTimes(deadline=deadline)
    for _ in range(rounds):
        one_round(s, times, timeout_s, rng)
        if time.monotonic() > deadline or (keep_going is not None and not keep_going()):
            break
    return times
