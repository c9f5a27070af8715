"""The TUI's real backend built after its first frame (actions/deferred.py): nothing is
built for the head start's answer or before the first poll; read-only and journal-less
runs have no actions, as `live_backend` has it; and credentials that cannot be read when
the poller is built end the app with exit code 2, the error kept for the CLI's words."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from oncall_tui.actions.deferred import DeferredActions, DeferredBackend
from oncall_tui.config import load_config
from oncall_tui.config_types import Config
from oncall_tui.demo.servers import free_port
from oncall_tui.journal import Journal
from oncall_tui.sources.errors import AuthSetupError
from oncall_tui.ui.app import live_app
from waiting import until


def _refused(tmp_path: Path, extra: str = "") -> Config:
    """Sources on ports nobody listens on (loopback: refused at once)."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'[prometheus]\nurl = "http://127.0.0.1:{free_port()}"\n{extra}\n'
        f'[alertmanager]\nurls = ["http://127.0.0.1:{free_port()}"]\n'
    )
    return load_config(str(path), {}, {})


def test_actions_exist_only_with_a_journal_and_not_read_only(
    config: Config, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    try:
        assert isinstance(DeferredBackend(config, journal).actions, DeferredActions)
        assert DeferredBackend(replace(config, read_only=True), journal).actions is None
        assert DeferredBackend(config, None).actions is None
    finally:
        journal.close()


async def test_nothing_is_built_before_a_poll_needs_it(config: Config, tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    backend = DeferredBackend(_refused(tmp_path), journal)
    try:
        assert backend.actions is not None
        assert backend.actions.pending_fingerprints() == set()  # no alert shown yet
        backend.poller.invalidate_history()  # `R` before the first poll
        assert not backend.built
        snap = await backend.poller.poll(3600.0)
        assert backend.built and not snap.sources["prometheus"].ok  # refused, in words
        assert "refused" in (snap.sources["prometheus"].error or "")
        assert backend.actions.pending_fingerprints() == set()  # now the outbox's
        assert await backend.actions.after_poll(snap) == []
    finally:
        await backend.poller.aclose()
        journal.close()


def _unreadable_token(tmp_path: Path) -> Config:
    token = tmp_path / "token"
    token.write_text("\n")  # there (the config accepts it) but empty
    return _refused(tmp_path, f'bearer_token_file = "{token}"')


async def test_unreadable_credentials_are_the_setup_error(tmp_path: Path) -> None:
    backend = DeferredBackend(_unreadable_token(tmp_path), None)
    told: list[AuthSetupError] = []
    backend.on_setup_error = told.append
    with pytest.raises(AuthSetupError, match="is empty"):
        await backend.poller.poll(3600.0)
    assert told == [backend.setup_error] and backend.setup_error is not None
    assert "prometheus" in str(backend.setup_error)


async def test_the_app_ends_with_exit_code_2_on_a_setup_error(tmp_path: Path) -> None:
    backend = DeferredBackend(_unreadable_token(tmp_path), None)
    app = live_app(backend.config, backend)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: not app.is_running, pilot, 10.0, "the app to end")
    assert app.return_code == 2
    assert backend.setup_error is not None and "is empty" in str(backend.setup_error)
