"""The soak (issue #10: "RSS flat over a 30-minute soak"): the real TUI on the demo world
at 160x48 and a 2 s refresh for a long time, RSS sampled every few seconds.

    python -m benchmarks.soak [--minutes 30] [--every 5] [--out benchmarks/SOAK.json]

Reports the RSS slope (MB per 10 minutes, least squares after the first 2 minutes of
warm-up) and first/last/max, plus CPU and terminal bytes per minute. The raw samples go
to --out; `python -m benchmarks.run --render` (and every run) adds them to RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from benchmarks import machine
from benchmarks import screen_probes as probe
from benchmarks.bench_process import cpu_seconds, rss_mb
from benchmarks.bench_screen import _tui, screen_env
from benchmarks.stats import Budget, Result, Section, save_sections
from benchmarks.storm import write_config
from benchmarks.world import world

WARMUP_S = 120.0
SLOPE_BUDGET = Budget(
    5.0,
    "max",
    "issue #10: RSS flat over a 30-minute soak (read here: under 5 MB per 10 minutes "
    "after a 2-minute warm-up)",
)


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def soak(minutes: float, every_s: float) -> tuple[Section, str]:
    with world("demo") as w:
        env = screen_env(w)
        config_file = write_config(w, env)
        s = _tui(w, config_file, env)
        try:
            if s.until(probe.latency_row, 90) is None:
                raise RuntimeError("no latency row on screen after 90 s")
            t0 = time.monotonic()
            samples: list[tuple[float, float]] = []
            cpu_min: list[float] = []
            kb_min: list[float] = []
            c_last, w_last, p_last = cpu_seconds(s.pid), time.monotonic(), time.perf_counter()
            while time.monotonic() - t0 < minutes * 60.0:
                time.sleep(every_s)  # the sampling period, not a synchronisation
                if not s.alive():
                    raise RuntimeError("the TUI exited during the soak")
                now = time.monotonic()
                samples.append((now - t0, rss_mb(s.pid)))
                if now - w_last >= 60.0:
                    cpu, p_now = cpu_seconds(s.pid), time.perf_counter()
                    cpu_min.append(100.0 * (cpu - c_last) / (now - w_last))
                    kb_min.append(s.bytes_between(p_last, p_now) / 1024.0 / (p_now - p_last))
                    c_last, w_last, p_last = cpu, now, p_now
                    _say(f"{(now - t0) / 60:.0f} min: RSS {samples[-1][1]:.1f} MB")
            ended = s.quit()
        finally:
            s.close()
    warm = [(t, m) for t, m in samples if t >= WARMUP_S]
    slope = statistics.linear_regression([t for t, _ in warm], [m for _, m in warm]).slope * 600
    rss = [m for _, m in samples]
    detail = (
        f"first {rss[0]:.1f} MB, after warm-up {warm[0][1]:.1f} MB, last {rss[-1]:.1f} MB, "
        f"max {max(rss):.1f} MB over {minutes:g} min ({len(rss)} samples every {every_s:g} s); "
        f"{ended}"
    )
    section = Section(
        f"Soak: the demo world for {minutes:g} minutes",
        "The real `oncall-tui` as in the screen benchmark (demo world, 160x48, refresh 2 s, "
        f"pty read through pyte), untouched for {minutes:g} minutes; VmRSS every "
        f"{every_s:g} s from first data on, CPU and terminal bytes per minute. The slope is "
        f"a least-squares fit after the first {WARMUP_S / 60:g} minutes.",
        [
            Result("[soak] RSS slope after warm-up", [slope], "MB/10 min", SLOPE_BUDGET, detail),
            Result("[soak] RSS", rss, "MB"),
            Result("[soak] CPU per minute", cpu_min, "%"),
            Result("[soak] terminal output per minute", kb_min, "KB/s"),
        ],
    )
    return section, detail


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    p.add_argument("--minutes", type=float, default=30.0)
    p.add_argument("--every", type=float, default=5.0, help="RSS sampling period, seconds")
    p.add_argument("--out", type=Path, default=Path("benchmarks/SOAK.json"))
    args = p.parse_args(argv)
    start = machine.describe()
    section, detail = soak(args.minutes, args.every)
    command = f"python -m benchmarks.soak --minutes {args.minutes:g}"
    save_sections(args.out, start, [section], command, machine.load())
    _say(f"wrote {args.out}: {section.results[0].samples[0]:.2f} MB/10 min; {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
