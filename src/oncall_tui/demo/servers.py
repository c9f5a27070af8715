"""Start real Prometheus and Alertmanager processes on free loopback ports.

Used by `oncall-tui demo`, by the test fixtures and by the benchmarks. Every process
is started with PR_SET_PDEATHSIG so that it dies with us even if we are SIGKILLed:
the demo must never leave orphans. Start them from the main thread (the signal fires
when the *thread* that forked exits).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PROMETHEUS_NAMES = ("prometheus",)
ALERTMANAGER_NAMES = ("prometheus-alertmanager", "alertmanager")
INSTALL_HINT = (
    "install them with: sudo apt-get install prometheus prometheus-alertmanager "
    "(Debian/Ubuntu), or put the official binaries on PATH, or point to them with "
    "ONCALL_TUI_PROMETHEUS_BIN / ONCALL_TUI_ALERTMANAGER_BIN"
)


class MissingBinary(RuntimeError):
    pass


class ServerFailed(RuntimeError):
    pass


def find_binary(names: Sequence[str], env_var: str, explicit: str | None = None) -> str:
    """The first of `explicit`, `$env_var`, then `names` on PATH that exists."""
    for candidate in (explicit, os.environ.get(env_var)):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
            raise MissingBinary(f"{candidate!r} (from {env_var} or a flag) is not executable")
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise MissingBinary(f"none of {', '.join(names)} is on PATH; {INSTALL_HINT}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Server:
    """One started process; `url` is its HTTP base URL on loopback."""

    name: str
    url: str
    port: int
    workdir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    extra: dict[str, object] = field(default_factory=dict)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def spawn(
    name: str, argv: Sequence[str], workdir: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start `argv` with its output in `workdir/<name>.log`, dying with this process."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it for its lifetime
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
            preexec_fn=_die_with_parent,
        )
    finally:
        log.close()
    return proc, log_path


def wait_http(server: Server, path: str, timeout: float = 30.0) -> None:
    """Wait until GET url+path answers 200, or raise with the log tail."""
    deadline = time.monotonic() + timeout
    last = ""
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if not server.alive():
                raise ServerFailed(f"{server.name} exited: {server.log_tail()}")
            try:
                r = client.get(server.url + path)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}"
            except httpx.HTTPError as e:
                last = str(e)
            time.sleep(0.1)
    server.stop()
    raise ServerFailed(
        f"{server.name} not ready after {timeout:.0f}s ({last}): {server.log_tail()}"
    )


def _yaml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def prometheus_config(
    scrape_targets: Sequence[str],
    alertmanagers: Sequence[str] = (),
    rule_files: Sequence[str] = (),
    interval: str = "1s",
) -> str:
    """A prometheus.yml scraping `scrape_targets` (host:port) as job "app"."""
    am = ""
    if alertmanagers:
        am = (
            "alerting:\n  alertmanagers:\n    - static_configs:\n"
            f"        - targets: {_yaml_list(alertmanagers)}\n"
        )
    return (
        f"global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n"
        f"rule_files: {_yaml_list(rule_files)}\n"
        f"{am}"
        "scrape_configs:\n"
        "  - job_name: app\n"
        f"    static_configs:\n      - targets: {_yaml_list(scrape_targets)}\n"
    )


def start_prometheus(
    workdir: Path,
    config_yaml: str,
    rules: dict[str, str] | None = None,
    binary: str | None = None,
    port: int | None = None,
    storage: Path | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = 30.0,
) -> Server:
    """Write config and rule files into `workdir`, start Prometheus, wait until ready.

    `rules` maps file names to rule YAML; refer to them from `config_yaml` by name.
    """
    exe = find_binary(PROMETHEUS_NAMES, "ONCALL_TUI_PROMETHEUS_BIN", binary)
    workdir.mkdir(parents=True, exist_ok=True)
    for fname, text in (rules or {}).items():
        (workdir / fname).write_text(text)
    (workdir / "prometheus.yml").write_text(config_yaml)
    port = port or free_port()
    data = storage or workdir / "data"
    argv = [
        exe,
        f"--config.file={workdir / 'prometheus.yml'}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-lifecycle",
        "--web.enable-admin-api",
        "--rules.alert.resend-delay=1s",
        "--log.level=warn",
        *extra_args,
    ]
    proc, log = spawn("prometheus", argv, workdir)
    server = Server("prometheus", f"http://127.0.0.1:{port}", port, workdir, proc, log)
    wait_http(server, "/-/ready", timeout)
    return server


ALERTMANAGER_CONFIG = """\
route:
  receiver: "null"
  group_by: ["alertname"]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: "null"
"""


def start_alertmanager(
    workdir: Path,
    config_yaml: str = ALERTMANAGER_CONFIG,
    peers: Sequence[str] = (),
    cluster: bool = False,
    binary: str | None = None,
    port: int | None = None,
    timeout: float = 30.0,
) -> Server:
    """Start an Alertmanager in `workdir`. With `cluster` (or `peers`), it gossips on
    its own loopback port (in `extra["cluster_address"]`) and joins `peers`."""
    exe = find_binary(ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN", binary)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "alertmanager.yml").write_text(config_yaml)
    port = port or free_port()
    argv = [
        exe,
        f"--config.file={workdir / 'alertmanager.yml'}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]
    extra: dict[str, object] = {}
    if cluster or peers:
        cport = free_port()
        addr = f"127.0.0.1:{cport}"
        extra["cluster_address"] = addr
        argv += [
            f"--cluster.listen-address={addr}",
            f"--cluster.advertise-address={addr}",
            "--cluster.gossip-interval=100ms",
            "--cluster.pushpull-interval=2s",
            "--cluster.settle-timeout=1s",
        ]
        argv += [f"--cluster.peer={p}" for p in peers]
    else:
        argv.append("--cluster.listen-address=")
    proc, log = spawn("alertmanager", argv, workdir)
    server = Server("alertmanager", f"http://127.0.0.1:{port}", port, workdir, proc, log, extra)
    wait_http(server, "/-/ready", timeout)
    return server
