"""An Input whose editing keys keep their place among typed characters.

Textual 8.2 inserts printable keys in the widget's own key handler but runs bound keys
(backspace, arrows, ctrl+u...) only after the key has bubbled up to the app. When keys
arrive in one read, as they do over SSH or from a paste of keystrokes, a character typed
after a backspace can land before it ("3m" becomes "" in the ack dialog). Upstream:
Textualize/textual#6605. Here the Input's own (non-priority) bindings run inline, in
order, and the key stops there, so it is not acted on twice.
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import Input


class OrderedInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for key in (event.key, *event.aliases):
                binding = self._own_binding(key)
                if binding is not None:
                    event.stop()
                    event.prevent_default()
                    await self.run_action(binding.action)
                    return
        await super()._on_key(event)

    def _own_binding(self, key: str) -> Binding | None:
        bindings = self._bindings.key_to_bindings.get(key, [])
        return next((b for b in bindings if not b.priority), None)
