"""The inbox's triage dialogs: snooze (date and reason), assign, and add a note.

Each dialog only asks; the inbox applies the action. Names and emails come from the server,
so they are shown through `safe_text`/`literal`, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from console.text import literal, safe_text
from local_store.alert_filter import TriageError, parse_until
from local_store.alerts import Employee

_CANCEL = Binding(
    "escape", "cancel", "Cancel", id="triage-modal.cancel", tooltip="Close without doing anything."
)


class SnoozeChoice(NamedTuple):
    until: date
    reason: str


class AssigneeChoice(NamedTuple):
    email: str | None
    """None: nobody."""


class _TriageModal(ModalScreen[object]):
    BINDINGS: ClassVar[list[BindingType]] = [_CANCEL]

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject
        """What the action is on ("3 alerts", or an alert's title from the server)."""

    def heading(self, verb: str) -> Static:
        return Static(
            Content.assemble((verb, "bold"), " ", (safe_text(self.subject), "bold")),
            classes="triage-heading",
            markup=False,
        )

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class SnoozeModal(_TriageModal):
    """Until when (3d, 2w or an ISO date) and why; enter in either field snoozes."""

    def __init__(self, subject: str, today: date) -> None:
        super().__init__(subject)
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="triage-modal", id="snooze-modal"):
            yield self.heading("Snooze")
            yield Label("Until (3d, 2w or 2026-12-24)", classes="triage-label")
            yield Input(value="3d", id="snooze-until", compact=True)
            yield Label("Reason (kept as a note)", classes="triage-label")
            yield Input(placeholder="optional", id="snooze-reason", compact=True)
            yield Label("", id="snooze-error", classes="triage-error")
            with Horizontal(classes="triage-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Snooze", id="confirm", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#snooze-until", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        text = self.query_one("#snooze-until", Input).value
        try:
            until = parse_until(text, self.today)
        except TriageError as exc:
            self.query_one("#snooze-error", Label).update(Text(str(exc)))
            return
        reason = self.query_one("#snooze-reason", Input).value.strip()
        self.dismiss(SnoozeChoice(until, reason))


_NOBODY = "\x00nobody"
"""The option id of "nobody"; no email can be this."""


class AssignModal(_TriageModal):
    """Pick an employee (or nobody); enter assigns."""

    def __init__(self, subject: str, employees: Sequence[Employee], current: str | None) -> None:
        super().__init__(subject)
        self.employees = employees
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("Nobody", style="italic"), id=_NOBODY)]
        for employee in self.employees:
            prompt = Text.assemble(literal(employee.name), "  ", literal(employee.email, "dim"))
            options.append(Option(prompt, id=employee.email))
        with Vertical(classes="triage-modal", id="assign-modal"):
            yield self.heading("Assign")
            yield OptionList(*options, id="assignee-options")
            yield Label("enter assigns · escape cancels", classes="triage-label")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        emails = [_NOBODY, *(employee.email for employee in self.employees)]
        if self.current in emails:
            options.highlighted = emails.index(self.current)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        picked = event.option.id
        self.dismiss(AssigneeChoice(None if picked == _NOBODY else picked))


class AlertNoteModal(_TriageModal):
    """A note's text; ctrl+s (or the button) saves it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        Binding(
            "ctrl+s",
            "save",
            "Save note",
            priority=True,
            id="triage-modal.save-note",
            tooltip="Save the note.",
        ),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="triage-modal", id="alert-note-modal"):
            yield self.heading("Note on")
            yield TextArea(id="alert-note-text", soft_wrap=True, show_line_numbers=False)
            yield Label("ctrl+s saves · escape cancels", classes="triage-label")
            with Horizontal(classes="triage-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Save note", id="confirm", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#confirm")
    def action_save(self) -> None:
        text = self.query_one(TextArea).text.strip()
        if not text:
            self.notify("A note needs some text.", severity="warning", markup=False)
            return
        self.dismiss(text)
