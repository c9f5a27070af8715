"""The service layer never loads Textual: proven in a fresh interpreter.

Everything below `sources/`, `model/`, `sections/`, `journal/`, `actions/`, `render/`
and the top-level service modules is imported one by one in a subprocess; the first
import that brings `textual` into `sys.modules` is named. Modules that do not exist
(yet) are skipped, not failed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

PACKAGES = (
    "oncall_tui.sources",
    "oncall_tui.model",
    "oncall_tui.sections",
    "oncall_tui.journal",
    "oncall_tui.actions",
    "oncall_tui.render",
)
MODULES = (
    "oncall_tui.config_types",
    "oncall_tui.config",
    "oncall_tui.durations",
    "oncall_tui.text",
    "oncall_tui.queries",
    "oncall_tui.poll",
)

PROBE = textwrap.dedent(
    """
    import importlib, importlib.util, pkgutil, sys

    packages, modules = sys.argv[1].split(","), sys.argv[2].split(",")
    names = []
    for package in packages:
        if importlib.util.find_spec(package) is None:
            continue
        names.append(package)
        path = importlib.import_module(package).__path__
        names += [m.name for m in pkgutil.walk_packages(path, package + ".")]
    names += [m for m in modules if importlib.util.find_spec(m) is not None]
    for name in names:
        importlib.import_module(name)
        if "textual" in sys.modules:
            print("TEXTUAL LOADED BY " + name)
            sys.exit(1)
    print("imported " + str(len(names)))
    """
)


def test_service_layer_does_not_import_textual() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, ",".join(PACKAGES), ",".join(MODULES)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    imported = int(result.stdout.split()[-1])
    assert imported >= 10  # the probe really walked the packages (sources + model alone)
