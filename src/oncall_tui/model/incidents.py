"""The incident log: firing and resolved incidents over the lookback, with MTTA/MTTR.

History comes from Prometheus' `ALERTS{alertstate="firing"}` range answer: each
series (one alert's labels) has a point per evaluation step while it fired. Points
closer than 1.5 steps belong to one run; each run is one incident, from its first
point to its last. A resolved run ends at its last point's timestamp (the true end
lies within one step after it).

Whether a series' last run is still firing:
- Alertmanager known: firing iff Alertmanager has a matching alert that started
  before the run ended (startsAt <= last point + 1.5 steps). Alertmanager is the
  truth about "now"; this also covers ALERTS history that lags behind (it is
  refreshed less often). An Alertmanager alert that started later is a new firing.
- Alertmanager unknown (did not answer): firing iff the run reaches the newest
  evaluation (last point >= now - 2 steps).
Alertmanager alerts that no run accounts for (e.g. sent by another Prometheus, or
re-fired since the history was fetched) are added as firing incidents from their
startsAt. Incidents of one series therefore never overlap.

Alertmanager's labels may carry Prometheus' external labels on top of the ALERTS
labels, so an alert matches a series when it has all of the series' labels.
Acks (from the journal) are keyed by fingerprint: of the series' labels, and of the
matching Alertmanager alert's labels when there is one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean

from oncall_tui.durations import format_duration
from oncall_tui.model.fingerprint import fingerprint
from oncall_tui.model.series import Series
from oncall_tui.model.snapshot import Alert, Incident, Incidents

Ack = tuple[float, str]
"""(acked_at, acked_by) of one acknowledgement."""

_DROPPED = ("__name__", "alertstate")
_NO_ACKS: Mapping[str, Sequence[Ack]] = {}


def runs_of(points: Iterable[tuple[float, float]], step: float) -> list[tuple[float, float]]:
    """(first, last) timestamps of each run of points at most 1.5 steps apart."""
    runs: list[tuple[float, float]] = []
    gap = 1.5 * step
    for at in sorted(p[0] for p in points):
        if runs and at - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], at)
        else:
            runs.append((at, at))
    return runs


class _SubsetIndex:
    """Answers "which alerts have all of these labels?" in O(1) after one pass per
    distinct key set, by fingerprinting the alerts' labels restricted to that set."""

    def __init__(self, alerts: Sequence[Alert]) -> None:
        self._alerts = alerts
        self._by_keys: dict[frozenset[str], dict[str, list[Alert]]] = {}

    def find(self, labels: Mapping[str, str]) -> list[Alert]:
        keys = frozenset(labels)
        index = self._by_keys.get(keys)
        if index is None:
            index = defaultdict(list)
            for alert in self._alerts:
                if keys <= alert.labels.keys():
                    index[fingerprint({k: alert.labels[k] for k in keys})].append(alert)
            self._by_keys[keys] = index
        return index.get(fingerprint(labels), [])


def _first_ack(acks: Sequence[Ack], started_at: float, resolved_at: float | None) -> Ack | None:
    in_run = (
        a for a in acks if a[0] >= started_at and (resolved_at is None or a[0] <= resolved_at)
    )
    return min(in_run, key=lambda a: a[0], default=None)


def _incident(
    labels: dict[str, str],
    started_at: float,
    resolved_at: float | None,
    acks: Sequence[Ack],
) -> Incident:
    ack = _first_ack(acks, started_at, resolved_at)
    return Incident(
        alertname=labels.get("alertname", ""),
        severity=labels.get("severity", "none"),
        status="firing" if resolved_at is None else "resolved",
        started_at=started_at,
        resolved_at=resolved_at,
        labels=labels,
        acked_at=ack[0] if ack else None,
        acked_by=ack[1] if ack else None,
    )


def incidents_from(
    alerts_series: list[Series],
    step: float,
    now: float,
    alerts: Sequence[Alert],
    acks: Mapping[str, Sequence[Ack]] = _NO_ACKS,
    lookback_s: float = 7 * 86400.0,
    alerts_known: bool = True,
    recent: Sequence[Alert] = (),
) -> Incidents:
    """Incidents newest first, with MTTA over acked and MTTR over resolved ones.

    `step` is the range query's step, `now` its end; `alerts` are Alertmanager's
    current alerts, `alerts_known=False` when it did not answer (see module docs).
    `recent`: alerts seen firing earlier that have since gone, `ends_at` = when they
    were last seen firing; they give a resolved run its exact start and end.
    """
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    am_index = _SubsetIndex(alerts)
    recent_index = _SubsetIndex(recent)

    def resolved(labels: dict[str, str], first: float, last: float, own: Sequence[Ack]) -> Incident:
        # A coarse step puts the start and end of a short run on step points (a
        # 2-minute incident could read "TTR 0s"); an alert this session saw firing
        # knows both to the second.
        for a in recent_index.find(labels):
            if a.ends_at is not None and first - 1.5 * step <= a.starts_at <= last + 1.5 * step:
                return _incident(labels, a.starts_at, max(a.ends_at, a.starts_at), own)
        return _incident(labels, first, last, own)

    newest = now - 2 * step
    items: list[Incident] = []
    covered: set[str] = set()  # fingerprints of Alertmanager alerts a run accounts for

    for series in alerts_series:
        labels = {k: v for k, v in series.labels.items() if k not in _DROPPED}
        runs = runs_of(series.points, step)
        if not runs:
            continue
        fp = fingerprint(labels)
        own_acks = list(acks.get(fp, ()))
        for first, last in runs[:-1]:
            items.append(resolved(labels, first, last, own_acks))
        first, last = runs[-1]
        if alerts_known:
            same = [a for a in am_index.find(labels) if a.starts_at <= last + 1.5 * step]
            covered.update(a.fingerprint for a in same)
            firing = bool(same)
            run_acks = own_acks + [
                ack for a in same if a.fingerprint != fp for ack in acks.get(a.fingerprint, ())
            ]
        else:
            firing = last >= newest
            run_acks = own_acks
        if firing:
            items.append(_incident(labels, first, None, run_acks))
        else:
            items.append(resolved(labels, first, last, run_acks))

    if alerts_known:
        for alert in alerts:
            if alert.fingerprint not in covered:
                own = acks.get(alert.fingerprint, ())
                items.append(_incident(dict(alert.labels), alert.starts_at, None, own))

    items.sort(key=lambda inc: (-inc.started_at, inc.alertname))
    ttas = [t for t in (inc.tta_s for inc in items) if t is not None]
    ttrs = [t for t in (inc.ttr_s for inc in items) if t is not None]
    return Incidents(
        items=tuple(items),
        mtta_s=fmean(ttas) if ttas else None,
        mttr_s=fmean(ttrs) if ttrs else None,
        lookback_s=lookback_s,
    )


def history_note(
    series_count: int, lookback_s: float, alerts_known: bool, current_alerts: int
) -> str | None:
    """Words for an ALERTS history with no series at all over the lookback (None when
    it has some): the rules are evaluated elsewhere (vmalert, another Prometheus) when
    the Alertmanager has alerts nobody here recorded; else nothing fired, or the same."""
    if series_count:
        return None
    span = format_duration(lookback_s)
    if alerts_known and current_alerts:
        return (
            f"no ALERTS series in the last {span}, yet the Alertmanager has {current_alerts} "
            "alert(s): their rules are evaluated elsewhere (vmalert, another Prometheus), "
            "so only current alerts are shown; the history needs the ALERTS series of "
            "the server that evaluates the rules"
        )
    return (
        f"no ALERTS series in the last {span}: no alert fired, or the rules are "
        "evaluated on another server (vmalert, another Prometheus)"
    )
