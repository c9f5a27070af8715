"""RSS of two builds of the TUI side by side in one alert storm (issue #10: under 250 MB
with 20,000 alerts), the screen benchmark's phases without its timings.

    python -m benchmarks.rss_side_by_side --base /path/to/other/checkout/src [--rounds 3]

One demo world. Each phase starts one real `oncall-tui` per build at once (160x48 on
a pty, refresh 2 s, each build with its own journal; this checkout's `src` and the
`--base` one, by PYTHONPATH), waits for an alert row, settles, then presses the screen
benchmark's key rounds (benchmarks/screen_keys.py: `I`, `/` and typing build thousands
of rows) on both at once; VmRSS of each every second from spawn to quit. Phases: 5,000
alerts, with the rounds repeated while 15,000 more arrive at 250/s; then 20,000
alerts (a fresh TUI per build; the journals keep their incidents, as in the screen
benchmark). Prints each build's median and max RSS per phase, and the median and worst
of all its key presses (a check that a memory change costs the keys nothing).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from benchmarks import screen_keys, storm_alerts
from benchmarks import screen_probes as probe
from benchmarks.bench_screen import (
    ARRIVAL_PER_S,
    BIG_STORM,
    COLS,
    KEY_TIMEOUT_S,
    REFRESH,
    ROWS,
    STORM,
    RssSampler,
    screen_env,
)
from benchmarks.screen_term import Screen, spawn
from benchmarks.storm import write_config
from benchmarks.world import world

HERE = str(Path(__file__).resolve().parents[1] / "src")
SETTLE_S = 10.0


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _build_env(env: dict[str, str], src: str, state: Path) -> dict[str, str]:
    return dict(env, PYTHONPATH=src, XDG_STATE_HOME=str(state))


def _phase(
    builds: dict[str, dict[str, str]],
    config_file: str,
    rounds: int,
    arrive: bool,
    am_url: str,
    presses: dict[str, list[float]],
) -> dict[str, list[float]]:
    """Each build's VmRSS samples (MB); each build's key times (ms) go into `presses`."""
    argv = [sys.executable, "-m", "oncall_tui", "--config", config_file, "--refresh", REFRESH]
    screens: dict[str, Screen] = {}
    rss: dict[str, list[tuple[float, float]]] = {name: [] for name in builds}
    samplers = []
    try:
        for name, env in builds.items():
            screens[name] = spawn(argv, env, ROWS, COLS)
            samplers.append(RssSampler(screens[name], rss[name]))
        for name, s in screens.items():
            if s.until(probe.alert_row, 180) is None:
                raise SystemExit(f"{name}: no alert row after 180 s")
        time.sleep(SETTLE_S)  # the first polls and the history read

        def keys(name: str, s: Screen, keep_going: threading.Thread | None) -> None:
            s.until(probe.overview_idle, KEY_TIMEOUT_S)
            alive = keep_going.is_alive if keep_going is not None else None
            times = screen_keys.measure(s, rounds, KEY_TIMEOUT_S, alive)
            presses.setdefault(name, []).extend(ms for v in times.ms.values() for ms in v)

        def both(poster: threading.Thread | None) -> None:
            pressers = [
                threading.Thread(target=keys, args=(name, s, poster), daemon=True)
                for name, s in screens.items()
            ]
            for t in pressers:
                t.start()
            for t in pressers:
                t.join()

        both(None)
        if arrive:
            poster = threading.Thread(
                target=storm_alerts.post,
                args=(am_url, BIG_STORM - STORM),
                kwargs={"first": STORM, "batch": 250, "per_second": ARRIVAL_PER_S},
                daemon=True,
            )
            poster.start()
            both(poster)
            poster.join()
        for s in screens.values():
            s.quit()
    finally:
        for sampler in samplers:
            sampler.stop()
        for s in screens.values():
            s.close()
    for name, samples in rss.items():
        top = [(round(t), round(mb)) for t, mb in sorted(samples, key=lambda x: -x[1])[:5]]
        _say(f"{name}: highest samples (s since spawn, MB): {top}")
    return {name: [mb for _, mb in samples] for name, samples in rss.items()}


def _line(phase: str, name: str, mb: list[float], ms: list[float]) -> str:
    keys = f"median {statistics.median(ms):5.0f} ms, worst {max(ms):6.0f} ms" if ms else "none"
    return (
        f"{phase:<34} {name:<6} RSS median {statistics.median(mb):6.1f} MB, "
        f"p95 {sorted(mb)[int(0.95 * (len(mb) - 1))]:6.1f} MB, max {max(mb):6.1f} MB"
        f" (n={len(mb)}); keys {keys} (n={len(ms)})"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.rss_side_by_side", description=__doc__)
    p.add_argument("--base", required=True, help="the other build's src directory")
    p.add_argument("--this", default=HERE, help="this build's src directory (default: here)")
    p.add_argument("--rounds", type=int, default=3, help="key rounds per phase")
    args = p.parse_args(argv)
    lines = []
    with world("demo") as w:
        env = screen_env(w)
        config_file = write_config(w, env)
        builds = {
            "base": _build_env(env, os.path.abspath(args.base), w.workdir / "state-base"),
            "this": _build_env(env, os.path.abspath(args.this), w.workdir / "state-this"),
        }
        _say(f"{STORM} alerts, then {BIG_STORM - STORM} more while keys are pressed")
        storm_alerts.post(w.am_url, STORM)
        ms: dict[str, list[float]] = {}
        got = _phase(builds, config_file, args.rounds, True, w.am_url, ms)
        phase = f"{STORM:,} alerts (+{BIG_STORM - STORM:,} arriving)"
        lines += [_line(phase, n, mb, ms.get(n, [])) for n, mb in got.items()]
        _say(f"{BIG_STORM} alerts")
        ms = {}
        got = _phase(builds, config_file, args.rounds, False, w.am_url, ms)
        lines += [_line(f"{BIG_STORM:,} alerts", n, mb, ms.get(n, [])) for n, mb in got.items()]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
