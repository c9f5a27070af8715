"""Benchmark "screen" (issue #10): the real `oncall-tui` on a pty at 160x48, refresh 2 s,
read through a terminal emulator, beside a minimal Textual app in the same run.

Phases, one fresh TUI process each, in one demo world (`oncall-tui demo`'s stack):
the demo as it is; + 5,000 storm alerts (then keys again while 15,000 more arrive);
20,000 alerts. Each phase: spawn -> first data on screen; settle; steady state
(CPU per 2 s window from /proc/<pid>/stat, every byte the pty delivered, VmRSS each
second); then the keys of benchmarks/screen_keys.py. The minimal app
(benchmarks/minimal_app.py) gets the same: first frame, steady state, its one key.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import bytecode, minimal_app, screen_keys, storm_alerts
from benchmarks import screen_probes as probe
from benchmarks.bench_process import cpu_seconds, rss_mb
from benchmarks.screen_term import Screen, spawn
from benchmarks.stats import Budget
from benchmarks.storm import tui_env, write_config
from benchmarks.world import World

ROWS, COLS = 48, 160
REFRESH = "2s"
FIRST_TIMEOUT_S = 90.0
KEY_TIMEOUT_S = 20.0
STORM = 5000
BIG_STORM = 20000
ARRIVAL_PER_S = 250.0

CPU_BUDGET = Budget(2.0, "mean", "issue #10: at steady state, at most 2 % of one core")
BYTES_BUDGET = Budget(2.0, "mean", "issue #10: at most 2 KB/s to the terminal at steady state")
RSS_BUDGET = Budget(250.0, "max", "issue #10: RSS under 250 MB (20,000 alerts included)")
KEY_WORST = {
    STORM: Budget(500.0, "max", "issue #10: with 5,000 alerts every key within 500 ms worst"),
    BIG_STORM: Budget(1000.0, "max", "issue #10: with 20,000 alerts every key within 1 s worst"),
}
KEY_MEDIAN = {
    STORM: Budget(150.0, "max", "issue #10: with 5,000 alerts every key's median <= 150 ms"),
    BIG_STORM: Budget(300.0, "max", "issue #10: with 20,000 alerts every key's median <= 300 ms"),
}


@dataclass
class Timings:
    quick: bool

    @property
    def settle_s(self) -> float:
        return 6.0 if self.quick else 10.0

    @property
    def steady_s(self) -> float:
        return 12.0 if self.quick else 30.0

    @property
    def rounds(self) -> int:
        return 3 if self.quick else 10

    def keys_cap_s(self, alerts: int) -> float:
        """A phase's keys stop after this long even short of `rounds` (a frozen TUI
        would take KEY_TIMEOUT_S per press); 5,000 alerts, the issue's main case, gets
        the most."""
        if self.quick:
            return 60.0
        return 150.0 if alerts == STORM else 80.0


@dataclass
class Phase:
    name: str
    alerts: int
    first_ms: dict[str, list[float]] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    kb_s: list[float] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)
    keys: screen_keys.KeyTimes | None = None
    arriving: screen_keys.KeyTimes | None = None
    ended: str = ""
    note: str = ""
    steady_from: float = 0.0
    """When steady state began, on the RSS samples' clock (s since the spawn)."""


class RssSampler:
    """VmRSS every second, in a thread, for the life of the process; (seconds since
    the spawn, MB)."""

    def __init__(self, s: Screen, into: list[tuple[float, float]]) -> None:
        self.pid, self.into = s.pid, into
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(s.started,), daemon=True)
        self._thread.start()

    def _run(self, started: float) -> None:
        while not self._stop.wait(1.0):
            try:
                mb = rss_mb(self.pid)
            except OSError:
                return
            if mb <= 0:  # a zombie has no VmRSS: the process is gone
                return
            self.into.append((time.perf_counter() - started, mb))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def _first(s: Screen, shows: Callable[[Screen], bool], what: str) -> float:
    at = s.until(shows, FIRST_TIMEOUT_S)
    if at is None:
        raise RuntimeError(f"{what} not on screen {FIRST_TIMEOUT_S:g} s after the spawn")
    return (at - s.started) * 1000.0


def _steady(s: Screen, seconds: float, phase: Phase) -> None:
    """CPU % and KB/s per 2 s window (one refresh interval each)."""
    t_cpu, t_wall = cpu_seconds(s.pid), time.perf_counter()
    end = t_wall + seconds
    while True:
        time.sleep(2.0)  # the window length of a sample, not a synchronisation
        cpu, now = cpu_seconds(s.pid), time.perf_counter()
        phase.cpu.append(100.0 * (cpu - t_cpu) / (now - t_wall))
        phase.kb_s.append(s.bytes_between(t_wall, now) / 1024.0 / (now - t_wall))
        t_cpu, t_wall = cpu, now
        if now >= end:
            return


def _keys(
    s: Screen, t: Timings, alerts: int, keep_going: Callable[[], bool] | None = None
) -> screen_keys.KeyTimes:
    deadline = time.monotonic() + t.keys_cap_s(alerts)
    return screen_keys.measure(s, t.rounds, KEY_TIMEOUT_S, keep_going, deadline=deadline)


def _tui(w: World, config_file: str, env: dict[str, str]) -> Screen:
    exe = str(Path(sys.executable).with_name("oncall-tui"))
    return spawn([exe, "--config", config_file, "--refresh", REFRESH], env, ROWS, COLS)


def tui_phase(
    w: World,
    config_file: str,
    env: dict[str, str],
    phase: Phase,
    t: Timings,
    during: Callable[[], threading.Thread] | None = None,
) -> None:
    s = _tui(w, config_file, env)
    sampler = RssSampler(s, phase.rss)
    try:
        phase.first_ms.setdefault("latency row", []).append(
            _first(s, probe.latency_row, "a latency row")
        )
        if phase.alerts:
            phase.first_ms.setdefault("alert row", []).append(
                _first(s, probe.alert_row, "an alert row")
            )
        time.sleep(t.settle_s)  # the first polls and the 7-day history, before steady state
        phase.steady_from = time.perf_counter() - s.started
        _steady(s, t.steady_s, phase)
        s.until(probe.overview_idle, KEY_TIMEOUT_S)
        phase.keys = _keys(s, t, phase.alerts)
        if during is not None:
            poster = during()
            phase.arriving = _keys(s, t, phase.alerts, poster.is_alive)
            poster.join()
        phase.ended = s.quit()
    finally:
        sampler.stop()
        s.close()


def cold_firsts(w: World, config_file: str, env: dict[str, str], phase: Phase, count: int) -> None:
    for _ in range(count):
        s = _tui(w, config_file, env)
        try:
            phase.first_ms.setdefault("latency row", []).append(
                _first(s, probe.latency_row, "a latency row")
            )
            s.quit()
        finally:
            s.close()


def _label_reads(text: str) -> Callable[[Screen], bool]:
    return lambda s: s.has(f"{text} times")


def minimal_phase(env: dict[str, str], t: Timings, starts: int) -> Phase:
    phase = Phase("minimal Textual app", 0)
    argv = [sys.executable, minimal_app.__file__]
    ready = lambda s: s.has(minimal_app.READY)  # noqa: E731
    for i in range(starts):
        s = spawn(argv, env, ROWS, COLS)
        sampler = RssSampler(s, phase.rss) if i == starts - 1 else None
        try:
            phase.first_ms.setdefault("first frame", []).append(_first(s, ready, "its label"))
            if sampler is None:
                s.quit()
                continue
            time.sleep(t.settle_s)
            phase.steady_from = time.perf_counter() - s.started
            _steady(s, t.steady_s, phase)
            times = screen_keys.KeyTimes()
            for n in range(1, 2 * t.rounds + 1):
                # Its one key, and Escape: what Textual itself takes to tell a lone
                # Escape from the start of an escape sequence.
                screen_keys.press(s, times, "x", b"x", _label_reads(f"pressed {n}"), KEY_TIMEOUT_S)
                time.sleep(0.2)  # a user's pause between keys
                esc = _label_reads(f"escaped {n}")
                screen_keys.press(s, times, "Escape", screen_keys.ESC, esc, KEY_TIMEOUT_S)
                time.sleep(0.2)
            phase.keys = times
            phase.ended = s.quit()
        finally:
            if sampler is not None:
                sampler.stop()
            s.close()
    return phase


def screen_env(w: World) -> dict[str, str]:
    """The TUI's terminal: xterm-256color without COLORTERM (so 256 colours, as tmux
    and most SSH sessions report), config and state dirs of its own."""
    env = tui_env(w)
    env.update(
        TERM="xterm-256color",
        XDG_CONFIG_HOME=str(w.workdir / "xdg-config"),
        XDG_STATE_HOME=str(w.workdir / "xdg-state"),
    )
    for name in ("COLORTERM", "COLUMNS", "LINES", "TEXTUAL", "NO_COLOR"):
        env.pop(name, None)
    return env


def measure_all(w: World, quick: bool, say: Callable[[str], None]) -> list[Phase]:
    """Every phase, in order, in the (demo) world `w`."""
    t = Timings(quick)
    bytecode.compile_package()  # cold starts as installed (see bytecode.py)
    env = screen_env(w)
    config_file = write_config(w, env)
    say("screen: minimal app")
    phases = [minimal_phase(env, t, 2 if quick else 3)]
    say("screen: demo")
    demo = Phase("demo", 0)
    cold_firsts(w, config_file, env, demo, 1 if quick else 2)
    tui_phase(w, config_file, env, demo, t)
    phases.append(demo)
    say(f"screen: {STORM} alerts")
    storm_alerts.post(w.am_url, STORM)
    storm = Phase(f"demo + {STORM:,} alerts", STORM)

    def arrive() -> threading.Thread:
        more = BIG_STORM - STORM
        poster = threading.Thread(
            target=storm_alerts.post,
            args=(w.am_url, more),
            kwargs={"first": STORM, "batch": 250, "per_second": ARRIVAL_PER_S},
            daemon=True,
        )
        poster.start()
        return poster

    tui_phase(w, config_file, env, storm, t, during=arrive)
    phases.append(storm)
    say(f"screen: {BIG_STORM} alerts")
    held = storm_alerts.firing_count(w.am_url)
    big = Phase(f"demo + {BIG_STORM:,} alerts", BIG_STORM)
    big.note = f"Alertmanager held {held:,} active alerts"
    tui_phase(w, config_file, env, big, t)
    phases.append(big)
    return phases
