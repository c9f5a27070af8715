"""Modal dialogs: confirm, acknowledge, choose a silence, pick a runbook.

Every dialog follows the product rule: Enter or `y` accepts, Esc or `n` refuses. Where a
dialog has a text field (ack duration / comment, runbook filter), `y` and `n` typed into
it are text; there Enter and Esc are the keys, and `y` / `n` work once the focus is off
the text field. Outside text (comments, authors, runbook names) reaches the screen only
as `Text(clean(...))`, never as markup.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from oncall_tui.config_types import AckConfig, Runbook
from oncall_tui.durations import format_age, format_duration, parse_duration
from oncall_tui.model.silences import matchers_text
from oncall_tui.model.snapshot import Silence
from oncall_tui.sources.runbooks import redact_url
from oncall_tui.text import clean, clean_excerpt
from oncall_tui.ui.widgets.ordered_input import OrderedInput

from .detail import app_now, local_time

_DIALOG_CSS = """
{cls} {{
    align: center middle;
}}
{cls} > #dialog {{
    width: 76;
    max-width: 96%;
    height: auto;
    max-height: 92%;
    border: round $primary;
    border-title-color: $text;
    border-title-style: bold;
    background: $surface;
    padding: 0 1;
}}
{cls} .hint {{
    color: $text-muted;
    margin-top: 1;
}}
"""


def _title(s: str) -> Text:
    return Text(clean(s, one_line=True))


def _when(ts: float, now: float) -> str:
    """Local wall time plus how far away it is: "14:05:00 (in 42m)"."""
    return f"{local_time(ts)} ({format_age(now - ts)})"


class ConfirmScreen(ModalScreen[bool]):
    """Yes / no. `body` as a str is shown literally; a Text is trusted as built.

    `default_no`: Enter answers No and only `y` confirms (expiring a colleague's
    silence: a reflex Enter must not unmute what it mutes)."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(cls="ConfirmScreen")
        + """
    ConfirmScreen.-danger > #dialog { border: heavy $error; }
    ConfirmScreen #body { height: auto; max-height: 20; margin-top: 1; }
    ConfirmScreen #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "enter", "Yes", priority=True),
        Binding("y", "answer(True)", "Yes", priority=True),
        Binding("escape,n", "answer(False)", "No", priority=True),
    ]

    def __init__(
        self, title: str, body: str | Text, danger: bool = False, default_no: bool = False
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self._title = title
        self._body = body if isinstance(body, Text) else Text(clean(body))
        self._danger = danger
        self._default_no = default_no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = _title(self._title)
            with VerticalScroll(id="body"):
                yield Static(self._body)
            with Horizontal(id="buttons"):
                yes_keys, no_keys = (
                    ("y", "n / Esc / Enter")
                    if self._default_no
                    else (
                        "y / Enter",
                        "n / Esc",
                    )
                )
                yes = Button(
                    f"Yes ({yes_keys})", id="yes", variant="error" if self._danger else "primary"
                )
                no = Button(f"No ({no_keys})", id="no")
                # Unfocusable: Enter always means yes, whatever the focus.
                yes.can_focus = no.can_focus = False
                yield yes
                yield no

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_enter(self) -> None:
        self.dismiss(not self._default_no)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


@dataclass(frozen=True, slots=True)
class AckRequest:
    """What the user asked for in the ack dialog."""

    duration_s: float
    comment: str
    until_resolved: bool


class _SpaceCheckbox(Checkbox, inherit_bindings=False):
    """Toggles on Space only: Enter submits the dialog it sits in."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", "Toggle")]


class AckDialog(ModalScreen[AckRequest | None]):
    """Duration, comment and "until resolved" for an acknowledgement (`A`)."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(cls="AckDialog")
        + """
    AckDialog Label { margin-top: 1; }
    AckDialog Input.-invalid { border: tall $error; }
    AckDialog #duration-error { color: $error; height: auto; }
    AckDialog #duration-error.-empty { display: none; }
    AckDialog Checkbox { margin-top: 1; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        # Not priority: a priority Enter would run before keys typed just ahead of it
        # reach the field (over SSH "3m⏎" arrives in one read and the old value was
        # sent). The fields submit through Input.Submitted, in order; the checkbox
        # toggles on Space only, so Enter there lands here.
        Binding("enter", "submit", "Acknowledge"),
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("y", "submit", "Acknowledge", show=False),
        Binding("n", "cancel", "Cancel", show=False),
    ]

    def __init__(self, alert_count: int, defaults: AckConfig) -> None:
        super().__init__()
        self._count = alert_count
        self._defaults = defaults

    def compose(self) -> ComposeResult:
        what = "1 alert" if self._count == 1 else f"{self._count} alerts"
        with Vertical(id="dialog") as dialog:
            dialog.border_title = Text(f"Acknowledge {what}")
            yield Label("Duration (e.g. 30m, 2h, 1d)", id="duration-label")
            yield OrderedInput(
                format_duration(self._defaults.default_duration_s),
                placeholder="30m",
                id="duration",
            )
            yield Static("", id="duration-error", classes="-empty")
            yield Label("Comment", id="comment-label")
            yield OrderedInput(self._defaults.default_comment, id="comment")
            yield _SpaceCheckbox(
                "until resolved: keep extending the silence while it fires",
                self._defaults.until_resolved,
                id="until",
            )
            yield Static("Enter acknowledge · Esc cancel · Space toggles", classes="hint")

    def _show_error(self, message: str) -> None:
        error = self.query_one("#duration-error", Static)
        error.update(Text(message))
        error.set_class(not message, "-empty")
        self.query_one("#duration", Input).set_class(bool(message), "-invalid")

    @on(Input.Changed, "#duration")
    def _duration_changed(self) -> None:
        self._show_error("")

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        duration_input = self.query_one("#duration", Input)
        typed = duration_input.value
        try:
            duration = parse_duration(typed)
        except ValueError as exc:
            self._show_error(f"Not a duration: {clean(str(exc), one_line=True)}")
            duration_input.focus()
            return
        if duration <= 0:
            self._show_error("The duration must be longer than zero.")
            duration_input.focus()
            return
        self.dismiss(
            AckRequest(
                duration_s=duration,
                comment=self.query_one("#comment", Input).value,
                until_resolved=self.query_one("#until", Checkbox).value,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChooseSilenceScreen(ModalScreen[str | None]):
    """Pick one of several silences covering an alert; dismisses with its id."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(cls="ChooseSilenceScreen")
        + """
    ChooseSilenceScreen OptionList { height: auto; max-height: 20; margin-top: 1; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "choose", "Choose", show=False),
        Binding("escape,n", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        silences: Sequence[Silence],
        title: str = "Several silences cover this alert: which one?",
        now: float | None = None,
        mutes: Mapping[str, int] | None = None,
    ) -> None:
        super().__init__()
        self._silences = list(silences)
        self._title = title
        self._now = now
        self._mutes = dict(mutes or {})

    def compose(self) -> ComposeResult:
        now = app_now(self) if self._now is None else self._now
        options = []
        for silence in self._silences:
            prompt = Text()
            prompt.append("ack  " if silence.ack else "silence  ", "bold")
            prompt.append(clean(silence.created_by, one_line=True) or "(unknown author)", "bold")
            prompt.append(f"  ends {_when(silence.ends_at, now)}")
            if silence.id in self._mutes:
                prompt.append(f"  mutes {self._mutes[silence.id]}")
            if silence.matchers:
                prompt.append(f"\n  {clean_excerpt(matchers_text(silence), 200)}")
            prompt.append(f"\n  {clean_excerpt(silence.comment, 200) or '(no comment)'}")
            prompt.append(f"\n  id {clean(silence.id, one_line=True)}", "dim")
            options.append(Option(prompt, id=silence.id))
        with Vertical(id="dialog") as dialog:
            dialog.border_title = _title(self._title)
            yield OptionList(*options, id="silences")
            yield Static("Enter / y choose · Esc / n cancel", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = 0

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _runbook_target(runbook: Runbook) -> str:
    """What the runbook runs, on one line: its argv template (the confirmation shows the
    substituted, quoted argv), or METHOD URL without the URL's password."""
    if runbook.kind == "exec":
        return " ".join(runbook.command)
    return f"{runbook.method} {redact_url(runbook.url or '')}"


class RunbookPicker(ModalScreen[Runbook | None]):
    """Choose a runbook: the ones linked to the alert first, type to filter."""

    DEFAULT_CSS = (
        _DIALOG_CSS.format(cls="RunbookPicker")
        + """
    RunbookPicker > #dialog { width: 90; }
    RunbookPicker Input { margin-top: 1; }
    RunbookPicker OptionList { height: auto; max-height: 18; }
    RunbookPicker #empty { color: $text-muted; height: auto; }
    RunbookPicker #empty.-hidden { display: none; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("n", "cancel", "Cancel", show=False),
        Binding("y", "choose", "Choose", show=False),
        # The filter field keeps the focus; the arrows still move through the list.
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, runbooks: Sequence[Runbook], linked: Collection[str]) -> None:
        super().__init__()
        linked_set = set(linked)
        first = [r for r in runbooks if r.name in linked_set]
        rest = [r for r in runbooks if r.name not in linked_set]
        self._ordered = first + rest
        self._linked = linked_set

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = Text("Run a runbook")
            yield OrderedInput(placeholder="type to filter", id="filter")
            yield Static(Text("No runbook matches."), id="empty", classes="-hidden")
            yield OptionList(id="runbooks")
            yield Static("Enter choose · Esc cancel · ★ linked to this alert", classes="hint")

    def on_mount(self) -> None:
        self._refill("")

    def _prompt(self, runbook: Runbook) -> Text:
        prompt = Text()
        prompt.append("★ " if runbook.name in self._linked else "  ", "bold")
        prompt.append(clean(runbook.name, one_line=True), "bold")
        prompt.append(f"  {runbook.kind}", "italic")
        if runbook.description:
            prompt.append(f"  {clean_excerpt(runbook.description, 80)}")
        prompt.append(f"\n    {clean_excerpt(_runbook_target(runbook), 100)}", "dim")
        return prompt

    def _refill(self, needle: str) -> None:
        needle = needle.strip().lower()
        options = self.query_one(OptionList)
        options.clear_options()
        for index, runbook in enumerate(self._ordered):
            haystack = f"{runbook.name} {runbook.kind} {runbook.description}".lower()
            if needle in haystack:
                options.add_option(Option(self._prompt(runbook), id=str(index)))
        self.query_one("#empty").set_class(options.option_count > 0, "-hidden")
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._refill(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.action_choose()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        assert event.option.id is not None
        self.dismiss(self._ordered[int(event.option.id)])

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_choose(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return
        option_id = options.get_option_at_index(options.highlighted).id
        assert option_id is not None
        self.dismiss(self._ordered[int(option_id)])

    def action_cancel(self) -> None:
        self.dismiss(None)
