"""The renewal's communication owner dialog: who talks to the client about its renewal."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from console.screens.dialogs import AnswerList, DismissOnce
from console.text import literal
from local_store.renewals import COMMUNICATION_OWNERS

OWNER_LABELS = {"partner": "Partner", "hubspot": "HubSpot"}


class CommunicationOwnerModal(ModalScreen[str | None], DismissOnce):
    """Asks who talks to a client about its renewal; dismissed with the choice or None."""

    DEFAULT_CSS = """
    CommunicationOwnerModal {
        align: center middle;
    }

    #comms-owner-dialog {
        width: 60;
        max-width: 95%;
        height: auto;
        padding: 1 2;
        background: $surface;
        border: round $primary;
    }

    #comms-owner-options {
        margin: 1 0;
    }

    .dialog-hint {
        margin: 1 0 0 0;
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "p",
            "choose('partner')",
            "Partner",
            id="renewal-owner.partner",
            tooltip="The partner talks to the client about the renewal.",
        ),
        Binding(
            "h",
            "choose('hubspot')",
            "HubSpot",
            id="renewal-owner.hubspot",
            tooltip="HubSpot talks to the client about the renewal.",
        ),
        Binding(
            "escape", "choose(None)", "Cancel", id="renewal-owner.cancel", tooltip="Change nothing."
        ),
    ]

    def __init__(self, client_name: str, current: str) -> None:
        super().__init__()
        self._client_name = client_name
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="comms-owner-dialog"):
            yield Static(
                Text.assemble(
                    "Who talks to ", literal(self._client_name, "bold"), " about the renewal?"
                ),
                markup=False,
            )
            yield AnswerList(
                *(Option(f"{OWNER_LABELS[o]}", id=o) for o in COMMUNICATION_OWNERS),
                id="comms-owner-options",
                compact=True,
            )
            yield Static(
                "enter chooses · p partner · h HubSpot · escape cancels. Queued offline.",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self._current in COMMUNICATION_OWNERS:
            options.highlighted = COMMUNICATION_OWNERS.index(self._current)
        options.focus()

    def answer(self, option: Option) -> None:
        self.dismiss(option.id)

    def action_choose(self, owner: str | None) -> None:
        self.dismiss(owner)
