"""Runbook execution statistics over the window.

Prometheus gives fleet-wide counters (increases over the window, hence floats):
executions by runbook and status, the duration histogram's _sum and _count, and
escalations to a human. The journal gives the runs this tool triggered itself.

Merge rule: a runbook Prometheus already counts keeps Prometheus' numbers, which are
the fleet-wide truth and are assumed to include this tool's own runs (they are only
recorded as `local_runs`, never added again). A runbook Prometheus does not know
(its runs not exported, or not scraped yet) is added from the journal alone.
Values stay floats; renderers round them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

from oncall_tui.config_types import RunbookStatsConfig
from oncall_tui.model.series import Sample
from oncall_tui.model.snapshot import RunbookStat, RunbookStats

_NO_LOCAL_RUNS: Mapping[str, tuple[int, int]] = {}


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def _valid(samples: Iterable[Sample]) -> Iterable[Sample]:
    # An increase is never negative; NaN/Inf answers carry nothing countable.
    return (s for s in samples if math.isfinite(s.value) and s.value >= 0)


def _by_runbook(samples: Iterable[Sample], label: str) -> tuple[dict[str, float], float]:
    """(sum per runbook label value, sum over all samples incl. unlabelled ones)."""
    per: dict[str, float] = defaultdict(float)
    total = 0.0
    for s in _valid(samples):
        total += s.value
        name = s.labels.get(label)
        if name is not None:
            per[name] += s.value
    return per, total


def runbook_stats(
    executions: list[Sample],
    duration_sum: list[Sample],
    duration_count: list[Sample],
    escalations: list[Sample],
    cfg: RunbookStatsConfig,
    local_runs: Mapping[str, tuple[int, int]] = _NO_LOCAL_RUNS,
) -> RunbookStats:
    """Totals and the `cfg.top` runbooks by runs (then name); see the merge rule above.

    `local_runs` maps runbook name -> (runs, successes) from the journal.
    """
    success_values = {v.lower() for v in cfg.success_values}
    runs: dict[str, float] = defaultdict(float)
    ok: dict[str, float] = defaultdict(float)
    for s in _valid(executions):
        name = s.labels.get(cfg.runbook_label)
        if name is None:
            continue
        runs[name] += s.value
        if s.labels.get(cfg.status_label, "").lower() in success_values:
            ok[name] += s.value

    dur_sum, all_sum = _by_runbook(duration_sum, cfg.runbook_label)
    dur_count, all_count = _by_runbook(duration_count, cfg.runbook_label)
    esc, all_esc = _by_runbook(escalations, cfg.runbook_label)

    stats = [
        RunbookStat(
            name=name,
            runs=n,
            success_rate=_ratio(ok[name], n),
            avg_duration_s=_ratio(dur_sum.get(name, 0.0), dur_count.get(name, 0.0)),
            escalations=esc.get(name, 0.0),
            local_runs=local_runs.get(name, (0, 0))[0],
        )
        for name, n in runs.items()
    ]
    total = sum(runs.values())
    successes = sum(ok.values())
    for name, (n_local, ok_local) in local_runs.items():
        if name in runs or n_local <= 0:
            continue
        stats.append(
            RunbookStat(
                name=name,
                runs=float(n_local),
                success_rate=_ratio(ok_local, n_local),
                escalations=esc.get(name, 0.0),
                local_runs=n_local,
            )
        )
        total += n_local
        successes += ok_local

    stats.sort(key=lambda r: (-r.runs, r.name))
    return RunbookStats(
        total=total,
        success_rate=_ratio(successes, total),
        avg_duration_s=_ratio(all_sum, all_count),
        escalations=all_esc,
        top=tuple(stats[: max(0, cfg.top)]),
    )
