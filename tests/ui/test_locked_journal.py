"""A journal locked by another copy of the tool (a real second SQLite connection holding
the write lock) delays an ack, never the screen: the app keeps answering keys while the
write waits in its worker thread, and the ack goes out once the lock is released."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration import Peer
from oncall_tui.ui.screens.detail import AlertDetailScreen

from .live_pilot import (
    USER,
    close_am_http,
    live_app,
    live_config,
    messages,
    need_alertmanager,
    post_alert,
    select_alert,
    shown_alert,
    silences_of,
    unique_labels,
    until,
)

pytestmark = pytest.mark.servers


@pytest.fixture
def am(tmp_path: Path) -> Iterator[Peer]:
    need_alertmanager()
    peer = Peer(tmp_path / "am")
    yield peer
    peer.close()
    close_am_http()


async def test_an_ack_waits_for_a_locked_journal_while_the_screen_answers(
    am: Peer, tmp_path: Path
) -> None:
    labels = unique_labels()
    post_alert(am.url, labels)
    config = live_config(tmp_path, [am.url])
    assert config.journal_path is not None
    async with live_app(config) as (app, pilot, _journal):
        alert = await select_alert(app, pilot, labels["alertname"])
        other = sqlite3.connect(config.journal_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the other copy, mid-write
        try:
            await pilot.press("a")
            # The screen answers while the lock is held: keys open the detail view and
            # go back. (Had the write blocked the event loop, these keys would wait for
            # the busy timeout, and the ack would then fail: "database is locked".)
            await pilot.press("enter")
            await until(lambda: isinstance(app.screen, AlertDetailScreen), pilot, 5, "detail")
            await pilot.press("escape")
            await until(lambda: app.screen is app.overview, pilot, 5, "back to the overview")
            # Journal first: nothing was sent while the ack could not be written.
            assert silences_of(am.url, labels["alertname"]) == []
        finally:
            other.execute("ROLLBACK")
            other.close()
        await until(lambda: silences_of(am.url, labels["alertname"]), pilot, 8, "the silence")

        def acked() -> bool:
            shown = shown_alert(app, labels["alertname"])
            return shown is not None and shown.acked_by == USER

        await until(acked, pilot, 8, "acked on screen")
        assert alert.fingerprint in app.overview.alerts.table.rows
        assert not [m for m in messages(app) if "locked" in m]
