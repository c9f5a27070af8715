"""First live data on screen (issue #10), alone: N cold starts of oncall-tui and of the
minimal Textual app, alternating, in one demo world, on a pty at 160x48 read through the
terminal emulator the screen benchmark uses (benchmarks/bench_screen.py measures the same
thing, once or twice, among everything else).

    python -m benchmarks.first_data [--starts 7] [--alerts 0] [--hold] [--other-src DIR]

Per start: the wall time from the spawn to the first frame (the overview's Alerts box;
the minimal app's label), to the first latency row (the demo's api-gateway) and, with
--alerts, to the first alert row; and the child's CPU seconds when the latency row came
(read just after, from /proc: a figure that a busy machine changes less than wall time).
Medians beside the minimal app's, with the load average before and after. --hold keeps
the world up after the run and prints the TUI's command line (for py-spy, -X importtime).
--other-src DIR adds a third app to the rotation: `python -m oncall_tui` from another
checkout's src/ (e.g. `git archive <commit> src | tar -x -C DIR/..`), on the same
interpreter and packages: a before/after in one run. Both are byte-compiled first, as an
installed package is (benchmarks/bytecode.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import bytecode, machine, minimal_app, storm_alerts
from benchmarks import screen_probes as probe
from benchmarks.bench_process import cpu_seconds
from benchmarks.bench_screen import COLS, FIRST_TIMEOUT_S, REFRESH, ROWS, screen_env
from benchmarks.screen_term import Screen, spawn
from benchmarks.storm import tui_command, write_config
from benchmarks.world import world

Probe = Callable[[Screen], bool]


def _at(s: Screen, shows: Probe) -> tuple[float, float]:
    """(ms from the spawn, child CPU s) when `shows` first held."""
    at = s.until(shows, FIRST_TIMEOUT_S)
    cpu = cpu_seconds(s.pid)
    if at is None:
        raise RuntimeError(f"not on screen {FIRST_TIMEOUT_S:g} s after the spawn")
    return (at - s.started) * 1000.0, cpu


def _start(argv: list[str], env: dict[str, str], marks: dict[str, Probe]) -> dict[str, float]:
    """One cold start; ms (and child CPU ms) at each mark."""
    s = spawn(argv, env, ROWS, COLS)
    out: dict[str, float] = {}
    try:
        for name, shows in marks.items():
            ms, cpu = _at(s, shows)
            out[name] = ms
            out[f"{name} cpu"] = cpu * 1000.0
        s.quit()
    finally:
        s.close()
    return out


def _median(rows: list[dict[str, float]], key: str) -> str:
    values = sorted(r[key] for r in rows)
    return f"{statistics.median(values):6.0f} ms  (min {values[0]:.0f}, max {values[-1]:.0f})"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.first_data", description=__doc__)
    p.add_argument("--starts", type=int, default=7, help="cold starts of each app")
    p.add_argument("--alerts", type=int, default=0, help="storm alerts posted first")
    p.add_argument("--hold", action="store_true", help="keep the world up afterwards")
    p.add_argument("--other-src", metavar="DIR", help="also start oncall-tui from DIR")
    args = p.parse_args(argv)
    bytecode.compile_package()  # as installed (see bytecode.py), both builds alike
    if args.other_src:
        bytecode.compile_package(args.other_src)
    with world("demo") as w:
        env = screen_env(w)
        config_file = write_config(w, env)
        if args.alerts:
            storm_alerts.post(w.am_url, args.alerts)
        tui = [str(Path(sys.executable).with_name("oncall-tui"))]
        tui += ["--config", config_file, "--refresh", REFRESH]
        ours: dict[str, Probe] = {
            "frame": lambda s: s.has(probe.ALERTS_TITLE),
            "latency row": probe.latency_row,
        }
        if args.alerts:
            ours["alert row"] = probe.alert_row
        minimal: dict[str, Probe] = {"frame": lambda s: s.has(minimal_app.READY)}
        _start(tui, env, ours)  # a warm-up of each: the page cache, the servers' caches
        _start([sys.executable, minimal_app.__file__], env, minimal)
        load_before = machine.load()
        mine: list[dict[str, float]] = []
        ref: list[dict[str, float]] = []
        other: list[dict[str, float]] = []
        other_env = dict(env, PYTHONPATH=str(args.other_src or ""))
        other_tui = [sys.executable, "-m", "oncall_tui", *tui[1:]]
        for _ in range(args.starts):
            ref.append(_start([sys.executable, minimal_app.__file__], env, minimal))
            mine.append(_start(tui, env, ours))
            if args.other_src:
                other.append(_start(other_tui, other_env, ours))
        load_after = machine.load()
        print(f"{args.starts} cold starts each, alternating; load {load_before} -> {load_after}")
        print(f"minimal app  first frame   {_median(ref, 'frame')}")
        print(f"             cpu at frame  {_median(ref, 'frame cpu')}")
        for name in ours:
            print(f"oncall-tui   {name:13} {_median(mine, name)}")
        print(f"             cpu at latency {_median(mine, 'latency row cpu')}")
        if other:
            for name in ours:
                print(f"{args.other_src}: {name:13} {_median(other, name)}")
            print(f"             cpu at latency {_median(other, 'latency row cpu')}")
        base = statistics.median(r["frame"] for r in ref)
        first = statistics.median(r["latency row"] for r in mine)
        goal = f"goal <= 1.5x: {1.5 * base:.0f} ms"
        print(f"first data / minimal frame: {first / base:.2f}x ({goal})")
        if args.hold:
            print(tui_command(w, config_file, env), flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
