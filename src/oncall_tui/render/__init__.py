"""Output of `oncall-tui snapshot`: a Snapshot as JSON-ready data or as Rich tables.

`to_json` / `to_text` are the names docs/DESIGN.md uses; `snapshot_to_json` /
`snapshot_to_text` are the same functions. The text side (and Rich with it) is loaded
only when asked for, so `snapshot --format json` does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oncall_tui.render.json_out import snapshot_to_json

if TYPE_CHECKING:
    from oncall_tui.render.text_out import make_console, snapshot_to_text

    to_text = snapshot_to_text

to_json = snapshot_to_json

__all__ = ["make_console", "snapshot_to_json", "snapshot_to_text", "to_json", "to_text"]


def __getattr__(name: str) -> Any:
    if name in ("make_console", "snapshot_to_text", "to_text"):
        from oncall_tui.render import text_out

        return getattr(text_out, "snapshot_to_text" if name == "to_text" else name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
