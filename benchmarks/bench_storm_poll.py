"""CPU seconds of one poll (fetch + build, the TUI's `Poller.poll`) against a running
world, without the screen: what each refresh costs in an alert storm.

    python -m benchmarks.storm --alerts 20000 --hold      # prints the config path
    python -m benchmarks.bench_storm_poll --config FILE [--polls 10] [--interval 2]

Polls `--polls` times, `--interval` s apart, as the TUI does at that refresh (the same
Poller and journal), and prints the process CPU time of each poll (its threads too),
the median, and the RSS after. The first poll (the incident record's first merge) is
shown but left out of the median. Run it with another checkout's src on PYTHONPATH to
compare two builds on the same storm.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import time
from pathlib import Path

from oncall_tui.config import load_config
from oncall_tui.journal import Journal, default_journal_path
from oncall_tui.poll import Poller


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _run(config_file: str, polls: int, interval: float) -> None:
    config = load_config(config_file, dict(os.environ))
    path = Path(config.journal_path) if config.journal_path else default_journal_path()
    journal = Journal(path)
    cpu: list[float] = []
    async with Poller(config, journal=journal) as poller:
        for i in range(polls):
            started = time.process_time()
            snap = await poller.poll()
            cpu.append(time.process_time() - started)
            print(
                f"poll {i + 1}: {cpu[-1]:.3f} CPU-s, {len(snap.alerts.items)} alerts, "
                f"{len(snap.incidents.items)} incidents, RSS {_rss_mb():.0f} MB",
                flush=True,
            )
            await asyncio.sleep(interval)
    steady = cpu[1:] or cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"median {statistics.median(steady):.3f} CPU-s per poll (polls 2-{polls}), "
        f"max {max(steady):.3f}; peak RSS {peak:.0f} MB"
    )


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_storm_poll", description=__doc__)
    p.add_argument("--config", required=True)
    p.add_argument("--polls", type=int, default=10)
    p.add_argument("--interval", type=float, default=2.0)
    args = p.parse_args()
    asyncio.run(_run(args.config, args.polls, args.interval))


if __name__ == "__main__":
    main()
