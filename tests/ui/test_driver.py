"""The terminal driver's input thread (ui/driver.py) on a real pty: keys come through
whole, a lone Esc is answered when the parser's wait ends, not at the next 0.1 s poll."""

from __future__ import annotations

import os
import pty
import queue
import signal
import threading
import tty as termios_tty
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual import constants, events
from textual.app import App
from textual.message import Message

from oncall_tui.config_types import Config
from oncall_tui.ui.app import make_app
from oncall_tui.ui.driver import (
    _IDLE_S,
    ESCAPE_DELAY_S,
    PromptEscapeDriver,
    escape_delay_s,
    select_timeout,
)

from .conftest import FakePoller


class Recording(PromptEscapeDriver):
    """The driver with its events kept here instead of sent to an app."""

    def __init__(self, app: App[object], fileno: int) -> None:
        super().__init__(app)
        self.fileno = fileno
        self.events: queue.Queue[Message] = queue.Queue()

    def process_message(self, message: Message) -> None:
        self.events.put(message)


@pytest.fixture
async def keyboard() -> AsyncIterator[tuple[int, Recording]]:
    """(the terminal's end of a pty, a running driver reading the other end); async
    because a driver is made inside the app's event loop."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}
    delay = constants.ESCAPE_DELAY
    terminal, tty = pty.openpty()
    termios_tty.setraw(tty)  # as the driver's application mode has it: no line buffering
    driver = Recording(App(), tty)
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    try:
        yield terminal, driver
    finally:
        driver.exit_event.set()
        thread.join(5)
        os.close(terminal)
        os.close(tty)
        setattr(constants, "ESCAPE_DELAY", delay)  # noqa: B010 (Textual's Final)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def keys(driver: Recording, n: int) -> list[str]:
    return [_key(driver.events.get(timeout=5)) for _ in range(n)]


def _key(message: Message) -> str:
    assert isinstance(message, events.Key), message
    return message.key


async def test_a_lone_escape_and_the_keys_around_it_arrive_as_typed(
    keyboard: tuple[int, Recording],
) -> None:
    terminal, driver = keyboard
    os.write(terminal, b"/dis")
    assert keys(driver, 4) == ["slash", "d", "i", "s"]
    os.write(terminal, b"\x1b")  # nothing follows: Escape, after the wait
    assert keys(driver, 1) == ["escape"]
    os.write(terminal, b"\x1b[B\x1b[A\x1b[Z")  # whole sequences: never Escape + letters
    assert keys(driver, 3) == ["down", "up", "shift+tab"]
    os.write(terminal, b"\x1b")
    assert keys(driver, 1) == ["escape"]
    assert driver.events.empty()


async def test_the_running_driver_sets_the_parser_s_escape_delay(
    keyboard: tuple[int, Recording],
) -> None:
    terminal, driver = keyboard
    os.write(terminal, b"x")
    assert keys(driver, 1) == ["x"]  # the thread is running
    assert escape_delay_s(os.environ) == constants.ESCAPE_DELAY


@pytest.mark.parametrize(
    ("environ", "seconds"),
    [
        ({}, ESCAPE_DELAY_S),
        ({"ESCDELAY": "250"}, 0.25),
        ({"ESCDELAY": "0"}, 0.001),  # at least 1 ms, as Textual has it
        ({"ESCDELAY": "soon"}, ESCAPE_DELAY_S),
    ],
)
def test_escdelay_is_milliseconds_and_ours_is_the_default(
    environ: dict[str, str], seconds: float
) -> None:
    assert escape_delay_s(environ) == seconds


@given(
    deadline=st.none() | st.floats(-1e3, 1e3, allow_nan=False),
    now=st.floats(-1e3, 1e3, allow_nan=False),
)
def test_the_input_thread_waits_no_longer_than_a_pending_escape(
    deadline: float | None, now: float
) -> None:
    wait = select_timeout(deadline, now)
    assert 0.0 <= wait <= _IDLE_S
    if deadline is None:
        assert wait == _IDLE_S
    else:
        assert wait <= max(0.0, deadline - now)  # never sleeps past a pending Esc
        assert wait > 0.0 or deadline <= now  # nor spins before it


def test_the_app_runs_on_the_prompt_driver(config: Config) -> None:
    assert make_app(config, FakePoller()).driver_class is PromptEscapeDriver


async def test_a_hung_up_terminal_ends_the_reading_not_a_busy_loop() -> None:
    """Over SSH the terminal goes when the link drops: select() then says "readable"
    at once forever and a read gives nothing. The thread stops reading (it spun at
    half a core, for hours, in `oncall-tui demo`, which outlives a hangup to stop its
    servers) and waits for the app to end."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTSTP, signal.SIGCONT)}
    reads: list[bool] = []

    class Counting(Recording):
        def _read(self, *args: object, **kwargs: object) -> bool:
            reads.append(super()._read(*args, **kwargs))  # type: ignore[arg-type]
            return reads[-1]

    terminal, tty = pty.openpty()
    termios_tty.setraw(tty)
    driver = Counting(App(), tty)
    thread = threading.Thread(target=driver.run_input_thread, daemon=True)
    thread.start()
    try:
        os.write(terminal, b"a")
        assert keys(driver, 1) == ["a"]
        os.close(terminal)  # the hangup
        threading.Event().wait(0.5)
        assert reads[-1] is False
        assert len(reads) < 20  # a busy loop reads thousands of times in 0.5 s
        assert thread.is_alive()  # waiting for the app's end, not gone on its own
        driver.exit_event.set()
        thread.join(5)
        assert not thread.is_alive()
    finally:
        driver.exit_event.set()
        os.close(tty)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
