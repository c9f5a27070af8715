"""A believable past for the demo: some days of incidents and runbook runs, written as
OpenMetrics and turned into TSDB blocks with `promtool tsdb create-blocks-from
openmetrics` before Prometheus starts, so the incident log and the stats are not empty.

The series look like what the live demo produces: `ALERTS` as the demo's rules write it
(same alertnames and labels), and the runbook counters of the demo service. Kept small
(a few MB, a few seconds): alerts at a 60 s resolution, counters every 15 minutes.
"""

from __future__ import annotations

import math
import random
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from oncall_tui.demo.simulation import AUTOMATION, BACKENDS
from oncall_tui.journal import Journal
from oncall_tui.model.fingerprint import fingerprint

ONCALL_PEOPLE = ("alice@oncall", "bob@oncall", "carol@oncall")
ALERT_STEP_S = 60
COUNTER_STEP_S = 900
INSTANCE = "history"
"""The `instance` label of backfilled counters: distinct from the live target, so the
live counters (starting from zero) are not seen as a reset of the old ones."""


class HistoryError(RuntimeError):
    pass


@dataclass(frozen=True)
class PastIncident:
    backend: str
    start: float
    end: float
    escalated: bool
    acked_after_s: float
    acked_by: str

    def alert_labels(self) -> tuple[dict[str, str], dict[str, str]]:
        """(critical, warning) label sets, exactly as the demo's rules write them."""
        b = self.backend
        return (
            {
                "alertname": "BackendHighErrorRate",
                "backend": b,
                "service": b,
                "severity": "critical",
            },
            {"alertname": "CircuitBreakerOpen", "backend": b, "name": b, "severity": "warning"},
        )


@dataclass(frozen=True)
class PastRun:
    at: float
    runbook: str
    ok: bool
    duration_s: float
    escalated: bool = False


@dataclass(frozen=True)
class History:
    start: float
    end: float
    incidents: tuple[PastIncident, ...]
    runs: tuple[PastRun, ...]


def make_history(now: float, days: float, seed: int = 1) -> History:
    """The story: a few incidents a day (each healed by a restart, sometimes after a
    failed one, long ones escalated), plus scheduled automation and cache clears."""
    rng = random.Random(seed)
    end = float(int(now // ALERT_STEP_S) * ALERT_STEP_S - ALERT_STEP_S)
    start = end - days * 86400.0
    incidents: list[PastIncident] = []
    runs: list[PastRun] = []
    t = start + rng.uniform(1800, 6 * 3600)
    while t < end - 3600:
        backend = rng.choice(BACKENDS)
        length = rng.choice((rng.uniform(600, 1800), rng.uniform(1800, 7200)))
        escalated = length > 2700
        ack_after = rng.uniform(60, 900)
        incidents.append(
            PastIncident(backend, t, t + length, escalated, ack_after, rng.choice(ONCALL_PEOPLE))
        )
        runs.append(PastRun(t + 120, f"failover-{backend}", False, rng.uniform(20, 60)))
        if rng.random() < 0.25:
            runs.append(PastRun(t + length / 2, f"restart-{backend}", False, rng.uniform(5, 30)))
        if escalated:
            runs.append(PastRun(t + 900, "page-backend-owner", True, 1.0, escalated=True))
        runs.append(PastRun(t + length - 30, f"restart-{backend}", True, rng.uniform(4, 15)))
        t += length + rng.uniform(3 * 3600, 14 * 3600)
    t = start
    while t < end:
        t += rng.uniform(1800, 3600)
        if rng.random() < 0.15:
            runs.append(PastRun(t, "flaky-cache-clear", rng.random() >= 0.35, rng.uniform(1, 4)))
        else:
            runs.append(PastRun(t, rng.choice(AUTOMATION), rng.random() > 0.05, rng.uniform(2, 20)))
    runs = sorted((r for r in runs if r.at < end), key=lambda r: r.at)
    return History(start, end, tuple(incidents), tuple(runs))


def _labels(pairs: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in pairs.items()) + "}"


def _alert_lines(h: History) -> Iterator[str]:
    """ALERTS as Prometheus writes it: `pending` for the rule's `for:`, then `firing`.
    The breaker warning opens a minute before the error alert and closes after it."""
    series: dict[str, list[tuple[float, float]]] = {}

    def span(labels: dict[str, str], start: float, end: float) -> None:
        key = _labels({"alertname": labels.pop("alertname"), **labels})
        points = series.setdefault(key, [])
        first = int(start // ALERT_STEP_S + 1) * ALERT_STEP_S
        points.extend((float(ts), 1.0) for ts in range(first, int(min(end, h.end)), ALERT_STEP_S))

    for inc in h.incidents:
        crit, warn = inc.alert_labels()
        span({**crit, "alertstate": "pending"}, inc.start, inc.start + 30)
        span({**crit, "alertstate": "firing"}, inc.start + 30, inc.end)
        span({**warn, "alertstate": "pending"}, inc.start - 60, inc.start - 45)
        span({**warn, "alertstate": "firing"}, inc.start - 45, inc.end + 60)
    yield "# TYPE ALERTS gauge"
    for key in sorted(series):
        for ts, value in sorted(series[key]):
            yield f"ALERTS{key} {value:g} {ts:.0f}"


def _counter_lines(h: History) -> Iterator[str]:
    """Cumulative counters sampled every COUNTER_STEP_S, one family at a time."""
    execs: dict[tuple[str, str], list[PastRun]] = {}
    for r in h.runs:
        execs.setdefault((r.runbook, "success" if r.ok else "failure"), []).append(r)
    by_runbook: dict[str, list[PastRun]] = {}
    for r in h.runs:
        by_runbook.setdefault(r.runbook, []).append(r)
    escalations = {name: [r for r in rs if r.escalated] for name, rs in by_runbook.items()}
    times = range(int(h.start), int(h.end) + 1, COUNTER_STEP_S)

    def cumulative(runs: list[PastRun], value: str) -> Iterator[tuple[int, float]]:
        total, i = 0.0, 0
        for ts in times:
            while i < len(runs) and runs[i].at <= ts:
                total += runs[i].duration_s if value == "sum" else 1.0
                i += 1
            yield ts, total

    def family(name: str, typ: str, rows: dict[str, list[PastRun]], suffix: str) -> Iterator[str]:
        yield f"# TYPE {name} {typ}"
        for labels in sorted(rows):
            if not rows[labels]:
                continue
            value = "sum" if suffix == "_sum" else "count"
            for ts, total in cumulative(rows[labels], value):
                yield f"{name}{suffix}{labels} {total:.6g} {ts}"

    inst = {"job": "app", "instance": INSTANCE}
    yield from family(
        "runbook_executions",
        "counter",
        {_labels({**inst, "runbook": rb, "status": st}): rs for (rb, st), rs in execs.items()},
        "_total",
    )
    durations = {_labels({**inst, "runbook": rb}): rs for rb, rs in by_runbook.items()}
    yield "# TYPE runbook_duration_seconds summary"
    for suffix in ("_sum", "_count"):
        yield from list(family("runbook_duration_seconds", "summary", durations, suffix))[1:]
    yield from family(
        "runbook_escalations",
        "counter",
        {_labels({**inst, "runbook": rb}): rs for rb, rs in escalations.items()},
        "_total",
    )


def openmetrics(h: History) -> str:
    """The backfill file. Samples of one series are in time order, families contiguous."""
    return "\n".join([*_alert_lines(h), *_counter_lines(h), "# EOF"]) + "\n"


def backfill(
    data_dir: Path,
    promtool: str,
    now: float,
    days: float = 7.0,
    seed: int = 1,
    timeout_s: float = 120.0,
) -> History:
    """Write the history into `data_dir` as TSDB blocks (Prometheus must not run yet)."""
    h = make_history(now, days, seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    source = data_dir.parent / "history.om"
    source.write_text(openmetrics(h))
    # One block for the whole history: promtool's default cuts 2 h blocks, 84 for a week,
    # which takes ~15 s instead of well under one. Older promtools lack the flag.
    argv = [promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet"]
    span = f"--max-block-duration={max(2, math.ceil(days * 24))}h"
    done = _promtool([*argv, span, str(source), str(data_dir)], timeout_s)
    if done.returncode != 0 and "max-block-duration" in (done.stderr or ""):
        done = _promtool([*argv, str(source), str(data_dir)], timeout_s)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).splitlines()[-5:])
        raise HistoryError(f"promtool failed ({done.returncode}): {tail}")
    return h


def _promtool(argv: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise HistoryError(f"promtool could not backfill the demo history: {e}") from e


def seed_journal(journal_path: Path, h: History) -> None:
    """Past acks (someone acked each incident's critical alert) and the restarts run from
    this tool, so MTTA and the local share of runbook runs have a past too. The acks are
    recorded inactive: their silences are long gone and must never be expired."""
    with Journal(journal_path) as journal:
        for n, inc in enumerate(h.incidents):
            crit, _ = inc.alert_labels()
            acked_at = inc.start + 30 + inc.acked_after_s
            if acked_at >= inc.end:
                continue
            silence_id = f"demo-history-{n}"
            journal.acks.record(
                fingerprint(crit), silence_id, inc.acked_by, acked_at, acked_at + 3600, False, crit
            )
            journal.acks.deactivate(silence_id)
            for run in h.runs:
                if run.runbook == f"restart-{inc.backend}" and inc.start < run.at <= inc.end:
                    run_id = journal.runs.started(
                        run.runbook,
                        f"demo ctl heal {inc.backend}",
                        inc.acked_by,
                        run.at,
                        fingerprint(crit),
                    )
                    output = "restarted; health check passed" if run.ok else "restart failed"
                    code = 0 if run.ok else 1
                    journal.runs.finished(run_id, run.at + run.duration_s, run.ok, code, output)
