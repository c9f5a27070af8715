"""Runbook coverage: of the alert names seen in the window, which have a runbook linked.

Linked means what `r` offers first for an alert of that name: a `[[runbooks]]` entry
lists the alertname in `alerts`, or the alert's `runbook` label or annotation names a
catalogue entry. `linked_runbooks` is that rule, for both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from oncall_tui.config_types import Runbook
from oncall_tui.model.snapshot import Alert, Incident, RunbookCoverage, Section


def linked_runbooks(
    alertname: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    catalogue: Sequence[Runbook],
) -> set[str]:
    """Names of the catalogue runbooks linked to an alert."""
    named = {labels.get("runbook"), annotations.get("runbook")}
    return {rb.name for rb in catalogue if alertname in rb.alerts or rb.name in named}


class AnyLinked:
    """Whether `linked_runbooks` would name any runbook, with the catalogue indexed once:
    coverage asks it for every alert and incident of a poll, thousands in a storm."""

    def __init__(self, catalogue: Sequence[Runbook]) -> None:
        self._listed = {name for rb in catalogue for name in rb.alerts}
        self._names = {rb.name for rb in catalogue}

    def __call__(
        self, alertname: str, labels: Mapping[str, str], annotations: Mapping[str, str]
    ) -> bool:
        return (
            alertname in self._listed
            or labels.get("runbook") in self._names
            or annotations.get("runbook") in self._names
        )


def runbook_coverage(
    now: float,
    window_s: float,
    incidents: Sequence[Incident],
    alerts: Sequence[Alert],
    catalogue: Sequence[Runbook],
    section: Section | None = None,
) -> RunbookCoverage:
    """Alert names that fired at some time in [now - window, now] (the incident log's
    history and the alerts firing now), and those of them with a linked runbook."""
    start = now - window_s
    linked = AnyLinked(catalogue)
    seen: dict[str, bool] = {}
    for i in incidents:
        if not i.alertname or i.started_at > now or seen.get(i.alertname):
            continue
        if i.resolved_at is not None and i.resolved_at < start:
            continue
        seen[i.alertname] = linked(i.alertname, i.labels, {})
    for a in alerts:
        if a.alertname and not seen.get(a.alertname):
            seen[a.alertname] = linked(a.alertname, a.labels, a.annotations)
    names = tuple(sorted(seen))
    return RunbookCoverage(
        seen=names,
        covered=tuple(n for n in names if seen[n]),
        section=section or Section("prometheus"),
    )
