"""Fixtures for the UI tests: a fake poller, a fixed clock, UTC times."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from textual.widgets import Input

from oncall_tui.config_types import Config, UiConfig
from oncall_tui.model.snapshot import Alerts, Snapshot

from .factories import NOW, snapshot


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    # Incident start times are local clock times; snapshots must not depend on TZ.
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture(autouse=True)
def _steady_cursor(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    # An SVG snapshot must not catch an input's cursor mid-blink: on a busy machine the
    # screenshot comes more than the 0.5 s blink after the focus and the cursor is gone.
    if "snap_compare" in request.fixturenames:
        monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@dataclass
class FakeClock:
    now: float = NOW

    def __call__(self) -> float:
        return self.now


@dataclass
class FakePoller:
    """Answers each poll with the next item of `script` (the last one repeats): a
    Snapshot, an exception to raise, or a callable window_s -> Snapshot."""

    script: list[Snapshot | BaseException | Callable[[float], Snapshot]] = field(
        default_factory=lambda: [snapshot()]
    )
    windows: list[float] = field(default_factory=list)
    calls: int = 0
    delay_s: float = 0.0
    closed: bool = False
    invalidated: int = 0
    early: dict[str, object] = field(default_factory=dict)
    early_at_once: bool = False
    """`early` is here before the app asks (a head start): `early_ready` gives it."""
    alerts_delay_s: float = 0.0

    async def poll(self, window_s: float) -> Snapshot:
        self.windows.append(window_s)
        item = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if isinstance(item, BaseException):
            raise item
        if callable(item):
            return item(window_s)
        return item

    async def poll_early(self, window_s: float) -> dict[str, object]:
        """`early` (none by default: the first view is the first poll's)."""
        return dict(self.early)

    def early_ready(self, window_s: float) -> dict[str, object] | None:
        return dict(self.early) if self.early_at_once else None

    async def poll_alerts(self) -> Alerts:
        """The alerts of the script item the last poll answered."""
        item = self.script[max(0, min(self.calls - 1, len(self.script) - 1))]
        if self.alerts_delay_s:
            await asyncio.sleep(self.alerts_delay_s)
        if isinstance(item, BaseException):
            raise item
        window = self.windows[-1] if self.windows else 3600.0
        return (item(window) if callable(item) else item).alerts

    def invalidate_history(self) -> None:
        self.invalidated += 1

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config() -> Config:
    # A long refresh: tests poll explicitly (R, window keys) unless they shorten it.
    return Config(refresh_s=3600.0, user="tester@host", ui=UiConfig(theme="oncall-dark"))
