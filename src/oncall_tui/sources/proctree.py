"""Finding and ending what an exec runbook left running (Linux `/proc`; elsewhere nothing).

An exec runbook runs in its own session and process group, which a timeout or cancel
kills. A grandchild can leave both (`setsid sleep 600`, a double fork, `nohup ... &`),
so every run also gets a marker in its environment, `ONCALL_TUI_RUN_ID=<token>`, which
descendants inherit through fork, exec and setsid. When the run ends, `leftovers`
finds every process still carrying the marker, or still in the run's session or
process group, and `end` stops them (SIGTERM, then SIGKILL), checking each one's start
time so a recycled pid is never hit.

Why not a child subreaper (prctl PR_SET_CHILD_SUBREAPER): it makes this process the
parent of every orphan of everything it ever started (the demo's Prometheus included),
so it would have to reap them all, racing asyncio's own child watcher. The marker finds
the same grandchildren without owning anyone else's.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

MARKER = "ONCALL_TUI_RUN_ID"
PROC = Path("/proc")


@dataclass(frozen=True)
class Leftover:
    pid: int
    start_time: int
    """Clock ticks since boot (/proc/PID/stat field 22): tells a recycled pid apart."""
    command: str

    def __str__(self) -> str:
        return f"pid {self.pid} {self.command}"


def supported() -> bool:
    return (PROC / "self" / "stat").exists()


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, process group, session, start time) of `pid`, None when it is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # "pid (comm) state ppid pgrp session ..."; comm may hold spaces and parentheses.
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        return fields[0].decode(), int(fields[2]), int(fields[3]), int(fields[19])
    except (IndexError, ValueError):
        return None


def _has_marker(pid: int, marker: bytes) -> bool:
    try:
        environ = (PROC / str(pid) / "environ").read_bytes()
    except OSError:  # another user's process, or gone
        return False
    return environ.startswith(marker) or b"\0" + marker in environ


def _command(pid: int) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    words = raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")
    return words if len(words) <= 80 else words[:79] + "…"


def leftovers(token: str, group: int) -> list[Leftover]:
    """Live processes (not zombies) of the run marked `token` whose process group or
    session was `group` (the run's main pid). Never this process."""
    if not supported():
        return []
    marker = f"{MARKER}={token}\0".encode()
    me = os.getpid()
    found: list[Leftover] = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid == me:
            continue
        stat = _stat(pid)
        if stat is None or stat[0] in ("Z", "X"):
            continue
        _state, pgrp, session, started = stat
        if pgrp == group or session == group or _has_marker(pid, marker):
            found.append(Leftover(pid, started, _command(pid)))
    return found


def _alive(p: Leftover) -> bool:
    stat = _stat(p.pid)
    return stat is not None and stat[3] == p.start_time and stat[0] not in ("Z", "X")


def _signal(p: Leftover, sig: signal.Signals) -> None:
    if _alive(p):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(p.pid, sig)


def end(found: list[Leftover], grace_s: float = 2.0) -> list[Leftover]:
    """SIGTERM each, SIGKILL those still there after `grace_s`; the ones that would not
    die even then (empty in practice). Blocking: call it in a thread."""
    for p in found:
        _signal(p, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(_alive(p) for p in found) and time.monotonic() < deadline:
        time.sleep(0.02)
    for p in found:
        _signal(p, signal.SIGKILL)
    deadline = time.monotonic() + grace_s
    while any(_alive(p) for p in found) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [p for p in found if _alive(p)]
