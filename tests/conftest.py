"""Shared fixtures. Everything here talks to REAL servers on 127.0.0.1.

servers_available (session)
    Skips the test, with the install hint as reason, only when the `prometheus` or
    `prometheus-alertmanager` binary is missing (CI installs both: nothing skips there).

exporter (session) -> integration.exporter.Exporter
    The known-metrics exporter alone (no Prometheus), fed by its cycle thread. It is
    the same object as `stack.exporter` when both are used. Metric names, label values
    and expected rates/quantiles are module constants in tests/integration/exporter.py
    (`HISTOGRAM`, `REQUESTS`, `LATENCY_CYCLE`, `expected_quantile(svc, q)`,
    `ERROR_RATIO`, `BREAKERS`, `RUNBOOK_RUNS`, ...); `exporter.set_breaker_state(name,
    state)` and `exporter.set_up(component, value)` change what it exposes. A test that
    changes a value puts it back (the exporter is shared by the session).

stack (session) -> integration.Stack
    Two clustered Alertmanagers (peer 2 joins peer 1) and a Prometheus scraping the
    exporter every 1s and evaluating `exporter.ALERT_RULES` every 1s, sending to both.
    Ready when Prometheus has scraped, `ALERTS` shows `FIRING_ALERTS` firing and both
    Alertmanagers show them and see each other. Attributes: `prom_url`, `am_urls`,
    `prometheus` / `alertmanagers` (demo.servers.Server), `exporter`, `workdir`;
    helpers `query(promql)` (sync), `am_alertnames(url)`, `logs()`. Tests that create
    silences use matchers of their own (or expire them) so others are not affected.
    `integration.wait_until(probe, timeout, what)` polls a condition with a deadline.

fake_http (function) -> factory
    `fake_http(Reply(...))` or `fake_http(handler)` starts a real ThreadingHTTPServer on
    127.0.0.1 and returns a `fakes.FakeServer` (`.url`, `.requests` recorded with
    method, path, lower-cased headers, body). `Reply(status, body, content_type,
    headers, hang_s, cut_after)` answers every request the same way: `hang_s` waits
    before answering, `cut_after` closes the connection after that many body bytes.
    A handler `Callable[[Request], Reply]` can vary the answer. All are shut down at
    teardown.
"""

from __future__ import annotations

import ports

ports.install()  # before anything imports servers.free_port by name

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from fakes import FakeServer, Handler, Reply, canned  # noqa: E402
from integration import Stack, start_stack  # noqa: E402
from integration.exporter import Exporter, start_exporter  # noqa: E402
from oncall_tui.demo import servers  # noqa: E402


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups from the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist's `--dist loadgroup` (scripts/test.sh), the tests that share a
    module-scoped fixture (a module's own servers) go to one worker, so it starts once;
    all other tests are spread one by one."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        shared = any(
            defs[-1].scope in ("module", "package")
            for defs in info.name2fixturedefs.values()
            if defs
        )
        if shared:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.fixture(scope="session")
def servers_available() -> None:
    for names, env in (
        (servers.PROMETHEUS_NAMES, "ONCALL_TUI_PROMETHEUS_BIN"),
        (servers.ALERTMANAGER_NAMES, "ONCALL_TUI_ALERTMANAGER_BIN"),
    ):
        try:
            servers.find_binary(names, env)
        except servers.MissingBinary as e:
            pytest.skip(f"real servers needed: {e}")


@pytest.fixture(scope="session")
def exporter() -> Iterator[Exporter]:
    started = start_exporter()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def stack(
    servers_available: None, exporter: Exporter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    workdir: Path = tmp_path_factory.mktemp("stack")
    started = start_stack(workdir, exporter)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def fake_http() -> Iterator[Callable[[Reply | Handler], FakeServer]]:
    started: list[FakeServer] = []

    def make(reply: Reply | Handler) -> FakeServer:
        server = FakeServer(canned(reply) if isinstance(reply, Reply) else reply)
        started.append(server)
        return server

    yield make
    for server in started:
        server.close()
