"""The dialogs every screen shares: a base that closes on escape or Cancel, a note editor,
and a pick-a-person list.

A dialog only asks; the screen that opened it applies the answer. Names and emails come from
the server, so they are shown through `safe_text`/`literal`, never as markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from console.text import literal, safe_text
from console.widgets.safe_select import SafeOptionList
from local_store.queries import Employee

CANCEL = Binding(
    "escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without doing anything."
)


class DismissOnce(Screen[Any]):
    """A screen that closes once: put it after `ModalScreen` in the bases (Textual's CSS type
    names follow the first base only).

    Two keys queued at once (enter, enter) can each ask a modal to close; the second asked
    after the first had popped it, and Textual 8.2.8 then popped the screen under it (and
    ran the answer's callback twice). Found by the storm test.
    """

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if self.app.screen is not self:
            return AwaitComplete(asyncio.sleep(0))
        return super().dismiss(result)

    def answer(self, option: Option) -> None:
        """What picking `option` of its `AnswerList` answers (a dialog with one overrides)."""


class AnswerList(SafeOptionList):
    """A dialog's list of answers. Enter answers (and closes the dialog) within the key:
    through `OptionSelected` the answer came a message later, and keys typed with the enter
    (`a`, a person, enter, `x`) reached the dialog before it closed, and were lost."""

    def action_select(self) -> None:
        screen = self.screen
        if isinstance(screen, DismissOnce) and self.highlighted is not None:
            screen.answer(self.get_option_at_index(self.highlighted))
        else:
            super().action_select()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if isinstance(self.screen, DismissOnce):
            self.screen.answer(event.option)


class Dialog(ModalScreen[object], DismissOnce):
    """A centred dialog (its `.dialog` box); escape or Cancel closes it with None."""

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }

    .dialog {
        width: 72;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        padding: 1 2;
        background: $surface;
        border: round $primary;
    }

    .dialog-heading {
        margin: 0 0 1 0;
    }

    .dialog-hint {
        margin: 1 0 0 0;
        color: $text-muted;
    }

    .dialog-error {
        color: $text-error;
    }

    .dialog-buttons {
        height: auto;
        margin: 1 0 0 0;
        align-horizontal: right;
        & > Button {
            margin: 0 0 0 2;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [CANCEL]

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    @staticmethod
    def heading(verb: str, subject: str) -> Static:
        """ "Note on Acme": our words, then the server's name shown literally."""
        return Static(
            Content.assemble((verb, "bold"), " ", (safe_text(subject), "bold")),
            classes="dialog-heading",
            markup=False,
        )


class NoteDialog(Dialog):
    """Asks for a note's text; ctrl+s (or the button) saves it, dismissing with the text."""

    DEFAULT_CSS = """
    #note-text {
        height: 8;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        CANCEL,
        Binding(
            "ctrl+s",
            "save",
            "Save note",
            priority=True,
            id="dialog.save-note",
            tooltip="Save the note (queued, sent at the next sync).",
        ),
    ]

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="note-dialog"):
            yield self.heading("Note on", self.subject)
            yield TextArea(id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Label("ctrl+s saves · escape cancels", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
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


class PersonChoice(NamedTuple):
    """The person picked in `PersonDialog`: an email, or None for nobody."""

    email: str | None


_NOBODY = "\x00nobody"
"""The option id of "nobody"; no email can be this."""


class PersonDialog(Dialog):
    """Pick one of the partner's people (or nobody); enter picks."""

    DEFAULT_CSS = """
    #person-options {
        height: auto;
        max-height: 16;
    }
    """

    def __init__(
        self, verb: str, subject: str, people: Sequence[Employee], current: str | None
    ) -> None:
        super().__init__()
        self.verb = verb
        self.subject = subject
        self.people = people
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("Nobody", style="italic"), id=_NOBODY)]
        for person in self.people:
            prompt = Text.assemble(literal(person.name), "  ", literal(person.email, "dim"))
            if person.email == self.current:
                prompt.append("  (now)", style="bold")
            options.append(Option(prompt, id=person.email))
        with Vertical(classes="dialog", id="person-dialog"):
            yield self.heading(self.verb, self.subject)
            yield AnswerList(*options, id="person-options")
            yield Label("enter picks · escape cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.focus()
        ids = [_NOBODY, *(person.email for person in self.people)]
        if self.current in ids:
            option_list.highlighted = ids.index(self.current)

    def answer(self, option: Option) -> None:
        self.dismiss(PersonChoice(None if option.id == _NOBODY else option.id))
