"""The first poll's cheap sections, asked by a child process while the TUI starts.

A cold start spends ~0.3 s of CPU importing Textual and building the screen before it
can show anything, and the first data needs ~0.1 s more of its own (httpx, the
sources, the sections, the requests and their build). Forked before Textual is imported,
a child runs `Poller.poll_early` — the same sections, clients, limits and error words
as every poll — on another core meanwhile, and hands the parts back through a pipe
(pickled: a few hundred bytes). The app's first `poll_early` then takes them instead of
asking again, and the first frame can already carry them.

Only when it is safe: a process with no threads yet (a fork copies locks another
thread may hold) on a system that forks. The child never touches the terminal and
exits on its own within the source's deadline; whatever goes wrong in it, the app
polls as it always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import signal
import threading
from collections.abc import Mapping
from typing import Any

from oncall_tui.config_types import Config

_MAX_BYTES = 4 * 1024 * 1024
"""A bound on what the parent reads from the pipe (the parts are ~1 KB)."""


class HeadStart:
    """The child's answer for `window_s`, read once; `close()` ends the child."""

    def __init__(self, pid: int, fd: int, window_s: float, wait_s: float) -> None:
        self.pid, self.fd = pid, fd
        self.window_s = window_s
        self.wait_s = wait_s
        """Longest wait for the answer (the child's own deadline is shorter)."""
        self._data = bytearray()
        self._eof = False
        os.set_blocking(fd, False)

    def ready(self) -> Mapping[str, Any] | None:
        """The parts, if the child has finished writing them (never waits)."""
        self._drain()
        return self._parts() if self._eof else None

    async def parts(self) -> Mapping[str, Any] | None:
        """The parts (None: the child found nothing, failed or took too long); the child
        is ended in every case, so this answers once."""
        try:
            if not self._drain():
                loop = asyncio.get_running_loop()
                done: asyncio.Future[None] = loop.create_future()

                def readable() -> None:
                    if self._drain() and not done.done():
                        done.set_result(None)

                loop.add_reader(self.fd, readable)
                try:
                    await asyncio.wait_for(done, self.wait_s)
                except TimeoutError:
                    return None
                finally:
                    loop.remove_reader(self.fd)
            return self._parts()
        finally:
            self.close()

    def close(self) -> None:
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.fd = -1
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)

    def _drain(self) -> bool:
        """Read what the pipe holds; True at its end (or when it can no longer be read)."""
        while not self._eof:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                return False
            except OSError:
                chunk = b""
            if not chunk or len(self._data) + len(chunk) > _MAX_BYTES:
                self._eof = True
            else:
                self._data += chunk
        return True

    def _parts(self) -> Mapping[str, Any] | None:
        if not self._data:
            return None
        try:
            parts = pickle.loads(self._data)  # our own child's bytes, on a private pipe
        except Exception:  # a broken answer is no answer: poll as usual
            return None
        return parts if isinstance(parts, dict) else None


def start(config: Config) -> HeadStart | None:
    """The head start for the first window (`config.ui.window_s`); None where a fork is
    not safe or possible, and the app then polls as before."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    return fork_early(config, config.ui.window_s)


def fork_early(config: Config, window_s: float) -> HeadStart | None:
    """Fork the child that asks the early sections for `window_s` (None: no fork)."""
    wait_s = max(config.prometheus.auth.timeout_s, config.alertmanager.auth.timeout_s) + 2.0
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        _child(config, window_s, write_fd)
    os.close(write_fd)
    return HeadStart(pid, read_fd, window_s, wait_s)


def _child(config: Config, window_s: float, fd: int) -> None:
    try:
        # Nothing of the child's may reach the terminal, and the terminal's Ctrl+C (a
        # whole process group's) ends it quietly.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)
        from oncall_tui.poll import Poller

        async def early() -> Mapping[str, Any]:
            async with Poller(config) as poller:
                return await poller.poll_early(window_s)

        data = pickle.dumps(dict(asyncio.run(early())), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:  # the parent polls itself instead
        pass
    finally:
        os._exit(0)  # no atexit handlers, no flushing of the parent's copied buffers
