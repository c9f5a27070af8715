"""SLOs that a Prometheus already defines through Sloth or Pyrra recording rules.

One instant query (`DISCOVERY_QUERY`) fetches every series of both tools' rules; this
module groups them into SLOs:

- Sloth: `slo:sli_error:ratio_rate<window>{sloth_id}` (error ratios per window, the
  period's one among them, e.g. `ratio_rate30d`), `slo:objective:ratio` and
  `slo:time_period:days`.
- Pyrra: `<metric>:burnrate<window>{slo}` (despite the name: the error ratio over the
  window), `pyrra_objective{slo}`, `pyrra_window{slo}` (the period in seconds) and,
  with Pyrra's generic rules, `pyrra_availability{slo}` (1 - the period's ratio).

Pyrra scales its windows with the period (a 28d SLO has 5m, 30m, 1h, 2h, 6h, 1d, 4d);
a window that is not one of ours is shown under the nearest one (within 1.5x), and the
SLO's notes say which rule it came from.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection, Sequence

from oncall_tui.durations import parse_duration
from oncall_tui.model.series import Sample
from oncall_tui.model.slo import PERIOD, from_ratios
from oncall_tui.model.snapshot import BURN_WINDOWS, Slo

DISCOVERY_QUERY = (
    '{__name__=~"slo:sli_error:ratio_rate.+|slo:objective:ratio|slo:time_period:days'
    '|pyrra_objective|pyrra_window|pyrra_availability|.+:burnrate.+"}'
)
_SLOTH_RATIO = re.compile(r"slo:sli_error:ratio_rate(\w+)\Z")
_PYRRA_BURN = re.compile(r".+:burnrate(\w+)\Z")
_NEAREST_FACTOR = 1.5
"""A discovered window is shown under one of ours only when within this factor."""


def _window_key(text: str, period_s: float) -> tuple[str | None, str | None]:
    """(our key for the window "4d", a note when it is not exactly ours)."""
    try:
        seconds = parse_duration(text)
    except ValueError:
        return None, None
    if seconds <= 0:
        return None, None
    if math.isclose(seconds, period_s):
        return PERIOD, None
    best = min(BURN_WINDOWS, key=lambda kw: abs(math.log(seconds / kw[1])))
    if math.isclose(best[1], seconds):
        return best[0], None
    if max(seconds, best[1]) / min(seconds, best[1]) <= _NEAREST_FACTOR:
        return best[0], f"from the {text} rule"
    return None, None


def _sloth_id(labels: dict[str, str]) -> str | None:
    sid = labels.get("sloth_id")
    if sid:
        return sid
    service, slo = labels.get("sloth_service"), labels.get("sloth_slo")
    return f"{service}-{slo}" if service and slo else None


def _worst(values: dict[str, float], key: str, value: float) -> None:
    # Several series for one window (a grouped SLO): show the worst, never the best.
    old = values.get(key)
    if old is None or not math.isfinite(old) or (math.isfinite(value) and value > old):
        values[key] = value


def discover(samples: Sequence[Sample], configured: Collection[str] = ()) -> tuple[Slo, ...]:
    """The Sloth and Pyrra SLOs in `samples` (DISCOVERY_QUERY's answer), minus those
    whose name a `[[slos]]` entry already uses. Sorted by name."""
    objective: dict[tuple[str, str], float] = {}
    period: dict[tuple[str, str], float] = {}
    raw: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for s in samples:
        name = s.labels.get("__name__", "")
        if name.startswith("slo:"):
            sid = _sloth_id(s.labels)
            if sid is None:
                continue
            key = ("sloth", sid)
            if name == "slo:objective:ratio":
                objective[key] = s.value
            elif name == "slo:time_period:days":
                period[key] = s.value * 86400.0
            elif m := _SLOTH_RATIO.match(name):
                raw[key].append((m.group(1), s.value))
        else:
            slo = s.labels.get("slo")
            if not slo:
                continue
            key = ("pyrra", slo)
            if name == "pyrra_objective":
                objective[key] = s.value
            elif name == "pyrra_window":
                period[key] = s.value
            elif name == "pyrra_availability":
                raw[key].append(("__availability__", s.value))
            elif m := _PYRRA_BURN.match(name):
                raw[key].append((m.group(1), s.value))
    out: list[Slo] = []
    skip = set(configured)
    for key in sorted(set(objective) | set(raw), key=lambda k: k[1]):
        source, name = key
        if name in skip:
            continue
        obj = objective.get(key)
        if obj is None or not 0 < obj < 1:
            continue  # no objective (or 100 %): nothing to measure a budget against
        period_s = period.get(key) or 30 * 86400.0
        ratios: dict[str, float] = {}
        notes: dict[str, str] = {}
        for window, value in raw.get(key, []):
            if window == "__availability__":
                _worst(ratios, PERIOD, 1.0 - value)
                continue
            wkey, note = _window_key(window, period_s)
            if wkey is None:
                continue
            _worst(ratios, wkey, value)
            if note:
                notes[wkey] = note
        out.append(from_ratios(name, obj, period_s, dict(ratios), notes, source=source))
    return tuple(out)
