"""`oncall-tui demo`: real Prometheus + Alertmanager + the demo service in a temp dir,
then the TUI on them; on any way out, everything it started is stopped and the temp dir
removed.

Layers of cleanup, because "no orphans, ever": try/finally around everything; SIGTERM,
SIGHUP (and Ctrl+C) turned into an orderly exit; atexit as a last resort; and every child
started with PDEATHSIG, so even a SIGKILL of this process takes them along. A temp dir
left by a SIGKILLed demo is removed by the next demo.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from oncall_tui.config_types import Config
from oncall_tui.demo import assets
from oncall_tui.demo.history import HistoryError, backfill, seed_journal
from oncall_tui.demo.servers import (
    ALERTMANAGER_NAMES,
    INSTALL_HINT,
    PROMETHEUS_NAMES,
    MissingBinary,
    Server,
    ServerFailed,
    find_binary,
    free_port,
    spawn,
    start_alertmanager,
    start_prometheus,
    wait_http,
)
from oncall_tui.demo.service import TOKEN_ENV
from oncall_tui.demo.simulation import Timing

SPEED_ENV = "ONCALL_TUI_DEMO_SPEED"
TEMP_PREFIX = "oncall-tui-demo-"
OWNER_FILE = "owner.pid"


@dataclass
class DemoStack:
    """Everything one demo started. `stop()` is idempotent and never raises."""

    workdir: Path
    config: Config
    control_url: str
    servers: list[Server] = field(default_factory=list)

    def server(self, name: str) -> Server:
        return next(s for s in self.servers if s.name == name)

    def stop(self) -> None:
        for s in reversed(self.servers):  # the service first: nothing scrapes a dead target
            with contextlib.suppress(Exception):
                s.stop(timeout=5.0)


def find_promtool(prometheus_bin: str) -> str | None:
    beside = Path(prometheus_bin).with_name("promtool")
    if os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("promtool")


def start_stack(
    workdir: Path,
    base: Config,
    *,
    prometheus_bin: str | None = None,
    alertmanager_bin: str | None = None,
    speed: float = 1.0,
    seed: int = 1,
    auto_degrade: bool = True,
    history_days: float = 7.0,
    say: Callable[[str], None] = lambda _: None,
) -> DemoStack:
    """Start Alertmanager, the demo service and Prometheus (with backfilled history) in
    `workdir`; wait until each answers. Must run on the main thread (PDEATHSIG). If a
    step fails, what already started is stopped before the error propagates."""
    prom_exe = find_binary(PROMETHEUS_NAMES, "ONCALL_TUI_PROMETHEUS_BIN", prometheus_bin)
    am_exe = find_binary(ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN", alertmanager_bin)
    timing = Timing(speed)
    control_port = free_port()
    control_url = f"http://127.0.0.1:{control_port}"
    stack = DemoStack(workdir, base, control_url)
    try:
        say(f"starting Alertmanager ({am_exe}) ...")
        am = start_alertmanager(workdir / "alertmanager", assets.ALERTMANAGER_YML, binary=am_exe)
        stack.servers.append(am)
        say("starting the simulated service (an API gateway and three backends) ...")
        service = _start_service(workdir / "service", control_port, speed, seed, auto_degrade)
        stack.servers.append(service)
        prom_dir = workdir / "prometheus"
        promtool = find_promtool(prom_exe)
        if history_days > 0 and promtool:
            say(f"writing {history_days:g} days of past incidents for Prometheus (promtool) ...")
            t0 = time.monotonic()
            try:
                h = backfill(prom_dir / "data", promtool, time.time(), history_days, seed)
                seed_journal(workdir / assets.JOURNAL_FILE, h)
                say(
                    f"history: {len(h.incidents)} past incidents and {len(h.runs)} runbook "
                    f"runs over {history_days:g} days ({time.monotonic() - t0:.1f}s)"
                )
            except HistoryError as e:
                say(f"history skipped: {e}")
        elif history_days > 0:
            say("history skipped: promtool not found next to prometheus or on PATH")
        say(f"starting Prometheus ({prom_exe}) ...")
        prom = start_prometheus(
            prom_dir,
            assets.prometheus_yml(f"127.0.0.1:{service.port}", f"127.0.0.1:{am.port}", timing),
            rules={assets.RULES_FILE: assets.alert_rules(timing)},
            binary=prom_exe,
        )
        stack.servers.append(prom)
        stack.config = assets.demo_config(base, prom.url, am.url, control_url, workdir)
        return stack
    except BaseException:
        stack.stop()
        raise


def _start_service(
    workdir: Path, control_port: int, speed: float, seed: int, auto_degrade: bool
) -> Server:
    port = free_port()
    argv = [
        sys.executable, "-m", "oncall_tui.demo.service",
        "--port", str(port), "--control-port", str(control_port),
        "--speed", repr(speed), "--seed", str(seed),
    ]  # fmt: skip
    if not auto_degrade:
        argv.append("--no-auto-degrade")
    proc, log = spawn("service", argv, workdir, env=dict(os.environ))
    server = Server("service", f"http://127.0.0.1:{port}", port, workdir, proc, log)
    server.extra["control_url"] = f"http://127.0.0.1:{control_port}"
    wait_http(server, "/metrics", timeout=20.0)
    control = Server(
        "service", f"http://127.0.0.1:{control_port}", control_port, workdir, proc, log
    )
    wait_http(control, "/state", timeout=10.0)
    return server


def remove_stale_dirs(parent: Path) -> None:
    """Remove temp dirs of demos whose process is gone (killed before cleaning up)."""
    for d in parent.glob(TEMP_PREFIX + "*"):
        try:
            pid = int((d / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not Path(f"/proc/{pid}").exists():
            shutil.rmtree(d, ignore_errors=True)


class _Stop(BaseException):
    """Raised from a signal handler: unwinds through the TUI and into `finally`."""


class _Cleanup:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.stack: DemoStack | None = None
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        self.done = True
        if self.stack is not None:
            self.stack.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _speed(args: argparse.Namespace) -> float:
    raw: Any = getattr(args, "speed", None) or os.environ.get(SPEED_ENV) or 1.0
    try:
        speed = float(raw)
    except ValueError:
        speed = 0.0
    if 0.1 <= speed <= 1000:
        return speed
    print(f"oncall-tui demo: {SPEED_ENV}={raw!r} is not a factor between 0.1 and 1000; using 1")
    return 1.0


def run_demo(args: argparse.Namespace, config: Config) -> int:
    """The `demo` sub-command. Exit 0 on a normal quit, 1 if a server died, 2 if the
    servers are not installed (with how to install them)."""
    prom_bin = getattr(args, "prometheus_bin", None)
    am_bin = getattr(args, "alertmanager_bin", None)
    try:
        find_binary(PROMETHEUS_NAMES, "ONCALL_TUI_PROMETHEUS_BIN", prom_bin)
        find_binary(ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN", am_bin)
    except MissingBinary as e:
        hint = "" if INSTALL_HINT in str(e) else f"; {INSTALL_HINT}"
        print(f"oncall-tui demo: {e}{hint}", file=sys.stderr)
        return 2
    tmp = Path(tempfile.gettempdir())
    remove_stale_dirs(tmp)
    workdir = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX, dir=tmp))
    (workdir / OWNER_FILE).write_text(str(os.getpid()))
    cleanup = _Cleanup(workdir)
    atexit.register(cleanup)
    os.environ.setdefault(TOKEN_ENV, secrets.token_hex(16))  # the http runbook's secret

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stop(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        stack = start_stack(
            workdir,
            config,
            prometheus_bin=prom_bin,
            alertmanager_bin=am_bin,
            speed=_speed(args),
            seed=int(getattr(args, "seed", None) or 1),
            auto_degrade=not getattr(args, "no_auto_degrade", False),
            history_days=float(getattr(args, "history_days", 7.0)),
            say=lambda line: print(f"oncall-tui demo: {line}", flush=True),
        )
        cleanup.stack = stack
        _print_where(stack)
        if getattr(args, "no_tui", False):
            return _wait(stack)
        # Textual loads only when the TUI runs; ui/ is outside mypy's strict scope.
        run_app: Callable[[Config], int] = importlib.import_module("oncall_tui.ui.app").run_app
        return int(run_app(stack.config))
    except (_Stop, KeyboardInterrupt):
        return 0
    except ServerFailed as e:
        print(f"oncall-tui demo: {e}", file=sys.stderr)
        return 1
    finally:
        cleanup()
        atexit.unregister(cleanup)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_where(stack: DemoStack) -> None:
    svc = stack.server("service")
    lines = [
        f"demo running in {stack.workdir}",
        f"  Prometheus    {stack.server('prometheus').url}",
        f"  Alertmanager  {stack.server('alertmanager').url}",
        f"  demo service  {svc.url}/metrics  (control {stack.control_url}/state)",
        f"  journal       {stack.config.journal_path}",
    ]
    print("\n".join(lines), flush=True)


def _wait(stack: DemoStack) -> int:
    """--no-tui: keep running until a signal or Ctrl+C; a dead server ends the demo."""
    print("press Ctrl+C to stop", flush=True)
    while True:
        for s in stack.servers:
            if not s.alive():
                print(f"oncall-tui demo: {s.name} exited: {s.log_tail(5)}", file=sys.stderr)
                return 1
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    """`python -m oncall_tui.demo.run`: the demo without the CLI (used by tests)."""
    p = argparse.ArgumentParser(prog="python -m oncall_tui.demo.run")
    p.add_argument("--prometheus-bin")
    p.add_argument("--alertmanager-bin")
    p.add_argument("--no-tui", action="store_true")
    p.add_argument("--speed", type=float)
    p.add_argument("--seed", type=int)
    p.add_argument("--no-auto-degrade", action="store_true")
    p.add_argument("--history-days", type=float, default=7.0)
    return run_demo(p.parse_args(argv), Config())


if __name__ == "__main__":
    sys.exit(main())
