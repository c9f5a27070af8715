"""The measured package's byte code, written before a cold start is timed.

An installed oncall-tui has it: pip compiles every module at install. A checkout run
with PYTHONDONTWRITEBYTECODE set (as the shells of this project's machines have it)
writes none, so each start compiled all of `oncall_tui` from source again: ~0.1 s of
CPU that no user pays, in the first frame and in the head start's child alike.
"""

from __future__ import annotations

import compileall
from pathlib import Path

import oncall_tui


def compile_package(src: str | Path | None = None) -> None:
    """Byte-compile `oncall_tui` under `src` (a checkout's src/; default: the one this
    interpreter imports), where it has no up-to-date byte code yet."""
    root = Path(src) / "oncall_tui" if src else Path(oncall_tui.__file__).parent
    if not compileall.compile_dir(root, quiet=1):
        raise RuntimeError(f"could not byte-compile {root}")
