"""Textual `Binding`s built from the key table (ui/keys.py)."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from oncall_tui.ui.keys import Key, keys_of


def binding(key: Key) -> Binding:
    return Binding(
        key.key,
        key.action,
        key.description,
        show=key.show,
        key_display=key.key_display,
        id=key.id,
        tooltip=key.tooltip,
    )


def bindings(scope: str) -> list[BindingType]:
    """The BINDINGS of the class that holds `scope`'s keys."""
    return [binding(k) for k in keys_of(scope)]
