"""The Clients screen's own dialogs: End services and filters (notes and owners use the
shared ones in `console.screens.dialogs`).

Each modal only asks; the screen queues the action in the outbox. Names and emails come from
the server, so they reach the screen as `Content`/`Text` built from `safe_text`, never as
markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Label, Select, Static

from console.screens.dialogs import CANCEL, Dialog
from console.text import format_money, literal, safe_text
from local_store.queries import Employee


class EndServicesModal(Dialog):
    """Asks before ending services; Cancel has the focus, so a stray enter does nothing."""

    DEFAULT_CSS = """
    #end-services-modal {
        border: round $error;
    }
    """

    def __init__(self, client_name: str, mrr_cents: int) -> None:
        super().__init__()
        self.client_name = client_name
        self.mrr_cents = mrr_cents

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="end-services-modal"):
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
                classes="dialog-hint",
                markup=False,
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("End services", id="confirm", variant="error", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)


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


class FilterModal(Dialog):
    """Every filter at once; tab moves between them, ctrl+s (or Apply) applies."""

    DEFAULT_CSS = """
    .filter-row {
        height: 1;
    }

    #filter-modal > Static {
        margin: 0 0 1 0;
    }

    .filter-label {
        width: 14;
        color: $text-muted;
    }

    .filter-row > Select {
        width: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        CANCEL,
        Binding(
            "ctrl+s",
            "apply",
            "Apply",
            priority=True,
            id="dialog.apply-filters",
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
        with Vertical(classes="dialog", id="filter-modal"):
            yield Static(Content.styled("Filter clients", "bold"), markup=False)
            for label, select in fields:
                with Horizontal(classes="filter-row"):
                    yield Label(label, classes="filter-label")
                    yield select
            yield Label("tab moves · ctrl+s applies · escape cancels", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
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
