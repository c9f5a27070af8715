"""Files only their owner may read: the journal holds runbook output and ack history.

`make_private(path)` prepares `path`'s directory (created 0700) and the file itself
(created, or tightened, to 0600) before SQLite opens it; SQLite gives the `-wal` and
`-shm` files it creates the database file's mode, and those that already exist are
tightened here too.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")


def _tighten(path: Path, mode: int) -> None:
    """chmod `path` to `mode` if it is ours and lets others in (never someone else's)."""
    with contextlib.suppress(OSError):
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
            path.chmod(mode)


def make_private(path: Path) -> None:
    """Create `path`'s missing directories 0700 and `path` itself 0600 (empty), and
    tighten an existing file of ours (and its SQLite side files) to 0600. A directory
    that already existed keeps its mode unless it is ours and named for this tool (the
    default state directory, made 0755 by older versions): `journal = "/tmp/j.db"`
    must not chmod /tmp."""
    parent = path.parent
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=DIR_MODE, exist_ok=True)
        directory.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask
    if not missing and parent.name == "oncall-tui":
        _tighten(parent, DIR_MODE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for file in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
        if file.exists():
            _tighten(file, FILE_MODE)
