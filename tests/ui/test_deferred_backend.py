"""The TUI's real backend built after its first frame (actions/deferred.py): nothing is
built, not even the journal, for the head start's answer or before the first poll;
read-only runs have no actions, as `live_backend` has it; and what stopped the TUI
before it started (a journal that cannot be opened, credentials that cannot be read)
ends the app with exit code 2, the error kept for the CLI's words."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from oncall_tui.actions.deferred import DeferredActions, DeferredBackend
from oncall_tui.config import load_config
from oncall_tui.config_types import Config
from oncall_tui.demo.servers import free_port
from oncall_tui.journal import JournalError
from oncall_tui.sources.errors import AuthSetupError
from oncall_tui.ui.app import live_app
from waiting import until


def _refused(tmp_path: Path, extra: str = "") -> Config:
    """Sources on ports nobody listens on (loopback: refused at once), a journal of
    the test's own."""
    path = tmp_path / "config.toml"
    path.write_text(
        f'journal = "{tmp_path / "journal.sqlite3"}"\n'
        f'[prometheus]\nurl = "http://127.0.0.1:{free_port()}"\n{extra}\n'
        f'[alertmanager]\nurls = ["http://127.0.0.1:{free_port()}"]\n'
    )
    return load_config(str(path), {}, {})


def test_actions_exist_unless_read_only(tmp_path: Path) -> None:
    config = _refused(tmp_path)
    assert isinstance(DeferredBackend(config).actions, DeferredActions)
    assert DeferredBackend(replace(config, read_only=True)).actions is None


async def test_nothing_is_built_before_a_poll_needs_it(tmp_path: Path) -> None:
    config = _refused(tmp_path)
    backend = DeferredBackend(config)
    try:
        assert backend.actions is not None
        assert backend.actions.pending_fingerprints() == set()  # no alert shown yet
        backend.poller.invalidate_history()  # `R` before the first poll
        assert not backend.built and backend.journal is None
        assert not (tmp_path / "journal.sqlite3").exists()
        snap = await backend.poller.poll(3600.0)
        assert backend.built and backend.journal is not None
        assert backend.journal.path == config.journal_path
        assert not snap.sources["prometheus"].ok  # refused, in words
        assert "refused" in (snap.sources["prometheus"].error or "")
        assert backend.actions.pending_fingerprints() == set()  # now the outbox's
        assert await backend.actions.after_poll(snap) == []
    finally:
        await backend.poller.aclose()
        backend.close()


async def test_a_journal_set_aside_says_so(tmp_path: Path) -> None:
    config = _refused(tmp_path)
    Path(config.journal_path or "").write_bytes(b"not a database, but long enough" * 40)
    backend = DeferredBackend(config)
    notices: list[str] = []
    backend.on_notice = notices.append
    try:
        await backend.poller.poll(3600.0)
    finally:
        await backend.poller.aclose()
        backend.close()
    (notice,) = notices
    assert "a new, empty journal was started" in notice


def _unreadable_token(tmp_path: Path) -> Config:
    token = tmp_path / "token"
    token.write_text("\n")  # there (the config accepts it) but empty
    return _refused(tmp_path, f'bearer_token_file = "{token}"')


async def test_unreadable_credentials_are_the_setup_error(tmp_path: Path) -> None:
    backend = DeferredBackend(_unreadable_token(tmp_path))
    told: list[Exception] = []
    backend.on_setup_error = told.append
    with pytest.raises(AuthSetupError, match="is empty"):
        await backend.poller.poll(3600.0)
    assert told == [backend.setup_error] and backend.setup_error is not None
    assert "prometheus" in str(backend.setup_error)
    with pytest.raises(AuthSetupError):  # the same error again, nothing built
        await backend.poller.poll_alerts()
    backend.close()


def _journal_in_a_directory(tmp_path: Path) -> Config:
    where = tmp_path / "journal-is-a-dir"
    where.mkdir()
    return replace(_refused(tmp_path), journal_path=str(where))


@pytest.mark.parametrize("broken", [_unreadable_token, _journal_in_a_directory])
async def test_the_app_ends_with_exit_code_2_on_a_setup_error(
    tmp_path: Path, broken: object
) -> None:
    assert callable(broken)
    backend = DeferredBackend(broken(tmp_path))
    app = live_app(backend.config, backend)
    async with app.run_test(size=(160, 48)) as pilot:
        await until(lambda: not app.is_running, pilot, 10.0, "the app to end")
    backend.close()
    assert app.return_code == 2
    assert isinstance(backend.setup_error, AuthSetupError | JournalError)
