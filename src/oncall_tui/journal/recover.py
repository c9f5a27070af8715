"""Opening the journal without ever dying of it: a damaged file, or one written by a
newer oncall-tui, is moved aside (kept, with its WAL, for a look or for that newer
version) and a fresh journal is started, with a message that says what happened.
Older schemas are upgraded in place by `Journal` itself (its migrations)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from oncall_tui.config_types import Config
from oncall_tui.journal import Journal, JournalError, default_journal_path

_SIDE_FILES = ("-wal", "-shm", "-journal")


def open_or_set_aside(path: Path) -> tuple[Journal, str | None]:
    """The journal at `path`, and a message when the old one had to be set aside.
    Raises JournalError when even a fresh journal cannot be made there (e.g. no
    permission), or for trouble that is not the file's (a lock held too long)."""
    try:
        return Journal(path), None
    except JournalError as e:
        if e.kind not in ("corrupt", "newer") or not path.exists():
            raise
        reason = "damaged" if e.kind == "corrupt" else "newer"
        aside = _aside_name(path, reason)
        os.replace(path, aside)
        for suffix in _SIDE_FILES:
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
        journal = Journal(path)
        journal.notice = (
            f"{e}. It was moved to {aside} and a new, empty journal was started: earlier "
            "acks, runs and incidents are in the old file."
        )
        return journal, journal.notice


def _aside_name(path: Path, reason: str) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    candidate = path.with_name(f"{path.name}.{reason}-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{reason}-{stamp}-{n}")
    return candidate


def open_journal(config: Config) -> Journal | None:
    """The journal of `config` (created when missing). Read-only mode never creates one
    and runs without it when it cannot be read. A damaged or newer journal is set aside
    and a fresh one started (`journal.notice` says so). Raises JournalError otherwise:
    acks without a journal could be lost, so the caller says so instead of going on."""
    path = Path(config.journal_path) if config.journal_path else default_journal_path()
    if config.read_only:
        if not path.is_file():
            return None
        try:
            return Journal(path)
        except JournalError:
            return None
    return open_or_set_aside(path)[0]
