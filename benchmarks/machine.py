"""What the benchmarks ran on: the facts a reader needs to compare numbers."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

from oncall_tui.demo import servers


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version_line(names: tuple[str, ...], env: str) -> str:
    try:
        exe = servers.find_binary(names, env)
        done = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (servers.MissingBinary, OSError, subprocess.TimeoutExpired) as e:
        return f"not available ({e})"
    lines = (done.stdout or done.stderr).splitlines()
    return lines[0].strip() if lines else "unknown"


def _package(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def describe() -> list[tuple[str, str]]:
    """(what, value) rows for the report's machine table."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return [
        ("date (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")),
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} cores visible"),
        ("memory", f"{mem_kb / 1024 / 1024:.1f} GiB"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("oncall-tui", _package("oncall-tui")),
        ("textual", _package("textual")),
        ("httpx / orjson", f"{_package('httpx')} / {_package('orjson')}"),
        ("Prometheus", _version_line(servers.PROMETHEUS_NAMES, "ONCALL_TUI_PROMETHEUS_BIN")),
        (
            "Alertmanager",
            _version_line(servers.ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN"),
        ),
        ("load average at start (1/5/15 min)", load()),
    ]
