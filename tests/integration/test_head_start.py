"""The head start (head_start.py): the first poll's early sections asked by a forked
child while the TUI starts, against the real stack; and the TUI's deferred backend
(actions/deferred.py), which answers the first early poll with it and builds the real
Poller only when something else is asked."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from integration import Stack, wait_until
from integration.test_snapshot_cli import write_config
from oncall_tui import head_start
from oncall_tui.actions.deferred import DeferredBackend
from oncall_tui.config import load_config
from oncall_tui.config_types import Config
from oncall_tui.head_start import HeadStart

pytestmark = pytest.mark.servers


def _config(stack: Stack, tmp_path: Path) -> Config:
    config = load_config(str(write_config(tmp_path, stack.prom_url, stack.am_urls)), {}, {})
    rates = f"sum(rate({config.latency.histogram}_count[1m]))"

    def answered() -> object:
        params = {"query": rates}
        got = stack.http.get(stack.prom_url + "/api/v1/query", params=params).json()
        return got["data"]["result"]

    wait_until(answered, 90, "latency rates")  # a fresh Prometheus needs two scrapes
    return replace(config, journal_path=str(tmp_path / "journal.sqlite3"))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_the_child_answers_the_early_sections_and_the_first_poll_takes_them(
    stack: Stack, tmp_path: Path
) -> None:
    config = _config(stack, tmp_path)
    head = head_start.fork_early(config, config.ui.window_s)
    assert head is not None
    backend = DeferredBackend(config, head)
    poller = backend.poller
    try:
        early = await poller.poll_early(config.ui.window_s)
        assert backend.head_start is None and not backend.built  # taken, nothing built
        again = await poller.poll_early(config.ui.window_s)  # asked by the real Poller
        assert backend.built
    finally:
        await poller.aclose()
        backend.close()
    assert _gone(head.pid) and head.fd == -1  # the child is reaped, its pipe closed
    assert set(early) == {"latency", "errors"}
    assert early["latency"].section.ok and early["errors"].section.ok
    services = {s.service for s in early["latency"].services}
    assert services and services == {s.service for s in again["latency"].services}


def _silent_head(window_s: float, *, answer: bytes | None) -> HeadStart:
    """A HeadStart whose 'child' is a sleeping process and whose pipe holds `answer`
    (None: the pipe stays open, nothing comes)."""
    sleeper = subprocess.Popen(["sleep", "60"])
    read_fd, write_fd = os.pipe()
    if answer is not None:
        os.write(write_fd, answer)
        os.close(write_fd)
    head = HeadStart(sleeper.pid, read_fd, window_s, wait_s=0.2)
    head.keep_open = write_fd  # type: ignore[attr-defined]  # closed by the test
    return head


@pytest.mark.parametrize("answer", [b"", b"not a pickle", None])
async def test_no_answer_from_the_child_and_the_first_poll_asks_itself(
    stack: Stack, tmp_path: Path, answer: bytes | None
) -> None:
    config = _config(stack, tmp_path)
    head = _silent_head(config.ui.window_s, answer=answer)
    backend = DeferredBackend(config, head)
    try:
        early = await backend.poller.poll_early(config.ui.window_s)
        await backend.poller.aclose()
        backend.close()
    finally:
        if answer is None:
            os.close(head.keep_open)  # type: ignore[attr-defined]
    assert early["latency"].section.ok  # the poller's own answer
    assert head.fd == -1 and _gone(head.pid)


async def test_a_head_start_for_another_window_is_not_used(stack: Stack, tmp_path: Path) -> None:
    config = _config(stack, tmp_path)
    head = _silent_head(config.ui.window_s, answer=None)
    backend = DeferredBackend(config, head)
    try:
        early = await backend.poller.poll_early(config.ui.window_s * 2)  # the user chose 2
        await backend.poller.aclose()
        backend.close()
    finally:
        os.close(head.keep_open)  # type: ignore[attr-defined]
    assert early["latency"].section.ok and head.fd == -1


def test_no_head_start_once_threads_run(stack: Stack, tmp_path: Path) -> None:
    """A fork copies the locks other threads hold: with threads (pytest's own, here)
    there is none, and the app polls as before."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert head_start.start(_config(stack, tmp_path)) is None
    finally:
        stop.set()
        thread.join()
