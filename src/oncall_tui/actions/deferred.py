"""The TUI's real backend, built once the first frame is on screen.

The poller and the actions (`poll.Poller`, `app_actions.LiveActions`) import httpx, the
sources, every section, the outbox and the runbook code: ~0.1 s of CPU that the first
frame does not need, since its data comes from the head start (head_start.py). These
stand in for them from the start and build them at the first call that needs them (the
first full poll, a minute before anyone can press `a`), the journal too (its import
and opening are ~25 ms more).

What stopped the TUI before it started still stops it, once it has started: a journal
that cannot be opened (`JournalError`: acks could be lost) and a source whose
credentials cannot be read when its client is made (`AuthSetupError`: an empty token
file, a CA file that does not load). `on_setup_error` lets the app end with it, and
`setup_error` keeps it for the caller's words and exit code. A journal set aside and
started afresh says so through `on_notice`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from oncall_tui.config_types import Config, Runbook
from oncall_tui.model.snapshot import Alert, Alerts, Snapshot
from oncall_tui.sources.errors import AuthSetupError

SetupError = Exception
"""`AuthSetupError` or `journal.JournalError` (not imported here: the journal is
imported only when it is opened)."""

if TYPE_CHECKING:
    from oncall_tui.actions.app_actions import LiveActions
    from oncall_tui.head_start import HeadStart
    from oncall_tui.journal import Journal
    from oncall_tui.poll import Poller


class DeferredBackend:
    """`poller` and `actions` (None when read-only, as `live_backend` has it: only there
    can the journal be missing), built together with the journal on first need."""

    def __init__(self, config: Config, head_start: HeadStart | None = None) -> None:
        self.config = config
        self.head_start = head_start
        self.journal: Journal | None = None
        self.setup_error: SetupError | None = None
        self.on_setup_error: Callable[[SetupError], object] | None = None
        self.on_notice: Callable[[str], object] | None = None
        self._poller: Poller | None = None
        self._live: LiveActions | None = None
        self.poller = DeferredPoller(self)
        self.actions = None if config.read_only else DeferredActions(self)

    @property
    def built(self) -> bool:
        return self._poller is not None

    def real_poller(self) -> Poller:
        if self._poller is None:
            self._build()
        assert self._poller is not None
        return self._poller

    def real_actions(self) -> LiveActions:
        if self._poller is None:
            self._build()
        assert self._live is not None
        return self._live

    def close(self) -> None:
        """Close the journal (at exit; the poller is closed by the app)."""
        if self.journal is not None:
            self.journal.close()

    def _build(self) -> None:
        if self.setup_error is not None:
            raise self.setup_error  # the app is ending with it
        from oncall_tui.actions.app_actions import LiveActions
        from oncall_tui.journal import JournalError
        from oncall_tui.journal.recover import open_journal
        from oncall_tui.poll import Poller

        try:
            if self.journal is None:
                self.journal = open_journal(self.config)
                if self.journal is not None and self.journal.notice and self.on_notice:
                    self.on_notice(self.journal.notice)
            poller = Poller(self.config, journal=self.journal)
        except (AuthSetupError, JournalError) as e:
            self.setup_error = e
            if self.on_setup_error is not None:
                self.on_setup_error(e)
            raise
        if self.actions is not None and self.journal is not None:
            self._live = LiveActions(self.config, poller.alertmanager, self.journal)
        self._poller = poller


class DeferredPoller:
    """A `PollerLike` whose first `poll_early` is the head start's answer (nothing is
    built for it); everything else is the real Poller's."""

    def __init__(self, backend: DeferredBackend) -> None:
        self.backend = backend

    async def poll_early(self, window_s: float) -> Mapping[str, object]:
        head, self.backend.head_start = self.backend.head_start, None
        if head is not None:
            parts = await head.parts() if head.window_s == window_s else None
            head.close()
            if parts is not None:
                return parts
        return await self.backend.real_poller().poll_early(window_s)

    def early_ready(self, window_s: float) -> Mapping[str, object] | None:
        head = self.backend.head_start
        if head is None or head.window_s != window_s:
            return None
        parts = head.ready()
        if parts is not None:
            self.backend.head_start = None
            head.close()
        return parts

    async def poll(self, window_s: float) -> Snapshot:
        return await self.backend.real_poller().poll(window_s)

    async def poll_alerts(self) -> Alerts:
        return await self.backend.real_poller().poll_alerts()

    def invalidate_history(self) -> None:
        if self.backend.built:  # else the first poll reads the history anyway
            self.backend.real_poller().invalidate_history()

    async def aclose(self) -> None:
        if self.backend.head_start is not None:
            self.backend.head_start.close()
        if self.backend.built:
            await self.backend.real_poller().aclose()


class DeferredActions:
    """An `AppActions` on the real LiveActions, built at the first call but one:
    before the first full poll no alert is on screen, so none can be pending."""

    def __init__(self, backend: DeferredBackend) -> None:
        self.backend = backend

    def pending_fingerprints(self) -> set[str]:
        if not self.backend.built:
            return set()
        return self.backend.real_actions().pending_fingerprints()

    async def ack(
        self, alerts: Sequence[Alert], duration_s: float, comment: str, until_resolved: bool
    ) -> str:
        return await self.backend.real_actions().ack(alerts, duration_s, comment, until_resolved)

    async def unack(self, alert: Alert, silence_id: str) -> str:
        return await self.backend.real_actions().unack(alert, silence_id)

    async def expire_silence(self, silence_id: str, fingerprints: Sequence[str]) -> str:
        return await self.backend.real_actions().expire_silence(silence_id, fingerprints)

    async def withdraw_pending(self, alert: Alert) -> str:
        return await self.backend.real_actions().withdraw_pending(alert)

    def runbooks_for(self, alert: Alert) -> list[Runbook]:
        return self.backend.real_actions().runbooks_for(alert)

    async def run_runbook(
        self, runbook: Runbook, alert: Alert, on_output: Callable[[str], None]
    ) -> str:
        return await self.backend.real_actions().run_runbook(runbook, alert, on_output)

    async def after_poll(self, snapshot: Snapshot) -> list[str]:
        return await self.backend.real_actions().after_poll(snapshot)


__all__ = ["DeferredActions", "DeferredBackend", "DeferredPoller"]
