"""The Clients screen's modals: End services, add a note, assign an owner, and filters.

Each modal only asks; the screen queues the action in the outbox. Names and emails come from
the server, so they reach the screen as `Content`/`Text` built from `safe_text`, never as
markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from console.text import format_money, literal, safe_text
from local_store.client_detail import Employee

_CANCEL = Binding(
    "escape", "cancel", "Cancel", id="client-modal.cancel", tooltip="Close without doing anything."
)


class _ClientModal(ModalScreen[object]):
    """A centred dialog; escape closes it with None."""

    BINDINGS: ClassVar[list[BindingType]] = [_CANCEL]

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)


class EndServicesModal(_ClientModal):
    """Asks before ending services; Cancel has the focus, so a stray enter does nothing."""

    def __init__(self, client_name: str, mrr_cents: int) -> None:
        super().__init__()
        self.client_name = client_name
        self.mrr_cents = mrr_cents

    def compose(self) -> ComposeResult:
        with Vertical(classes="client-modal", id="end-services-modal"):
            yield Static(Content.styled("End services?", "bold $text-error"), markup=False)
            yield Static(
                Content.assemble(
                    "End services for ",
                    (safe_text(self.client_name), "bold"),
                    f" ({format_money(self.mrr_cents)} MRR a month)?",
                ),
                id="end-services-question",
                markup=False,
            )
            yield Static(
                "The client leaves your list once the backend confirms. The action is queued "
                "and sent at the next sync.",
                classes="client-modal-note",
                markup=False,
            )
            with Horizontal(classes="client-modal-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("End services", id="confirm", variant="error", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)


class NoteModal(_ClientModal):
    """Asks for a note's text; ctrl+s (or the button) saves it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        Binding(
            "ctrl+s",
            "save",
            "Save note",
            priority=True,
            id="client-modal.save-note",
            tooltip="Save the note (queued, sent at the next sync).",
        ),
    ]

    def __init__(self, client_name: str) -> None:
        super().__init__()
        self.client_name = client_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="client-modal", id="note-modal"):
            yield Static(
                Content.assemble(("Note on ", "bold"), (safe_text(self.client_name), "bold")),
                markup=False,
            )
            yield TextArea(id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Label("ctrl+s saves · escape cancels", classes="client-modal-note")
            with Horizontal(classes="client-modal-buttons"):
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


class OwnerChoice(NamedTuple):
    """The owner picked in `AssignOwnerModal`: an email, or None for nobody."""

    email: str | None


_NOBODY = "\x00nobody"
"""The option id of "nobody"; no email can be this."""


class AssignOwnerModal(_ClientModal):
    """Pick an employee (or nobody) to own the client; enter picks."""

    def __init__(
        self, client_name: str, employees: Sequence[Employee], current: str | None
    ) -> None:
        super().__init__()
        self.client_name = client_name
        self.employees = employees
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("Nobody", style="italic"), id=_NOBODY)]
        for employee in self.employees:
            prompt = Text.assemble(literal(employee.name), "  ", literal(employee.email, "dim"))
            if employee.email == self.current:
                prompt.append("  (owner now)", style="bold")
            options.append(Option(prompt, id=employee.email))
        with Vertical(classes="client-modal", id="assign-owner-modal"):
            yield Static(
                Content.assemble(("Owner of ", "bold"), (safe_text(self.client_name), "bold")),
                markup=False,
            )
            yield OptionList(*options, id="owner-options")
            yield Label("enter assigns · escape cancels", classes="client-modal-note")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.focus()
        ids = [_NOBODY, *(employee.email for employee in self.employees)]
        if self.current in ids:
            option_list.highlighted = ids.index(self.current)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id
        self.dismiss(OwnerChoice(None if option_id == _NOBODY else option_id))


@dataclass(frozen=True)
class ClientFilters:
    """The filters of the clients table other than search and "mine"; None = any."""

    relationship: str | None = None
    product: str | None = None
    owner_email: str | None = None
    engagement_band: str | None = None
    health: str | None = None


RELATIONSHIPS = ("sourced", "assisted", "managed")
ENGAGEMENT_BANDS = ("Low", "Medium", "High")
HEALTH_CHOICES = ("red", "yellow", "green")


def _value(select: Select[str]) -> str | None:
    value = select.value
    return value if isinstance(value, str) else None


class FilterModal(_ClientModal):
    """Every filter at once; tab moves between them, ctrl+s (or Apply) applies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        _CANCEL,
        Binding(
            "ctrl+s",
            "apply",
            "Apply",
            priority=True,
            id="client-modal.apply-filters",
            tooltip="Apply these filters.",
        ),
    ]

    def __init__(
        self, current: ClientFilters, products: Sequence[str], employees: Sequence[Employee]
    ) -> None:
        super().__init__()
        self.current = current
        self.products = products
        self.employees = employees

    def _select(
        self, select_id: str, options: list[tuple[Text, str]], value: str | None
    ) -> Select[str]:
        known = {option_value for _prompt, option_value in options}
        return Select(
            options,
            prompt="any",
            value=value if value in known else Select.NULL,
            id=select_id,
            compact=True,
        )

    def compose(self) -> ComposeResult:
        current = self.current
        fields = [
            (
                "Relationship",
                self._select(
                    "filter-relationship",
                    [(Text(r.capitalize()), r) for r in RELATIONSHIPS],
                    current.relationship,
                ),
            ),
            (
                "Product",
                self._select(
                    "filter-product", [(literal(p), p) for p in self.products], current.product
                ),
            ),
            (
                "Owner",
                self._select(
                    "filter-owner",
                    [(literal(e.name), e.email) for e in self.employees],
                    current.owner_email,
                ),
            ),
            (
                "Engagement",
                self._select(
                    "filter-engagement",
                    [(Text(band), band) for band in ENGAGEMENT_BANDS],
                    current.engagement_band,
                ),
            ),
            (
                "Health",
                self._select(
                    "filter-health",
                    [(Text(band.capitalize()), band) for band in HEALTH_CHOICES],
                    current.health,
                ),
            ),
        ]
        with Vertical(classes="client-modal", id="filter-modal"):
            yield Static(Content.styled("Filter clients", "bold"), markup=False)
            for label, select in fields:
                with Horizontal(classes="filter-row"):
                    yield Label(label, classes="filter-label")
                    yield select
            yield Label("tab moves · ctrl+s applies · escape cancels", classes="client-modal-note")
            with Horizontal(classes="client-modal-buttons"):
                yield Button("Clear all", id="clear", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Apply", id="confirm", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#filter-relationship", Select).focus()

    @on(Button.Pressed, "#clear")
    def _clear(self) -> None:
        self.dismiss(ClientFilters())

    @on(Button.Pressed, "#confirm")
    def action_apply(self) -> None:
        def value(select_id: str) -> str | None:
            return _value(self.query_one(f"#{select_id}", Select))

        self.dismiss(
            ClientFilters(
                relationship=value("filter-relationship"),
                product=value("filter-product"),
                owner_email=value("filter-owner"),
                engagement_band=value("filter-engagement"),
                health=value("filter-health"),
            )
        )
