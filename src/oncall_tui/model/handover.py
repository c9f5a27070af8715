"""The numbers of the on-call handover report, from the incident record. Pure.

Every figure is a count or a mean of rows the report also lists, so a reader can
check it: MTTA over the acked incidents, MTTR over the resolved ones (the same
`mean_times` the TUI and `snapshot` use), "likely false alarms" are the incidents that
resolved within `FALSE_ALARM_S` with no ack.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from oncall_tui.model.incident_record import mean_times
from oncall_tui.model.severity import severity_rank
from oncall_tui.model.snapshot import Incident, IncidentRun

FALSE_ALARM_S = 300.0
"""Resolved within this long with nobody acking it: probably not worth a page."""
NOISIEST = 10


@dataclass(frozen=True, slots=True)
class Group:
    """Incidents of one severity or one alert."""

    name: str
    count: int
    firing: int
    acked: int
    mtta_s: float | None
    mttr_s: float | None
    firing_s: float  # total time firing within the period


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    acks: int
    mtta_s: float | None  # over the incidents this person acked first


@dataclass(frozen=True, slots=True)
class RunbookLine:
    name: str
    runs: int
    succeeded: int
    failed: int
    unfinished: int  # still running, or the outcome was lost

    @property
    def success_rate(self) -> float | None:
        """Of the runs that finished."""
        done = self.succeeded + self.failed
        return None if done == 0 else self.succeeded / done


@dataclass(frozen=True, slots=True)
class Handover:
    start: float
    end: float
    incidents: tuple[Incident, ...]  # newest first
    firing: int
    mtta_s: float | None
    mttr_s: float | None
    acked: int
    resolved: int
    by_severity: tuple[Group, ...]  # most urgent first
    noisiest: tuple[Group, ...]  # most incidents first
    false_alarms: tuple[Incident, ...]
    acks_by_person: tuple[Person, ...]
    runbooks: tuple[RunbookLine, ...]
    runs_total: int
    runs_succeeded: int
    runs_failed: int

    @property
    def runs_success_rate(self) -> float | None:
        done = self.runs_succeeded + self.runs_failed
        return None if done == 0 else self.runs_succeeded / done


def _firing_s(i: Incident, start: float, end: float) -> float:
    stop = end if i.resolved_at is None else min(i.resolved_at, end)
    return max(0.0, stop - max(i.started_at, start))


def _group(name: str, items: Sequence[Incident], start: float, end: float) -> Group:
    mtta, mttr = mean_times(items)
    return Group(
        name=name,
        count=len(items),
        firing=sum(1 for i in items if i.status == "firing"),
        acked=sum(1 for i in items if i.acked_at is not None),
        mtta_s=mtta,
        mttr_s=mttr,
        firing_s=sum(_firing_s(i, start, end) for i in items),
    )


def is_false_alarm(i: Incident) -> bool:
    return i.acked_at is None and i.ttr_s is not None and i.ttr_s <= FALSE_ALARM_S


def handover(
    incidents: Iterable[Incident], runs: Iterable[IncidentRun], start: float, end: float
) -> Handover:
    """The report over [start, end]: of `incidents` those overlapping it, of `runs`
    those started in it."""
    inside = (
        i
        for i in incidents
        if i.started_at <= end and (i.resolved_at is None or i.resolved_at >= start)
    )
    items = tuple(sorted(inside, key=lambda i: (-i.started_at, i.alertname)))
    mtta, mttr = mean_times(items)
    by_sev: dict[str, list[Incident]] = defaultdict(list)
    by_alert: dict[str, list[Incident]] = defaultdict(list)
    by_person: dict[str, list[Incident]] = defaultdict(list)
    for i in items:
        by_sev[i.severity].append(i)
        by_alert[i.alertname].append(i)
        if i.acked_by is not None:
            by_person[i.acked_by].append(i)
    severities = sorted(by_sev, key=lambda s: (severity_rank(s), s))
    noisiest = sorted(
        (_group(n, v, start, end) for n, v in by_alert.items()),
        key=lambda g: (-g.count, -g.firing_s, g.name),
    )[:NOISIEST]
    people = sorted(
        (Person(p, len(v), mean_times(v)[0]) for p, v in by_person.items()),
        key=lambda p: (-p.acks, p.name),
    )
    run_list = [r for r in runs if start <= r.started_at <= end]
    per_runbook: dict[str, list[IncidentRun]] = defaultdict(list)
    for r in run_list:
        per_runbook[r.runbook].append(r)
    lines = sorted(
        (
            RunbookLine(
                name=n,
                runs=len(v),
                succeeded=sum(1 for r in v if r.ended_at is not None and r.ok),
                failed=sum(1 for r in v if r.ended_at is not None and r.ok is False),
                unfinished=sum(1 for r in v if r.ended_at is None),
            )
            for n, v in per_runbook.items()
        ),
        key=lambda line: (-line.runs, line.name),
    )
    return Handover(
        start=start,
        end=end,
        incidents=items,
        firing=sum(1 for i in items if i.status == "firing"),
        mtta_s=mtta,
        mttr_s=mttr,
        acked=sum(1 for i in items if i.acked_at is not None),
        resolved=sum(1 for i in items if i.resolved_at is not None),
        by_severity=tuple(_group(s, by_sev[s], start, end) for s in severities),
        noisiest=tuple(noisiest),
        false_alarms=tuple(i for i in items if is_false_alarm(i)),
        acks_by_person=tuple(people),
        runbooks=tuple(lines),
        runs_total=len(run_list),
        runs_succeeded=sum(line.succeeded for line in lines),
        runs_failed=sum(line.failed for line in lines),
    )
