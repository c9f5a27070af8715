"""Where the TUI's event loop is while a key waits: py-spy on the real process in a storm.

    python -m benchmarks.profile_keys --alerts 5000 [--rounds 3] [--out DIR]

Starts the demo world with N storm alerts, runs the TUI on a pty (as bench_screen),
and records `py-spy record --format raw` over the key rounds of screen_keys; besides,
for every key not answered within 300 ms, one `py-spy dump` of the process taken while
it waits. Writes DIR/stacks.txt (collapsed stacks), DIR/dumps.txt, and prints the
functions with the most samples, inclusive and own (the main thread: Textual's loop).
Needs `py-spy` (pip install py-spy); ptrace of our own child is allowed.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks import screen_keys, storm_alerts
from benchmarks import screen_probes as probe
from benchmarks.bench_screen import KEY_TIMEOUT_S, _tui, screen_env
from benchmarks.screen_term import Expectation, Screen
from benchmarks.storm import write_config
from benchmarks.world import world

SLOW_S = 0.3


def py_spy() -> str:
    exe = Path(sys.executable).with_name("py-spy")
    found = str(exe) if exe.exists() else shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy not found: pip install py-spy")
    return found


class Dumper:
    """Wraps Screen.wait: a press still waiting after SLOW_S gets one py-spy dump."""

    def __init__(self, s: Screen, out: list[str]) -> None:
        self.s, self.out = s, out
        self._wait = s.wait
        s.wait = self.wait  # type: ignore[method-assign]

    def wait(self, e: Expectation, timeout: float) -> float | None:
        # Peek at the event, not Screen.wait: that would drop the expectation at SLOW_S.
        if e.done.wait(SLOW_S):
            return e.at
        dump = subprocess.run(
            [py_spy(), "dump", "--pid", str(self.s.pid)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        self.out.append(f"--- a key waiting > {SLOW_S:g} s ---\n{dump.stdout}{dump.stderr}")
        return self._wait(e, timeout)


def summarize(stacks: Path, top: int = 25) -> str:
    """Inclusive and own sample counts per function from py-spy's raw (collapsed)
    output: `frame;frame;... count` per line, outermost first."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in stacks.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for f in set(frames):
            inclusive[f] += n
        own[frames[-1]] += n
    lines = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("own", own)):
        lines.append(f"-- top {top} by {title} samples")
        lines += [
            f"{n:6d} {100 * n / max(total, 1):5.1f}%  {f}" for f, n in counter.most_common(top)
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_keys", description=__doc__)
    p.add_argument("--alerts", type=int, default=5000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="oncall-profile-keys-"))
    out.mkdir(parents=True, exist_ok=True)
    with world("demo") as w:
        env = screen_env(w)
        config_file = write_config(w, env)
        storm_alerts.post(w.am_url, args.alerts)
        s = _tui(w, config_file, env)
        try:
            if s.until(probe.alert_row if args.alerts else probe.latency_row, 90) is None:
                raise SystemExit("no data on screen after 90 s")
            time.sleep(8.0)  # the first polls and the history, as bench_screen settles
            stacks = out / "stacks.txt"
            rec = subprocess.Popen(
                [py_spy(), "record", "--pid", str(s.pid), "--format", "raw", "--rate", "50",
                 "--output", str(stacks), "--nonblocking"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )  # fmt: skip
            dumps: list[str] = []
            Dumper(s, dumps)
            times = screen_keys.measure(s, args.rounds, KEY_TIMEOUT_S)
            rec.send_signal(2)  # py-spy writes its output on SIGINT
            threading.Thread(target=rec.wait, daemon=True).start()
            rec.wait(30)
            (out / "dumps.txt").write_text("\n".join(dumps))
            for name, ms in times.ms.items():
                print(f"{name:20s} " + " ".join(f"{v:6.0f}" for v in ms))
            print(summarize(stacks) if stacks.exists() else "no stacks written")
            print(f"written: {out}/stacks.txt, {out}/dumps.txt ({len(dumps)} dumps)")
            s.quit()
        finally:
            s.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
