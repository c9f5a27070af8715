"""The key footer, rebuilt only when the keys it shows changed.

Textual's Footer recomposes (unmounts and mounts a widget per key, each restyled) on
every bindings signal of its screen: each focus move, each screen resume, each
`refresh_bindings`. Most of those leave the shown keys as they were (Tab from the
latency panel to the breakers), or only grey them out and back (a dialog opens over
the overview, then closes), yet each cost a restyle of the whole footer: with an alert
storm on the loop, the slowest part of an Escape. Here the same keys keep their
widgets, and a key that only turned on or off changes its one class.
"""

from __future__ import annotations

from typing import NamedTuple

from textual.screen import ModalScreen, Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class ShownKeys(NamedTuple):
    """What a footer on a screen shows: each shown binding (key, key display, words,
    action, tooltip), in order, and whether each is enabled."""

    layout: tuple[tuple[str, str | None, str, str, str], ...]
    enabled: tuple[bool, ...]


def shown_keys(screen: Screen[object]) -> ShownKeys:
    shown = [
        ((b.key, b.key_display, b.description, b.action, tip), enabled)
        for _node, b, enabled, tip in screen.active_bindings.values()
        if b.show
    ]
    return ShownKeys(tuple(s for s, _ in shown), tuple(e for _, e in shown))


def on_display(screen: Screen[object]) -> bool:
    """Whether `screen` is drawn: it is the current one, or only dialogs (drawn over
    it, with it dimmed behind) are above it."""
    stack = screen.app.screen_stack
    if screen not in stack:
        return False
    return all(isinstance(s, ModalScreen) for s in stack[stack.index(screen) + 1 :])


class KeyFooter(Footer):
    """A Footer that recomposes only when the shown keys themselves changed."""

    _shown: ShownKeys | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        # Footer recomposes only when all three hold; then the keys it will show are
        # the ones active now.
        will_compose = screen.app.app_focus and self.is_attached and screen is self.screen
        if not will_compose:
            super().bindings_changed(screen)
            return
        if not on_display(screen):
            # Under a full page (the incidents, a detail view): greying keys nobody
            # sees costs a restyle now and another on return; the screen announces
            # its keys again when it is resumed.
            return
        keys = shown_keys(screen)
        shown, self._shown = self._shown, keys
        if not self._bindings_ready or shown is None or keys.layout != shown.layout:
            super().bindings_changed(screen)
        elif keys.enabled != shown.enabled:
            self._set_enabled(keys)

    def _set_enabled(self, keys: ShownKeys) -> None:
        # Footer shows the first binding of each action, keyed here as it shows them.
        enabled: dict[tuple[str, str], bool] = {}
        for (key, _, _, action, _), on in zip(keys.layout, keys.enabled, strict=True):
            enabled.setdefault((key, action), on)
        for widget in self.query(FooterKey):
            off = not enabled.get((widget.key, widget.action), not widget._disabled)
            if off != widget._disabled:
                widget._disabled = off  # what a click on it checks
                widget.set_class(off, "-disabled")
