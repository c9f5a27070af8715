"""CPU % of two (or more) builds of the TUI at steady state, run side by side on the same
stack: the fairest comparison on a shared machine, since both see the same load.

    python -m benchmarks.storm --alerts 0 --hold     # prints the config path
    python -m benchmarks.bench_side_by_side --config FILE \
        --build new=src --build ref=/tmp/ref/src [--settle 15] [--rounds 4] [--window 20]

Each build runs as `python -m oncall_tui --config FILE --refresh 2s` on its own pty at
160x48 (TERM=xterm-256color), its `src` first on PYTHONPATH, with its own copy of the
config's journal. After `--settle` s, CPU-seconds (utime + stime of /proc/<pid>/stat)
are read `--rounds` times over `--window` s; the rounds of all builds cover the same
wall time. The load average is printed with the result.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_process import MARKERS, Terminal, cpu_seconds, spawn
from oncall_tui.config import load_config


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _start(name: str, src: str, config_file: str, tmp: Path, journal: str | None) -> Terminal:
    env = dict(os.environ)
    env.update(TERM="xterm-256color", PYTHONPATH=str(Path(src).absolute()))
    for var in ("COLORTERM", "COLUMNS", "LINES", "NO_COLOR"):
        env.pop(var, None)
    if journal:
        own = tmp / f"{name}-journal.sqlite3"
        shutil.copyfile(journal, own)
        env["ONCALL_TUI_JOURNAL"] = str(own)
    argv = [sys.executable, "-m", "oncall_tui", "--config", config_file, "--refresh", "2s"]
    return spawn(argv, env, (MARKERS["demo"],))


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_side_by_side")
    p.add_argument("--config", required=True)
    p.add_argument("--build", action="append", required=True, metavar="NAME=SRC")
    p.add_argument("--settle", type=float, default=15.0)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--window", type=float, default=20.0)
    args = p.parse_args()
    builds = dict(b.split("=", 1) for b in args.build)
    journal = load_config(args.config, dict(os.environ)).journal_path
    print(f"load at start {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="oncall-side-") as tmp:
        terms = {n: _start(n, s, args.config, Path(tmp), journal) for n, s in builds.items()}
        try:
            for name, term in terms.items():
                print(f"{name}: first data at {term.wait_for(MARKERS['demo'], 60):.0f} ms")
            time.sleep(args.settle)  # the first polls and the 7-day history
            cpu: dict[str, list[float]] = {n: [] for n in terms}
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                c0 = {n: cpu_seconds(t.pid) for n, t in terms.items()}
                time.sleep(args.window)  # the window of one sample
                wall = time.perf_counter() - t0
                for n, t in terms.items():
                    cpu[n].append(100.0 * (cpu_seconds(t.pid) - c0[n]) / wall)
                print("  ".join(f"{n} {cpu[n][-1]:.2f} %" for n in terms), flush=True)
            for n, values in cpu.items():
                print(
                    f"{n}: mean {statistics.mean(values):.2f} % of a core "
                    f"(rounds: {', '.join(f'{v:.2f}' for v in values)})"
                )
        finally:
            for term in terms.values():
                term.quit()
                term.close()
    print(f"load at end {_load()}")


if __name__ == "__main__":
    main()
