"""The alert detail view: every label and annotation literally, its state and its ack.
Its URLs (runbook_url, the generator URL, any other) are terminal hyperlinks (OSC 8,
targets made safe by `text.link_target`); `n` picks one, `c` copies it (OSC 52, which
reaches the local clipboard over SSH too).

Also holds `DetailScreen`, the frame shared by the read-only detail views (alert,
breaker history, health breakdown): a bordered panel over the dimmed overview, content
that scrolls, Esc or `q` to close.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich import box
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from oncall_tui.config_types import Runbook
from oncall_tui.durations import format_age, format_duration
from oncall_tui.model.severity import Level, severity_level, severity_text
from oncall_tui.model.snapshot import Alert, Silence
from oncall_tui.text import clean, clean_excerpt, link_target
from oncall_tui.ui.actions_protocol import HasClock
from oncall_tui.ui.bindings import bindings

EXPIRY_WARNING_S = 300.0
"""An ack whose silence ends sooner than this is highlighted: it is about to lapse."""


def app_now(node: MessagePump) -> float:
    """Now, by the app's clock (`HasClock`: tests run the app on a fixed clock), else
    the system's."""
    app = node.app
    return app.clock() if isinstance(app, HasClock) else time.time()


def local_time(ts: float) -> str:
    """A timestamp as the local wall clock, to the second."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def literal(s: str, one_line: bool = False) -> Text:
    """Outside text for Rich: escapes removed, never parsed as markup."""
    return Text(clean(s, one_line=one_line))


def linked(url: str, style: Style | str = "") -> Text:
    """A URL shown literally; a hyperlink to it when it is a safe http(s) target."""
    text = literal(url, one_line=True)
    target = link_target(url)
    if target is not None:
        text.stylize(Style(link=target, underline=True))
    if style:
        text.stylize(style)
    return text


def alert_links(alert: Alert, runbooks: Sequence[Runbook] = ()) -> list[tuple[str, str]]:
    """(what, url) of every link the alert carries, runbook_url first, each URL once."""
    found: list[tuple[str, str]] = []
    annotations = alert.annotations
    keys = sorted(annotations, key=lambda k: (k != "runbook_url", k))
    found += [(k, annotations[k]) for k in keys if link_target(annotations[k])]
    found += [(k, v) for k, v in sorted(alert.labels.items()) if link_target(v)]
    if alert.generator_url and link_target(alert.generator_url):
        found.append(("source (Prometheus)", alert.generator_url))
    found += [(f"runbook {rb.name}", rb.url) for rb in runbooks if rb.url and link_target(rb.url)]
    seen: set[str] = set()
    out = []
    for what, url in found:
        if url not in seen:
            seen.add(url)
            out.append((what, url))
    return out


def kv_grid() -> Table:
    """A two-column key / value grid for the facts at the top of a detail view."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


class DetailScreen(ModalScreen[None]):
    """A read-only detail view. Subclasses fill `#body`; styles come from the theme."""

    DEFAULT_CSS = """
    DetailScreen {
        align: center middle;
    }
    DetailScreen > #panel {
        width: 100%;
        max-width: 140;
        height: 100%;
        margin: 1 2;
        border: round $primary;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        background: $surface;
    }
    DetailScreen #body {
        height: 1fr;
        padding: 0 1;
    }
    DetailScreen #body > Static {
        height: auto;
    }
    DetailScreen .heading {
        text-style: bold;
        color: $accent;
        margin-top: 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="detail.close", tooltip="Back to the overview"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._panel_title: Text = Text()

    def compose(self) -> ComposeResult:
        with Vertical(id="panel") as panel:
            panel.border_title = self._panel_title
            panel.border_subtitle = Text("Esc / q close · ↑↓ PgUp PgDn scroll")
            yield VerticalScroll(id="body")

    async def on_mount(self) -> None:
        await self.fill()
        # Colours are resolved into Rich styles when filled: refill on a theme switch.
        self.watch(self.app, "theme", self._theme_changed, init=False)
        self.query_one("#body").focus()

    async def _theme_changed(self, _theme: str) -> None:
        await self.fill()

    async def fill(self) -> None:
        """Replace the body's content with `parts()`."""
        body = self.query_one("#body", VerticalScroll)
        # Awaited: the old children (with their ids) must be gone before the new mount.
        await body.remove_children()
        await body.mount_all(
            part if isinstance(part, Widget) else Static(part) for part in self.parts()
        )

    def parts(self) -> list[RenderableType | Widget]:
        """The body, top to bottom: widgets as they are, renderables in a Static."""
        raise NotImplementedError

    def heading(self, title: str) -> Static:
        return Static(Text(title), classes="heading")

    def style(self, name: str) -> Style:
        """The Rich style of component class `name` under the current theme."""
        return self.get_component_rich_style(name, partial=True)

    def action_close(self) -> None:
        self.dismiss(None)


def literal_table(items: Mapping[str, str], key_header: str) -> Table:
    """Labels or annotations: every key and value as it is, long values folded; URLs
    are hyperlinks."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    table.add_column(key_header, no_wrap=False, ratio=1, overflow="fold", style="bold")
    table.add_column("value", ratio=3, overflow="fold")
    for key in sorted(items):
        value = items[key]
        cell = linked(value) if link_target(value) else literal(value)
        table.add_row(literal(key, one_line=True), cell)
    return table


class AlertDetailScreen(DetailScreen):
    """One alert: state, times, ack, labels, annotations, linked runbooks."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "alert-detail--critical",
        "alert-detail--warning",
        "alert-detail--info",
        "alert-detail--key",
        "alert-detail--expiring",
        "alert-detail--pending",
        "alert-detail--muted",
    }
    DEFAULT_CSS = """
    AlertDetailScreen .alert-detail--critical { color: $severity-critical; text-style: bold; }
    AlertDetailScreen .alert-detail--warning { color: $severity-warning; text-style: bold; }
    AlertDetailScreen .alert-detail--info { color: $severity-info; text-style: bold; }
    AlertDetailScreen .alert-detail--key { color: $text-muted; }
    AlertDetailScreen .alert-detail--expiring {
        color: $background;
        background: $warning;
        text-style: bold;
    }
    AlertDetailScreen .alert-detail--pending { color: $warning; text-style: bold; }
    AlertDetailScreen .alert-detail--muted { color: $stale; }
    AlertDetailScreen.-critical > #panel { border: round $severity-critical; }
    AlertDetailScreen.-warning > #panel { border: round $severity-warning; }
    AlertDetailScreen.-info > #panel { border: round $severity-info; }
    """
    BINDINGS: ClassVar[list[BindingType]] = bindings("alert_detail")

    def __init__(
        self,
        alert: Alert,
        runbooks: Sequence[Runbook],
        silences: Sequence[Silence],
        *,
        now: float | None = None,
    ) -> None:
        super().__init__()
        self.alert = alert
        self._runbooks = list(runbooks)
        self._silences = {s.id: s for s in silences}
        self._now = now
        self.links = alert_links(alert, self._runbooks)
        self.link_index = 0
        level = severity_level(alert.severity)
        if level is not Level.OTHER:
            self.add_class(f"-{level}")
        title = Text(" ")
        title.append(clean(alert.alertname, one_line=True) or "(no alertname)")
        title.append(f" · {severity_text(alert.severity)} ")
        self._panel_title = title

    async def on_mount(self) -> None:
        # DetailScreen.on_mount runs as well: Textual calls the handler of each class.
        if self._now is None:
            # Ages and "expires in" move with the clock.
            self.set_interval(5.0, self._refresh_facts)

    def _refresh_facts(self) -> None:
        # query, not query_one: during a refill (theme switch) it may briefly be gone.
        for facts in self.query("#facts").results(Static):
            facts.update(self._facts(app_now(self)))

    def _facts(self, now: float) -> Table:
        alert = self.alert
        key = self.style("alert-detail--key")
        grid = kv_grid()

        def row(name: str, value: Text) -> None:
            grid.add_row(Text(name, key), value)

        level = severity_level(alert.severity)
        severity_style = "alert-detail--muted" if level is Level.OTHER else f"alert-detail--{level}"
        row("severity", Text(severity_text(alert.severity), self.style(severity_style)))
        # What it is about, in the words of whoever wrote the rule, before any detail.
        for name in ("summary", "description"):
            if alert.annotations.get(name):
                row(name, literal(alert.annotations[name]))
        state = Text(alert.display_state, "bold")
        state.append(f"  (Alertmanager: {clean(alert.state, one_line=True)})", key)
        row("state", state)
        row(
            "started", Text(f"{local_time(alert.starts_at)}  ({format_age(now - alert.starts_at)})")
        )
        if alert.ends_at is not None:
            row("ends", Text(f"{local_time(alert.ends_at)}  ({format_age(now - alert.ends_at)})"))
        row("ack", self._ack_text(now))
        if alert.silenced_by:
            row("silenced by", literal(", ".join(alert.silenced_by), one_line=True))
        if alert.ack_pending:
            row(
                "outbox",
                Text(
                    "⧗ ack pending: queued, not yet delivered", self.style("alert-detail--pending")
                ),
            )
        if alert.inhibited_by:
            row("inhibited by", literal(", ".join(alert.inhibited_by), one_line=True))
        if alert.receivers:
            row("receivers", literal(", ".join(alert.receivers), one_line=True))
        if not alert.generator_url:
            row("source", Text("—"))  # else it is under Links
        row("fingerprint", literal(alert.fingerprint, one_line=True))
        return grid

    def _ack_text(self, now: float) -> Text:
        alert = self.alert
        text = Text()
        if alert.acked_by is None and alert.other_silences:
            s = alert.other_silences[0]
            text.append("not acknowledged", self.style("alert-detail--muted"))
            text.append(" · silenced by ")
            text.append(clean(s.created_by, one_line=True), "bold")
            text.append(f" until {local_time(s.ends_at)}: ")
            text.append(clean_excerpt(s.comment, 80))
        elif alert.acked_by is not None:
            text.append("acked by ")
            text.append(clean(alert.acked_by or "(unknown)", one_line=True), "bold")
            if alert.acked_until is not None:
                left = alert.acked_until - now
                text.append(f" until {local_time(alert.acked_until)} ")
                if 0 <= left < EXPIRY_WARNING_S:
                    text.append(
                        f" expires in {format_duration(round(left))} ",
                        self.style("alert-detail--expiring"),
                    )
                elif left < 0:
                    text.append(" expired ", self.style("alert-detail--expiring"))
                else:
                    text.append(f"(in {format_duration(round(left))})")
        else:
            text.append("not acknowledged", self.style("alert-detail--muted"))
        return text

    def _silences_table(self, now: float) -> Table | None:
        covering = [self._silences[i] for i in self.alert.silenced_by if i in self._silences]
        if not covering:
            return None
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
        table.add_column("kind", no_wrap=True)
        table.add_column("id", overflow="fold", ratio=2)
        table.add_column("by", overflow="fold", ratio=1)
        table.add_column("ends", no_wrap=True)
        table.add_column("comment", overflow="fold", ratio=3)
        for s in covering:
            table.add_row(
                Text("ack", "bold") if s.ack else Text("silence"),
                literal(s.id, one_line=True),
                literal(s.created_by, one_line=True),
                Text(f"{local_time(s.ends_at)} ({format_age(now - s.ends_at)})"),
                literal(s.comment),
            )
        return table

    def _runbooks_table(self) -> RenderableType:
        if not self._runbooks:
            return Text("No runbook is linked to this alert.", self.style("alert-detail--muted"))
        table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
        table.add_column("runbook", overflow="fold", ratio=1, style="bold")
        table.add_column("kind", no_wrap=True)
        table.add_column("runs", overflow="fold", ratio=2)
        table.add_column("description", overflow="fold", ratio=2)
        for rb in self._runbooks:
            if rb.kind == "exec":
                runs = literal(" ".join(rb.command))
            else:
                runs = Text(f"{rb.method} ").append_text(linked(rb.url or ""))
            table.add_row(
                literal(rb.name, one_line=True),
                literal(rb.kind, one_line=True),
                runs,
                literal(rb.description),
            )
        return table

    def _links_text(self) -> Group:
        key = self.style("alert-detail--key")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for i, (what, url) in enumerate(self.links):
            chosen = i == self.link_index
            grid.add_row(
                Text("▶" if chosen else " ", "bold"),
                Text(clean(what, one_line=True), key),
                linked(url, "bold" if chosen else ""),
            )
        return Group(grid, Text("  n next link · c copy it (OSC 52) · or click it", key))

    def action_next_link(self) -> None:
        if self.links:
            self.link_index = (self.link_index + 1) % len(self.links)
            for static in self.query("#links").results(Static):
                static.update(self._links_text())

    def action_copy_link(self) -> None:
        if not self.links:
            self.notify("This alert has no link to copy.", severity="warning")
            return
        what, url = self.links[self.link_index]
        self.app.copy_to_clipboard(clean(url, one_line=True))
        self.notify(f"Copied {clean(what, one_line=True)}: {clean_excerpt(url, 80)}")

    def parts(self) -> list[RenderableType | Widget]:
        now = app_now(self) if self._now is None else self._now
        parts: list[RenderableType | Widget] = [Static(self._facts(now), id="facts")]
        if self.links:
            parts += [self.heading(f"Links ({len(self.links)})")]
            parts += [Static(self._links_text(), id="links")]
        parts += [self.heading(f"Labels ({len(self.alert.labels)})")]
        parts += [literal_table(self.alert.labels, "label")]
        parts += [self.heading(f"Annotations ({len(self.alert.annotations)})")]
        if self.alert.annotations:
            parts += [literal_table(self.alert.annotations, "annotation")]
        else:
            parts += [Text("none", self.style("alert-detail--muted"))]
        silences = self._silences_table(now)
        if silences is not None:
            parts += [self.heading("Silences covering it"), silences]
        parts += [self.heading("Runbooks"), self._runbooks_table()]
        return parts
