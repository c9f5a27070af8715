"""The terminal driver: Textual's Linux driver, with a lone Esc answered when its wait ends.

An arrow key is Esc followed by more bytes, so after an Esc the key parser waits
ESCDELAY for the rest. Textual's input thread only checks that wait between select()
calls of 0.1 s, so every Esc (closing a dialog, clearing the filter: the keys pressed
most in an outage) was answered ~100 ms late whatever ESCDELAY said. Here the thread
sleeps in select() only until the parser's deadline.

The wait itself is 25 ms unless ESCDELAY says otherwise: a terminal writes a key's
sequence in one piece and SSH carries it in one packet, so its bytes arrive together
(Neovim waits 50 ms, tmux 10 ms). On a link that splits sequences, `ESCDELAY=100` (or
more) keeps arrow keys whole.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from collections.abc import Callable, Mapping

from textual import constants
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

ESCAPE_DELAY_S = 0.025
"""The wait after a lone Esc when ESCDELAY (milliseconds) is not set."""

_IDLE_S = 0.1
"""The longest select() wait with no Esc pending: how soon the thread sees it must end."""


def escape_delay_s(environ: Mapping[str, str]) -> float:
    """ESCDELAY read as curses and Textual read it (whole milliseconds, at least 1);
    our default when it is not set or not a number."""
    try:
        return max(1, int(environ["ESCDELAY"])) / 1000.0
    except (KeyError, ValueError):
        return ESCAPE_DELAY_S


def select_timeout(deadline: float | None, now: float) -> float:
    """How long the input thread may wait for a byte: until a pending Esc's deadline
    (zero once it has passed), else `_IDLE_S`."""
    if deadline is None:
        return _IDLE_S
    return min(_IDLE_S, max(0.0, deadline - now))


class PromptEscapeDriver(LinuxDriver):
    """LinuxDriver whose input thread answers a lone Esc as soon as its wait is over."""

    def run_input_thread(self) -> None:
        # Textual's parser reads the delay at every Esc, from its constants module.
        setattr(constants, "ESCAPE_DELAY", escape_delay_s(os.environ))  # noqa: B010 (Final)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        with selectors.SelectSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            try:
                while not self.exit_event.is_set():
                    if not self._read(parser, decode, selector, final=False):
                        # The terminal is gone (a hangup) or stdin at its end: select()
                        # would say "readable" at once forever, a busy loop. Nothing
                        # more can come; wait for the app to end.
                        self.exit_event.wait()
                        return
                self._read(parser, decode, selector, final=True)
            finally:
                try:
                    for _ in parser.feed(""):
                        pass
                except (EOFError, ParseError):
                    pass

    def _read(
        self,
        parser: XTermParser,
        decode: Callable[..., str],
        selector: selectors.BaseSelector,
        *,
        final: bool,
    ) -> bool:
        """One wait for input: parse what came, then whatever timed out (a lone Esc).
        False at the input's end."""
        ready = selector.select(select_timeout(parser._timeout_time, get_time()))
        for n, _ in enumerate(ready):
            try:
                data = os.read(self.fileno, 4096)
            except OSError:  # EIO: the terminal hung up
                data = b""
            if not data:
                return False
            text = decode(data, final=final and n == len(ready) - 1)
            for event in parser.feed(text):
                self.process_message(event)
        for event in parser.tick():
            self.process_message(event)
        return True
