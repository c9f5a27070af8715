"""The whole demo Config as a TOML file, so the real CLI (`oncall-tui --config FILE`) runs
with what `oncall-tui demo` runs in-process: panels, SLOs, runbooks, the health weights
and the demo's journal, not only the sources.

Covers the fields `demo.assets.demo_config` sets; `check_round_trip` loads the file back
with the real loader and names any field that differs, so a new demo field is noticed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

from oncall_tui.config import load_config
from oncall_tui.config_dash import PanelConfig, SloConfig, Thresholds
from oncall_tui.config_types import Config, Runbook


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)


def _dur(seconds: float) -> str:
    """Whole seconds spelled out: "2.592e+06s" (what :g gives for 30 d) is no duration."""
    text = str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))
    return _s(f"{text}s")


def _inline(value: object) -> str:
    """A TOML inline value for str / number / bool / list / dict."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _s(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_s(str(k))} = {_inline(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _thresholds(t: Thresholds | None) -> list[str]:
    if t is None:
        return []
    parts = {k: v for k, v in (("warn", t.warn), ("crit", t.crit)) if v is not None}
    if t.below:
        parts["below"] = True
    return [f"thresholds = {_inline(parts)}"]


def _runbook(rb: Runbook) -> list[str]:
    lines = ["[[runbooks]]", f"name = {_s(rb.name)}", f"kind = {_s(rb.kind)}"]
    if rb.command:
        lines.append(f"command = {_inline(rb.command)}")
    if rb.url is not None:
        lines += [f"url = {_s(rb.url)}", f"method = {_s(rb.method)}"]
    if rb.headers:
        lines.append(f"headers = {_inline(rb.headers)}")
    if rb.body is not None:
        lines.append(f"body = {_inline(rb.body)}")
    lines.append(f"timeout = {_dur(rb.timeout_s)}")
    if rb.alerts:
        lines.append(f"alerts = {_inline(rb.alerts)}")
    if rb.description:
        lines.append(f"description = {_s(rb.description)}")
    if rb.env:
        lines.append(f"env = {_inline(rb.env)}")
    return lines


def _slo(slo: SloConfig) -> list[str]:
    lines = [
        "[[slos]]",
        f"name = {_s(slo.name)}",
        f"objective = {slo.objective!r}",
        f"period = {_dur(slo.period_s)}",
    ]
    if slo.errors is not None and slo.total is not None:
        lines += [f"errors = {_s(slo.errors)}", f"total = {_s(slo.total)}"]
    if slo.latency is not None:
        lat = slo.latency
        latency = {
            "histogram": lat.histogram,
            "threshold": f"{lat.threshold_s * 1000:g}ms",
            "selector": lat.selector,
        }
        lines.append(f"latency = {_inline(latency)}")
    if slo.description:
        lines.append(f"description = {_s(slo.description)}")
    return lines


def _panel(p: PanelConfig) -> list[str]:
    lines = ["[[panels]]", f"title = {_s(p.title)}", f"kind = {_s(p.kind)}"]
    if p.query:
        lines.append(f"query = {_s(p.query)}")
    if p.unit:
        lines.append(f"unit = {_s(p.unit)}")
    lines += _thresholds(p.thresholds)
    if p.legend:
        lines.append(f"legend = {_s(p.legend)}")
    lines.append(f"top = {p.top}")
    if p.join_on:
        lines.append(f"join_on = {_inline(p.join_on)}")
    for c in p.columns:
        lines += ["[[panels.columns]]", f"name = {_s(c.name)}", f"query = {_s(c.query)}"]
        if c.unit:
            lines.append(f"unit = {_s(c.unit)}")
        lines += _thresholds(c.thresholds)
    return lines


def full_toml(config: Config) -> str:
    h, lat, cb = config.health, config.latency, config.circuit_breakers
    lines = [f"refresh = {_dur(config.refresh_s)}"]
    if config.journal_path:
        lines.append(f"journal = {_s(config.journal_path)}")
    lines += [
        "[prometheus]",
        f"url = {_s(config.prometheus.url)}",
        "[alertmanager]",
        f"urls = {_inline(config.alertmanager.urls)}",
        "[health]",
        f"penalty_critical = {h.penalty_critical!r}",
        f"penalty_warning = {h.penalty_warning!r}",
        f"penalty_info = {h.penalty_info!r}",
        f"max_alert_penalty = {h.max_alert_penalty!r}",
        f"slo_penalty = {h.slo_penalty!r}",
        f"slo_terms = {_inline(h.slo_terms)}",
    ]
    for c in h.components:
        lines += [
            "[[health.components]]",
            f"name = {_s(c.name)}",
            f"query = {_s(c.query)}",
            f"reduce = {_s(c.reduce)}",
        ]
    lines += [
        "[latency]",
        f"histogram = {_s(lat.histogram)}",
        f"histogram_type = {_s(lat.histogram_type)}",
        f"selector = {_s(lat.selector)}",
        f"group_by = {_s(lat.group_by)}",
        f"rate_window = {_dur(lat.rate_window_s)}",
        "slo_p95 = "
        + (_s(f"{lat.slo_p95_s * 1000:g}ms") if lat.slo_p95_s is not None else "false"),
        "[errors]",
        f"query = {_s(config.errors.query)}",
    ]
    if config.errors.slo is not None:
        lines.append(f"slo = {config.errors.slo!r}")
    lines += [
        "[circuit_breakers]",
        f"preset = {_s(cb.preset)}",
        f"name_label = {_s(cb.name_label)}",
        f"state_label = {_s(cb.state_label)}",
    ]
    for rb in config.runbooks:
        lines += _runbook(rb)
    for slo in config.slos:
        lines += _slo(slo)
    for p in config.panels:
        lines += _panel(p)
    return "\n".join(lines) + "\n"


def check_round_trip(config: Config, path: Path, env: Mapping[str, str]) -> None:
    """Raise if `path` (written by full_toml) loads into anything but `config`."""
    loaded = load_config(str(path), env)
    ignore = {"user", "source_file", "ui", "ack", "incidents", "runbook_stats", "read_only"}
    differ = [
        f.name
        for f in dataclasses.fields(Config)
        if f.name not in ignore and getattr(loaded, f.name) != getattr(config, f.name)
    ]
    if differ:
        raise RuntimeError(f"{path} does not load as the demo's config: {', '.join(differ)}")
