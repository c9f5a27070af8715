"""`oncall-tui` under tracemalloc, for benchmarks/mem_growth.py: the real CLI, with a
SIGUSR1 handler that takes a snapshot; from the second on, it writes what grew since the
first to $ONCALL_BENCH_TRACE_OUT (by line, and the largest growths with their stacks).

    python benchmarks/tracemalloc_tui.py --config FILE --refresh 2s
"""

from __future__ import annotations

import os
import signal
import sys
import tracemalloc
from types import FrameType

FRAMES = 12
_snapshots: list[tracemalloc.Snapshot] = []
_traced: list[int] = []


def _snapshot() -> tracemalloc.Snapshot:
    return tracemalloc.take_snapshot().filter_traces(
        (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen*"))
    )


def _on_usr1(signum: int, frame: FrameType | None) -> None:
    _snapshots.append(_snapshot())
    _traced.append(tracemalloc.get_traced_memory()[0])
    if len(_snapshots) < 2:
        return
    first, last = _snapshots[0], _snapshots[-1]
    mb = [f"{t / 2**20:.1f}" for t in _traced]
    lines = [f"Python heap traced at each snapshot: {' -> '.join(mb)} MB"]
    lines.append("-- top 30 growths by line")
    lines += [str(d) for d in last.compare_to(first, "lineno")[:30]]
    lines.append("-- top 6 growths by stack")
    for d in last.compare_to(first, "traceback")[:6]:
        lines.append(f"{d.size_diff / 1024:+.1f} KiB, {d.count_diff:+d} blocks")
        lines += [f"    {x}" for x in d.traceback.format()]
    with open(os.environ["ONCALL_BENCH_TRACE_OUT"], "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    tracemalloc.start(FRAMES)
    signal.signal(signal.SIGUSR1, _on_usr1)
    from oncall_tui.cli import main

    sys.exit(main(sys.argv[1:]))
