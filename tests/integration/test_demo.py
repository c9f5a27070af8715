"""The demo against real servers: it starts and stops cleanly (no orphans, ports free,
temp dir gone), dies with its launcher, and its runbooks really heal the system."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oncall_tui.config_types import Config
from oncall_tui.demo.run import DemoStack, remove_stale_dirs, run_demo, start_stack
from oncall_tui.demo.service import TOKEN_ENV
from oncall_tui.demo.simulation import Breaker, Simulation, Timing
from oncall_tui.model.alerts import parse_alerts
from oncall_tui.model.snapshot import Alert, Incident, Snapshot
from oncall_tui.poll import Poller
from oncall_tui.sources.runbooks import RunResult, execute, plan_run, runbooks_for
from waiting import async_wait_until, wait_until

pytestmark = pytest.mark.servers

DEMO = [sys.executable, "-m", "oncall_tui.demo.run", "--no-tui", "--speed", "10"]


def children(pid: int) -> set[int]:
    """All descendants of `pid`, from /proc."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def port_free(port: int) -> bool:
    """Nobody listens: a server could bind it (SO_REUSEADDR, as servers do, since our own
    client connections may linger in TIME_WAIT)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def launch_demo(
    *extra: str, tmpdir: Path | None = None
) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """Start the demo launcher and read where everything is from its output; with
    `tmpdir`, its temp dir is made there."""
    env = None if tmpdir is None else {**os.environ, "TMPDIR": str(tmpdir)}
    proc = subprocess.Popen(
        [*DEMO, *extra], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert proc.stdout is not None
    where: dict[str, str] = {}
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if m := re.match(r"demo running in (\S+)", line):
            where["workdir"] = m.group(1)
        for name in ("Prometheus", "Alertmanager"):
            if m := re.match(rf"\s+{name}\s+(\S+)", line):
                where[name] = m.group(1)
        if m := re.match(r"\s+demo service\s+(\S+)/metrics\s+\(control (\S+)/state\)", line):
            where["service"], where["control"] = m.group(1), m.group(2)
        if "press Ctrl+C" in line or time.monotonic() > deadline:
            break
    assert proc.poll() is None, f"demo exited early: {where}"
    return proc, where


def ports_of(where: dict[str, str]) -> list[int]:
    return [int(where[k].rsplit(":", 1)[1]) for k in ("Prometheus", "Alertmanager", "service")]


def assert_all_answer(where: dict[str, str]) -> None:
    with httpx.Client(timeout=5) as c:
        assert c.get(where["Prometheus"] + "/-/ready").status_code == 200
        assert c.get(where["Alertmanager"] + "/-/ready").status_code == 200
        assert "resilience4j_circuitbreaker_state" in c.get(where["service"] + "/metrics").text
        assert c.get(where["control"] + "/state").json()["backends"]


def test_demo_stops_everything_on_sigterm() -> None:
    proc, where = launch_demo("--history-days", "0.2", "--no-auto-degrade")
    try:
        assert_all_answer(where)
        kids = children(proc.pid)
        assert len(kids) >= 3  # prometheus, alertmanager, service
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_until(lambda: not any(alive(k) for k in kids), 10, "children to exit")
    assert all(port_free(p) for p in ports_of(where))
    assert not Path(where["workdir"]).exists()


def test_children_die_when_the_launcher_is_killed(tmp_path: Path) -> None:
    # A temp dir of its own: any other demo starting meanwhile (another test, another
    # worker) removes stale dirs in the shared one, the killed demo's among them.
    proc, where = launch_demo("--history-days", "0", "--no-auto-degrade", tmpdir=tmp_path)
    kids = children(proc.pid)
    assert len(kids) >= 3
    proc.kill()  # no handler, no atexit: only PDEATHSIG can save us
    proc.wait(10)
    wait_until(lambda: not any(alive(k) for k in kids), 15, "children to exit")
    wait_until(lambda: all(port_free(p) for p in ports_of(where)), 5, "ports to be free")
    # The next demo removes the dir the killed one left behind.
    workdir = Path(where["workdir"])
    assert workdir.exists()
    remove_stale_dirs(workdir.parent)
    assert not workdir.exists()


def test_missing_servers_say_how_to_install_and_exit_2() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONCALL_TUI_")}
    env["PATH"] = "/nonexistent"
    done = subprocess.run(DEMO, capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 2
    assert "apt-get install prometheus prometheus-alertmanager" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    os.environ.setdefault(TOKEN_ENV, "demo-test-token")
    workdir = tmp_path_factory.mktemp("demo")
    s = start_stack(workdir, Config(), speed=10.0, auto_degrade=False, history_days=0)
    yield s
    s.stop()
    assert not any(server.alive() for server in s.servers)


def am_alerts(stack: DemoStack, backend: str) -> dict[str, Alert]:
    url = stack.server("alertmanager").url + "/api/v2/alerts"
    alerts = parse_alerts(httpx.get(url, timeout=5).json(), ())
    return {a.alertname: a for a in alerts if a.labels.get("backend") == backend}


def breaker(stack: DemoStack, backend: str) -> str:
    state = httpx.get(stack.control_url + "/state", timeout=5).json()
    return str(state["backends"][backend]["breaker"])


def test_restart_runbook_heals_and_the_alerts_resolve(stack: DemoStack) -> None:
    httpx.post(stack.control_url + "/degrade/payments", timeout=5).raise_for_status()
    firing = wait_until(
        lambda: (
            (a := am_alerts(stack, "payments")).keys()
            >= {"BackendHighErrorRate", "CircuitBreakerOpen"}
            and a
        ),
        40,
        "both payments alerts to fire",
        0.3,
    )
    critical = firing["BackendHighErrorRate"]
    assert critical.severity == "critical" and firing["CircuitBreakerOpen"].severity == "warning"
    assert breaker(stack, "payments") in ("OPEN", "HALF_OPEN")

    offered, linked = runbooks_for(critical, stack.config.runbooks)
    assert offered[0].name == "restart-payments" and "restart-payments" in linked
    plan = plan_run(offered[0], critical, os.environ)
    lines: list[str] = []

    def handled(snap: Snapshot) -> Incident | None:
        return next(
            (
                i
                for i in snap.incidents.items
                if i.alertname == "BackendHighErrorRate"
                and i.labels.get("backend") == "payments"
                and i.status == "resolved"
            ),
            None,
        )

    async def heal_and_watch() -> tuple[RunResult, Incident]:
        # The TUI's view of it: one Poller that sees the alert fire, then resolve.
        async with Poller(stack.config) as poller:
            seen = await poller.poll(3600)
            assert "BackendHighErrorRate" in {a.alertname for a in seen.alerts.items}
            result = await execute(plan, lines.append)

            async def resolved() -> Incident | None:
                return handled(await poller.poll(3600))

            incident = await async_wait_until(
                resolved, 60, "the handled incident to show as resolved in the log", 0.5
            )
            return result, incident

    result, incident = asyncio.run(heal_and_watch())
    assert result.ok, result
    assert "payments restarted; health check passed" in lines
    assert "gateway circuit breaker for payments: CLOSED" in lines
    assert breaker(stack, "payments") == "CLOSED"
    wait_until(lambda: not am_alerts(stack, "payments"), 45, "payments alerts to resolve")
    metrics = httpx.get(stack.server("service").url + "/metrics", timeout=5).text
    assert 'runbook_executions_total{runbook="restart-payments",status="success"} 1.0' in metrics
    # It stays in the log though it lasted less than one step of the 7-day history
    # query (151 s), with the times the Alertmanager gave, not the step's.
    assert incident.started_at == pytest.approx(critical.starts_at, abs=1.0)
    assert incident.resolved_at is not None and incident.ttr_s is not None
    assert incident.ttr_s > 0


def test_http_runbook_pages_with_the_secret_from_the_environment(stack: DemoStack) -> None:
    page = next(r for r in stack.config.runbooks if r.name == "page-backend-owner")
    alert = Alert(
        "f00", {"alertname": "BackendHighErrorRate", "backend": "search"}, {}, "active", 0
    )
    plan = plan_run(page, alert, os.environ)
    assert os.environ[TOKEN_ENV] not in plan.describe()
    result = asyncio.run(execute(plan, lambda _: None))
    assert result.ok and result.http_status == 202
    assert "owner of search" in result.output_tail
    without = plan_run(page, alert, {TOKEN_ENV: "wrong"})
    result = asyncio.run(execute(without, lambda _: None))
    assert not result.ok and result.http_status == 401


def test_flaky_runbook_results_match_the_service_counters(stack: DemoStack) -> None:
    flaky = next(r for r in stack.config.runbooks if r.name == "flaky-cache-clear")
    plan = plan_run(flaky, None, os.environ)

    def counters() -> tuple[float, float]:
        text = httpx.get(stack.server("service").url + "/metrics", timeout=5).text
        found = dict(
            re.findall(
                r'runbook_executions_total\{runbook="flaky-cache-clear",status="(\w+)"\} (\S+)',
                text,
            )
        )
        return float(found["success"]), float(found["failure"])

    before = counters()
    outcomes = [asyncio.run(execute(plan, lambda _: None)) for _ in range(4)]
    after = counters()
    ok = sum(r.ok for r in outcomes)
    assert (after[0] - before[0], after[1] - before[1]) == (ok, len(outcomes) - ok)
    for r in outcomes:
        assert (r.exit_code == 0) == r.ok
        assert ("cache cleared" in r.output_tail) == r.ok


def test_simulation_is_deterministic_for_a_seed() -> None:
    runs = []
    for _ in range(2):
        sim = Simulation(seed=7, timing=Timing(10.0))
        for _ in range(400):
            sim.step()
        runs.append(sim.state())
    assert runs[0] == runs[1]
    assert any(b["degraded"] for b in runs[0]["backends"].values())  # the story moved


def test_breaker_opens_half_opens_and_closes() -> None:
    b = Breaker(wait_s=5.0)
    for i in range(Breaker.min_calls):
        assert b.permits(i)
        b.record(failed=i % 2 == 0, now=i)
    assert b.state == "open" and not b.permits(10.0)
    assert b.permits(15.0) and b.state == "half_open"
    for _ in range(Breaker.trial_calls - 1):
        assert b.permits(15.0)
    assert not b.permits(15.0)  # only the trial calls
    for _ in range(Breaker.trial_calls):
        b.record(failed=False, now=16.0)
    assert b.state == "closed" and b.failure_rate() == -1.0


def run_demo_in_process(
    monkeypatch: pytest.MonkeyPatch, tui: Callable[[Config], int]
) -> tuple[int | BaseException, dict[str, Any]]:
    """run_demo with a stand-in for the TUI (oncall_tui.ui.app.run_app) that quits,
    crashes or gets signalled at will while the real servers run."""
    seen: dict[str, Any] = {}

    def run_app(config: Config) -> int:
        seen["config"] = config
        seen["kids"] = children(os.getpid()) - before  # not other tests' servers
        assert_all_answer_config(config)
        return tui(config)

    module = types.ModuleType("oncall_tui.ui.app")
    module.run_app = run_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "oncall_tui.ui.app", module)
    handler_before = signal.getsignal(signal.SIGTERM)
    before = children(os.getpid())
    args = argparse.Namespace(no_tui=False, speed=10.0, history_days=0, no_auto_degrade=True)
    try:
        outcome: int | BaseException = run_demo(args, Config())
    except Exception as e:
        outcome = e
    assert signal.getsignal(signal.SIGTERM) == handler_before
    return outcome, seen


def assert_all_answer_config(config: Config) -> None:
    with httpx.Client(timeout=5) as c:
        assert c.get(config.prometheus.url + "/-/ready").status_code == 200
        assert c.get(config.alertmanager.urls[0] + "/-/ready").status_code == 200


def assert_cleaned_up(seen: dict[str, Any]) -> None:
    config: Config = seen["config"]
    assert config.journal_path is not None
    wait_until(lambda: not any(alive(k) for k in seen["kids"]), 10, "children to exit")
    for url in (config.prometheus.url, config.alertmanager.urls[0]):
        assert port_free(int(url.rsplit(":", 1)[1]))
    assert not Path(config.journal_path).parent.exists()


def test_quitting_the_tui_stops_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    outcome, seen = run_demo_in_process(monkeypatch, lambda config: 0)
    assert outcome == 0
    assert len(seen["kids"]) >= 3
    # The TUI got the demo's own config: its runbooks and a journal in the temp dir.
    assert {r.name for r in seen["config"].runbooks} >= {"restart-payments", "flaky-cache-clear"}
    assert_cleaned_up(seen)


def test_a_crashing_tui_still_stops_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(config: Config) -> int:
        raise RuntimeError("boom")

    outcome, seen = run_demo_in_process(monkeypatch, crash)
    assert isinstance(outcome, RuntimeError)
    assert_cleaned_up(seen)


def test_sigterm_while_the_tui_runs_stops_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    def signalled(config: Config) -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)  # interrupted by the handler
        return 99

    outcome, seen = run_demo_in_process(monkeypatch, signalled)
    assert outcome == 0
    assert_cleaned_up(seen)


def test_real_tui_in_a_terminal_quits_with_q_and_leaves_nothing() -> None:
    """`oncall-tui demo` end to end in a pseudo-terminal: the real TUI opens on the
    demo's servers; `q` quits; every server is gone and the temp dir removed."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    env = dict(os.environ, ONCALL_TUI_DEMO_SPEED="10", TERM="xterm-256color")
    env["XDG_CONFIG_HOME"] = str(Path(env.get("TMPDIR", "/tmp")) / "oncall-tui-no-config")
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the demo
        os.execve(sys.executable, [sys.executable, "-m", "oncall_tui", "demo"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    screen = b""

    def read_until(pattern: bytes, timeout: float) -> bool:
        nonlocal screen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, screen):
                return True
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    screen += os.read(fd, 65536)
                except OSError:
                    break
        return bool(re.search(pattern, screen))

    try:
        assert read_until(rb"demo running in \S+", 60), screen[-500:]
        workdir = Path(re.search(rb"demo running in (\S+)", screen).group(1).decode())  # type: ignore[union-attr]
        assert read_until(rb"\x1b\[\?1049h", 30), "the TUI took the screen"
        assert read_until(rb"Breaker", 30)
        kids = children(pid)
        assert len(kids) >= 3
        os.write(fd, b"q")
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline and status is None:
            read_until(rb"$^", 0.2)  # keep draining the terminal
            done, code = os.waitpid(pid, os.WNOHANG)
            status = code if done else None
        assert status is not None and os.waitstatus_to_exitcode(status) == 0
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    wait_until(lambda: not any(alive(k) for k in kids), 10, "children to exit")
    assert not workdir.exists()
