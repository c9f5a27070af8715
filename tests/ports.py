"""Loopback ports for the servers tests start, never shared by two pytest-xdist workers.

`servers.free_port()` asks the kernel for any free port and lets it go; the server
binds it a moment later. Two workers asking at once could be handed the same port in
between. So under xdist each worker picks from a block of its own, below the kernel's
ephemeral range (where `bind(0)` and outgoing connections take theirs), walking it from
a random start: a port is never handed out twice by one worker, and no other worker of
the run can hand it out at all. Without xdist, the kernel's pick is kept.

`install()` must run before any module imports `free_port` by name: the top of
tests/conftest.py calls it.
"""

from __future__ import annotations

import os
import random
import re
import socket
from collections.abc import Callable, Iterator

from oncall_tui.demo import servers

FIRST = 20000
"""The first worker's block starts here; the blocks end below 32768, where Linux's
default ephemeral range begins."""
BLOCK = 1500
WORKERS = (32768 - FIRST) // BLOCK


def worker_index(name: str | None) -> int | None:
    """0 for 'gw0', 1 for 'gw1', ...; None outside xdist."""
    if not name:
        return None
    m = re.fullmatch(r"gw(\d+)", name)
    if m is None:
        raise ValueError(f"unexpected PYTEST_XDIST_WORKER {name!r}")
    index = int(m.group(1))
    if index >= WORKERS:
        raise ValueError(f"at most {WORKERS} xdist workers have a port block of their own")
    return index


def block(index: int) -> range:
    return range(FIRST + index * BLOCK, FIRST + (index + 1) * BLOCK)


def bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def picker(ports: range, start: int) -> Callable[[], int]:
    """Hands out the bindable ports of `ports` in turn from `start`, each at most once."""
    order: Iterator[int] = iter([*ports[start:], *ports[:start]])

    def pick() -> int:
        for port in order:
            if bindable(port):
                return port
        raise RuntimeError(f"no free port left in {ports.start}-{ports.stop - 1}")

    return pick


def install() -> None:
    index = worker_index(os.environ.get("PYTEST_XDIST_WORKER"))
    if index is not None:
        # A random start: two runs at once (two worktrees) rarely walk in step.
        servers.free_port = picker(block(index), random.randrange(BLOCK))
