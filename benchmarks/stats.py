"""Measurements and their verdicts: what every benchmark module hands to the report.

A `Result` holds the raw samples of one measurement (already in its display unit) and
the budget it is held against, with the statistic the budget applies to (a p95 for
latencies that repeat, the peak for memory, the mean for CPU over a steady phase).
"""

from __future__ import annotations

import cProfile
import dataclasses
import io
import json
import math
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Stat = Literal["median", "p95", "max", "mean"]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 1]): with few samples, p95 is the worst one
    rather than an interpolation that no run actually took."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Budget:
    limit: float
    stat: Stat
    why: str


@dataclass
class Result:
    """One row of the report."""

    name: str
    samples: list[float]
    unit: str  # "ms", "s", "%", "MB"
    budget: Budget | None = None
    detail: str = ""  # one short line: sizes, what a sample is
    profile: str = ""  # cProfile top functions, filled when the budget is exceeded

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    @property
    def max(self) -> float:
        return max(self.samples) if self.samples else math.nan

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) if self.samples else math.nan

    def held(self) -> float:
        """The statistic the budget is held against."""
        if self.budget is None:
            return math.nan
        value: float = getattr(self, self.budget.stat)
        return value

    @property
    def verdict(self) -> str:
        if self.budget is None:
            return "—"
        if not self.samples:
            return "NO DATA"
        return "PASS" if self.held() < self.budget.limit else "OVER"

    @property
    def over(self) -> bool:
        return self.verdict in ("OVER", "NO DATA")


@dataclass
class Section:
    """One benchmark module's output: a heading, how it measured, and its rows."""

    title: str
    how: str
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall time of `repeat` calls of `fn`, in milliseconds."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def profile_top(fn: Callable[[], object], lines: int = 15) -> str:
    """The `lines` functions with the most cumulative time while `fn` runs once."""
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        fn()
    finally:
        profiler.disable()
    return format_profile(profiler, lines)


def format_profile(profiler: cProfile.Profile, lines: int = 15) -> str:
    return format_stats(profiler, "cumulative", lines)


def format_stats(source: cProfile.Profile | Path, sort: str, lines: int) -> str:
    """The top `lines` entries of a profile (live or a saved .pstats file) by `sort`."""
    out = io.StringIO()
    stats = pstats.Stats(
        source if isinstance(source, cProfile.Profile) else str(source), stream=out
    )
    stats.strip_dirs().sort_stats(sort).print_stats(lines)
    # Drop pstats' preamble (file names, blank lines) up to the column header.
    text = out.getvalue()
    start = text.find("   ncalls")
    return (text[start:] if start >= 0 else text).rstrip()


def save_sections(
    path: Path,
    machine: list[tuple[str, str]],
    sections: list[Section],
    command: str,
    load_after: str,
) -> None:
    """The raw samples of a run, so that the report can be rebuilt without measuring."""
    data = {
        "machine": machine,
        "command": command,
        "load_after": load_after,
        "sections": [dataclasses.asdict(s) for s in sections],
    }
    path.write_text(json.dumps(data, indent=1) + "\n")


def load_sections(
    path: Path,
) -> tuple[list[tuple[str, str]], list[Section], str, str]:
    data = json.loads(path.read_text())
    sections = []
    for s in data["sections"]:
        results = []
        for r in s.pop("results"):
            budget = r.pop("budget")
            results.append(Result(**r, budget=Budget(**budget) if budget else None))
        sections.append(Section(**s, results=results))
    machine = [(str(k), str(v)) for k, v in data["machine"]]
    return machine, sections, str(data["command"]), str(data["load_after"])
