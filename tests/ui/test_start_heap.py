"""The real TUI leaves its start-up heap out of later garbage collections (gc.freeze
after the first frame); apps made by tests, many to a process, do not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from oncall_tui.config_types import Config
from oncall_tui.ui.app import make_app
from waiting import until

from .conftest import FakeClock, FakePoller
from .test_app_keys import started


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process keeps collecting everything


async def test_the_start_heap_is_frozen_after_the_first_frame(
    config: Config, unfrozen: None
) -> None:
    app = make_app(config, FakePoller(), clock=FakeClock())
    app.freeze_start_heap = True  # as run_app does
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: gc.get_freeze_count() > 0, pilot)
        frozen = gc.get_freeze_count()
        await started(app, pilot)
        await pilot.press("R")
        await until(lambda: not app.polling, pilot)
        # Once: what polls make afterwards is collected as before (frozen objects
        # freed by their reference counts leave the count).
        assert gc.get_freeze_count() <= frozen


async def test_an_app_made_by_make_app_freezes_nothing(config: Config, unfrozen: None) -> None:
    app = make_app(config, FakePoller(), clock=FakeClock())
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await pilot.press("R")
        await until(lambda: not app.polling, pilot)
        assert gc.get_freeze_count() == 0
