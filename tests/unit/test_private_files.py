"""The journal is readable by its owner only: directory 0700, db / -wal / -shm 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_tui.journal import Journal
from oncall_tui.private_files import make_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual 022 umask, which would leave new files 0644 and directories 0755."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_a_new_journal_is_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "oncall-tui" / "journal.sqlite3"
    journal = Journal(path)
    try:
        journal.runs.started("r", "true", "alice@host", 1.0, None)  # something to write
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        assert all(f.exists() for f in files), sorted(p.name for p in path.parent.iterdir())
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(path.parent) == 0o700 and mode(path.parent.parent) == 0o700
    finally:
        journal.close()


def test_an_old_world_readable_journal_is_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "oncall-tui"
    directory.mkdir(mode=0o755)
    path = directory / "journal.sqlite3"
    Journal(path).close()
    for f in (path, path.with_name(path.name + "-wal")):
        f.touch()
        f.chmod(0o644)
    directory.chmod(0o755)
    Journal(path).close()
    assert mode(path) == 0o600 and mode(directory) == 0o700
    assert all(mode(f) == 0o600 for f in directory.iterdir())


def test_a_shared_directory_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    make_private(shared / "j.sqlite3")
    assert mode(shared) == 0o1777  # not ours to change (think /tmp)
    assert mode(shared / "j.sqlite3") == 0o600
