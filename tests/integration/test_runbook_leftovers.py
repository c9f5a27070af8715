"""What an exec runbook leaves running is stopped when the run ends, and named: a real
`setsid sleep 600` grandchild (its own session, out of the run's process group) after a
normal exit, a cancel and a timeout."""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

from integration.test_runbook_exec import gone
from oncall_tui.config_types import Runbook
from oncall_tui.sources import proctree
from oncall_tui.sources.runbooks import RunPlan, RunResult, execute, plan_run

pytestmark = pytest.mark.skipif(
    not proctree.supported() or shutil.which("setsid") is None, reason="Linux /proc and setsid"
)

# The grandchild leaves the run's session and process group, and its stdout is not the
# pipe: nothing but the sweep can find it. The script goes on only once the grandchild
# is in a session of its own (field 6 of /proc/PID/stat), so the test cannot race it.
ESCAPE = (
    "setsid sleep 600 </dev/null >/dev/null 2>&1 & pid=$!; "
    'while [ "$(cut -d" " -f6 /proc/$pid/stat)" != "$pid" ]; do sleep 0.02; done; echo $pid'
)


def plan(script: str, timeout: float = 20.0) -> RunPlan:
    rb = Runbook(name="escape", kind="exec", command=("sh", "-c", script), timeout_s=timeout)
    return plan_run(rb, None, dict(os.environ))


async def run_and_watch(
    script: str, *, timeout: float = 20.0, cancel_after_pid: bool = False
) -> tuple[RunResult, int]:
    lines: list[str] = []
    got_pid = asyncio.Event()

    def on_output(line: str) -> None:
        lines.append(line)
        if line.isdigit():
            got_pid.set()

    cancel = asyncio.Event()
    task = asyncio.create_task(execute(plan(script, timeout), on_output, cancel))
    await asyncio.wait_for(got_pid.wait(), 10)
    pid = int(next(line for line in lines if line.isdigit()))
    if cancel_after_pid:
        cancel.set()
    result = await asyncio.wait_for(task, 30)
    return result, pid


async def test_a_setsid_grandchild_is_stopped_after_a_normal_exit() -> None:
    result, pid = await run_and_watch(ESCAPE)
    assert gone(pid)
    assert result.ok and result.exit_code == 0
    assert result.left_behind == (f"pid {pid} sleep 600",)
    words = f"stopped 1 process it left running (pid {pid} sleep 600)"
    assert result.left_behind_words == words
    assert words in result.output_tail  # the journal keeps it with the output


async def test_a_setsid_grandchild_is_stopped_on_cancel() -> None:
    result, pid = await run_and_watch(ESCAPE + "; sleep 30", cancel_after_pid=True)
    assert gone(pid)
    assert not result.ok and result.error == "cancelled"
    assert f"pid {pid} sleep 600" in result.left_behind


async def test_a_setsid_grandchild_is_stopped_on_timeout() -> None:
    result, pid = await run_and_watch(ESCAPE + "; sleep 30", timeout=1.0)
    assert gone(pid)
    assert not result.ok and result.error == "timed out after 1s"
    assert f"pid {pid} sleep 600" in result.left_behind


async def test_a_clean_run_leaves_nothing_to_report() -> None:
    result = await execute(plan("sleep 0.1 & wait; echo done"), lambda _line: None)
    assert result.ok and result.left_behind == () and result.left_behind_words == ""
    assert "left running" not in result.output_tail
