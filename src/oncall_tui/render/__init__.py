"""Output of `oncall-tui snapshot`: a Snapshot as JSON-ready data or as Rich tables.

`to_json` / `to_text` are the names docs/DESIGN.md uses; `snapshot_to_json` /
`snapshot_to_text` are the same functions.
"""

from __future__ import annotations

from oncall_tui.render.json_out import snapshot_to_json
from oncall_tui.render.text_out import make_console, snapshot_to_text

to_json = snapshot_to_json
to_text = snapshot_to_text

__all__ = ["make_console", "snapshot_to_json", "snapshot_to_text", "to_json", "to_text"]
