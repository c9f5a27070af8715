"""`S`: the Alertmanager's active and pending silences, what each mutes, and expiring one.

An on-call engineer checks this before acking: whose maintenance window mutes what,
and until when. Each row: state, ack or silence, end (or start), author, how many
current alerts it mutes, matchers, comment. Enter opens one (every field and the alerts
it mutes); `x` expires it after a confirmation that shows what it would unmute, whose
Enter answers No. In read-only mode `x` does not exist.

`silence_facts` is also the body of `u`'s confirmation (ui/commands.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from oncall_tui.config_types import Config
from oncall_tui.durations import format_age, format_duration
from oncall_tui.model.silences import active_or_pending, matchers_text, muted_alerts
from oncall_tui.model.snapshot import Alert, Silence, Snapshot
from oncall_tui.text import clean, clean_excerpt
from oncall_tui.ui.actions_protocol import AppActions
from oncall_tui.ui.bindings import bindings
from oncall_tui.ui.store import ViewStore

from .detail import DetailScreen, app_now, kv_grid, literal, local_time

COLUMNS = ("State", "Kind", "Ends", "Author", "Mutes", "Comment", "Matchers")
MAX_NAMED = 6
"""How many muted alerts a confirmation names before "+N more"."""


def _alert_name(a: Alert) -> str:
    rest = ", ".join(f"{k}={v}" for k, v in sorted(a.labels.items()) if k != "alertname")
    return f"{a.alertname} {{{rest}}}" if rest else a.alertname


def ends_text(s: Silence, now: float) -> str:
    """ "in 59m" for an active silence, "starts in 5m" for a pending one."""
    if s.state == "pending":
        return f"starts in {format_duration(max(0, round(s.starts_at - now)))}"
    return f"in {format_duration(max(0, round(s.ends_at - now)))}"


def silence_facts(
    s: Silence, mutes: Sequence[Alert], now: float, reasons: Sequence[str] = ()
) -> Text:
    """Everything one must know before expiring `s`: why it is not simply this alert's
    ack (`reasons`), matchers, author, comment, start / end, and what it mutes now."""
    out = Text()
    for reason in reasons:
        out.append("• ", "bold")
        out.append(f"{reason}\n")
    if reasons:
        out.append("\n")
    rows = [
        ("kind", "ack" if s.ack else "silence (not an ack)"),
        ("matchers", matchers_text(s)),
        ("author", s.created_by or "(unknown)"),
        ("comment", s.comment or "(none)"),
    ]
    if s.state == "pending":
        rows.append(("starts", f"{local_time(s.starts_at)} ({format_age(now - s.starts_at)})"))
    rows.append(("ends", f"{local_time(s.ends_at)} ({format_age(now - s.ends_at)})"))
    for key, value in rows:
        out.append(f"{key:<9} ", "dim")
        out.append(clean(value, one_line=True))
        out.append("\n")
    out.append(f"{'mutes':<9} ", "dim")
    out.append(f"{len(mutes)} current alert(s)", "bold")
    for a in mutes[:MAX_NAMED]:
        out.append("\n          ")
        out.append(clean_excerpt(_alert_name(a), 100))
    if len(mutes) > MAX_NAMED:
        out.append(f"\n          … +{len(mutes) - MAX_NAMED} more")
    return out


def expire_title(s: Silence) -> str:
    who = clean(s.created_by, one_line=True) or "someone"
    return f"Expire {who}'s {'ack' if s.ack else 'silence'}?"


class SilenceDetailScreen(DetailScreen):
    """One silence: every field, and the current alerts it mutes."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("silence_detail")

    def __init__(
        self,
        silence: Silence,
        mutes: Sequence[Alert],
        *,
        read_only: bool,
        on_expire: Callable[[Silence], None] | None = None,
        now: float | None = None,
    ) -> None:
        super().__init__()
        self.silence = silence
        self.mutes = list(mutes)
        self._read_only = read_only
        self._on_expire = on_expire
        self._now = now
        kind = "ack" if silence.ack else "silence"
        title = Text(f" {kind} · ")
        title.append(clean(silence.created_by, one_line=True) or "(unknown)")
        title.append(f" · {silence.state} ")
        self._panel_title = title

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "expire" and (self._read_only or self._on_expire is None))

    def parts(self) -> list[RenderableType | Widget]:
        now = app_now(self) if self._now is None else self._now
        s = self.silence
        grid = kv_grid()
        for key, value in (
            ("id", s.id),
            ("state", s.state),
            ("kind", "ack (comment starts with ACK!)" if s.ack else "silence, not an ack"),
            ("matchers", matchers_text(s)),
            ("author", s.created_by or "(unknown)"),
            ("starts", f"{local_time(s.starts_at)} ({format_age(now - s.starts_at)})"),
            ("ends", f"{local_time(s.ends_at)} ({format_age(now - s.ends_at)})"),
        ):
            grid.add_row(Text(key, "dim"), literal(value, one_line=True))
        grid.add_row(Text("comment", "dim"), literal(s.comment or "(none)"))
        parts: list[RenderableType | Widget] = [Static(grid, id="facts")]
        parts.append(self.heading(f"Mutes {len(self.mutes)} current alert(s)"))
        if self.mutes:
            table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
            table.add_column("alert", overflow="fold", ratio=2, style="bold")
            table.add_column("severity", no_wrap=True)
            table.add_column("labels", overflow="fold", ratio=4)
            for a in self.mutes:
                rest = " ".join(f"{k}={v}" for k, v in sorted(a.labels.items()) if k != "alertname")
                table.add_row(
                    literal(a.alertname, one_line=True),
                    literal(a.severity, one_line=True),
                    literal(rest, one_line=True),
                )
            parts.append(table)
        else:
            parts.append(Static(Text("none right now", "dim")))
        return parts

    def action_expire(self) -> None:
        if self._on_expire is not None and not self._read_only:
            self.dismiss(None)
            self._on_expire(self.silence)


class SilencesScreen(ModalScreen[None]):
    """The list; live: it follows every poll (`app.view_signal`)."""

    DEFAULT_CSS = """
    SilencesScreen { align: center middle; }
    SilencesScreen > #panel {
        width: 100%;
        max-width: 160;
        height: 100%;
        margin: 1 2;
        border: round $primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
    }
    SilencesScreen #silences-table { height: 1fr; }
    SilencesScreen #silences-empty { padding: 1 2; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("silences")

    def __init__(
        self,
        store: ViewStore,
        config: Config,
        actions: AppActions | None,
        poll_now: Callable[[], None],
        *,
        now: float | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.config = config
        self.actions = actions
        self.poll_now = poll_now
        self._now = now
        self._silences: dict[str, Silence] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="panel") as panel:
            panel.border_title = "Silences · active and pending"
            keys = "Enter open · Esc / q close"
            if not self.config.read_only:
                keys = "Enter open · x expire · Esc / q close"
            panel.border_subtitle = keys
            table: DataTable[Text] = DataTable(id="silences-table", cursor_type="row")
            table.add_columns(*COLUMNS)
            yield table
            yield Static("", id="silences-empty")

    def on_mount(self) -> None:
        self.show(self.store.view)
        signal = getattr(self.app, "view_signal", None)
        if signal is not None:
            signal.subscribe(self, self.show)
        self.query_one(DataTable).focus()

    def now(self) -> float:
        return app_now(self) if self._now is None else self._now

    def _alerts(self) -> tuple[Alert, ...]:
        view = self.store.view
        return view.alerts.items if view is not None else ()

    def show(self, view: Snapshot | None) -> None:
        silences = active_or_pending(view.alerts.silences) if view is not None else []
        alerts = view.alerts.items if view is not None else ()
        now = self.now()
        table = self.query_one(DataTable)
        selected = self._selected_id()
        self._silences = {s.id: s for s in silences}
        table.clear()
        for s in silences:
            mutes = len(muted_alerts(s, alerts))
            table.add_row(
                Text(s.state, "bold" if s.state == "active" else "italic"),
                Text("ack", "bold") if s.ack else Text("silence"),
                Text(ends_text(s, now)),
                literal(s.created_by or "(unknown)", one_line=True),
                Text(str(mutes), justify="right"),
                Text(clean_excerpt(s.comment, 40)),
                Text(clean_excerpt(matchers_text(s), 48), "dim"),
                key=s.id,
            )
        if selected in self._silences:
            table.move_cursor(row=table.get_row_index(selected))
        message = ""
        if view is None or view.alerts.section.fetched_at is None:
            message = "Waiting for the Alertmanager…"
        elif not view.alerts.section.ok and view.alerts.section.error:
            message = clean(f"Alertmanager: {view.alerts.section.error}", one_line=True)
        elif not silences:
            message = "No active or pending silence."
        empty = self.query_one("#silences-empty", Static)
        empty.update(Text(message))
        empty.display = bool(message)

    def _selected_id(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # cursor outside the rows (just cleared)
            return None
        return None if key.value is None else str(key.value)

    def selected(self) -> Silence | None:
        sid = self._selected_id()
        return None if sid is None else self._silences.get(sid)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "expire":
            if self.config.read_only or self.actions is None:
                return False
            return True if self.selected() is not None else None
        return True

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        s = self.selected()
        if s is None:
            return
        mutes = muted_alerts(s, self._alerts())
        expire = None if self.config.read_only or self.actions is None else self.expire
        self.app.push_screen(
            SilenceDetailScreen(
                s, mutes, read_only=self.config.read_only, on_expire=expire, now=self._now
            )
        )

    def action_expire(self) -> None:
        s = self.selected()
        if s is not None and self.check_action("expire", ()):
            self.expire(s)

    def action_close(self) -> None:
        self.dismiss(None)

    def expire(self, silence: Silence) -> None:
        self.run_worker(self._expire(silence), group="actions", exit_on_error=False)

    async def _expire(self, silence: Silence) -> None:
        from oncall_tui.ui.screens.dialogs import ConfirmScreen

        actions = self.actions
        if actions is None or self.config.read_only:
            return
        mutes = muted_alerts(silence, self._alerts())
        body = silence_facts(silence, mutes, self.now())
        body.append("\n\nExpiring it lets them notify again.", "bold")
        confirm = ConfirmScreen(expire_title(silence), body, danger=True, default_no=True)
        if not await self.app.push_screen_wait(confirm):
            return
        try:
            message = await actions.expire_silence(silence.id, [a.fingerprint for a in mutes])
        except Exception as exc:  # shown, never fatal; the outbox keeps the expiry
            self.app.notify(
                clean(f"Expire failed: {exc}"), severity="error", timeout=10, markup=False
            )
        else:
            self.app.notify(clean(message), markup=False)
        self.poll_now()
