"""What grows in the TUI's memory while it idles on the demo world (the soak's slope),
by tracemalloc: benchmarks/tracemalloc_tui.py runs the real CLI on a pty; one snapshot
after warm-up, one `--minutes` later; the growth by line and by stack is printed.

    python -m benchmarks.mem_growth [--minutes 6] [--alerts 0]

tracemalloc slows the process down (every allocation is traced with its stack), so
this says *where*, not how fast; the soak says how fast.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from benchmarks import screen_probes as probe
from benchmarks import storm_alerts, tracemalloc_tui
from benchmarks.bench_process import rss_mb
from benchmarks.bench_screen import COLS, REFRESH, ROWS, screen_env
from benchmarks.screen_term import spawn
from benchmarks.storm import write_config
from benchmarks.world import world

WARMUP_S = 90.0


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _snap(pid: int, out: Path, wait_s: float) -> str:
    before = out.stat().st_mtime if out.exists() else 0.0
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if out.exists() and out.stat().st_mtime != before:
            time.sleep(0.5)  # let the handler finish writing
            return out.read_text()
        time.sleep(0.5)  # polling for the child's file, not synchronising a test
    return ""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.mem_growth", description=__doc__)
    p.add_argument("--minutes", type=float, default=6.0)
    p.add_argument("--alerts", type=int, default=0)
    args = p.parse_args(argv)
    with world("demo") as w:
        env = screen_env(w)
        config_file = write_config(w, env)
        out = w.workdir / "growth.txt"
        env["ONCALL_BENCH_TRACE_OUT"] = str(out)
        if args.alerts:
            storm_alerts.post(w.am_url, args.alerts)
        argv_tui = [sys.executable, tracemalloc_tui.__file__, "--config", config_file]
        s = spawn([*argv_tui, "--refresh", REFRESH], env, ROWS, COLS)
        try:
            if s.until(probe.latency_row, 180) is None:
                raise SystemExit("no latency row after 180 s")
            time.sleep(WARMUP_S)  # past start-up and the first history reads
            os.kill(s.pid, signal.SIGUSR1)
            rss0 = rss_mb(s.pid)
            _say(f"first snapshot; RSS {rss0:.1f} MB; waiting {args.minutes:g} min")
            time.sleep(args.minutes * 60.0)
            rss1 = rss_mb(s.pid)
            text = _snap(s.pid, out, 120.0)
            print(f"RSS {rss0:.1f} -> {rss1:.1f} MB over {args.minutes:g} min (traced process)")
            print(text or "no growth report written")
            s.quit()
        finally:
            s.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
