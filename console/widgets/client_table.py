"""The clients table: a `VirtualTable` of clients, paged from the cache.

Which columns can show, and in which order, is the profile's `client_columns`; which of them
fit is the table's choice by priority (Name, MRR, Health and Renewal before Domain and
Products on a narrow terminal). A client whose End services waits to sync is marked on its
row, which stays readable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal

from textual.binding import Binding, BindingType

from console.text import format_date, format_money
from console.widgets.virtual_table import PAGE_SIZE, PENDING_MARK, Column, VirtualTable
from local_store.health import health_band
from local_store.queries import ClientListRow

__all__ = ["COLUMNS", "ENDING_TEXT", "PAGE_SIZE", "ClientTable", "health_band"]

ENDING_TEXT = "ending — waiting to sync"
"""How a client whose End services action waits to sync is described (the detail panel)."""

BAND_TONES = {"red": "error", "yellow": "warning", "green": "success"}


def _owner(row: ClientListRow) -> str | None:
    return row.owner_name or row.owner_email


def _health(row: ClientListRow) -> str | None:
    band = health_band(row.health_score)
    return f"{row.health_score} {band}" if band else None


def _health_tone(row: ClientListRow) -> str | None:
    return BAND_TONES.get(health_band(row.health_score) or "")


def _column(
    key: str,
    label: str,
    width: int,
    cell: Callable[[ClientListRow], str | None],
    align: Literal["left", "right"] = "left",
    **more: Any,
) -> Column[ClientListRow]:
    """Every client column sorts by its own key (`local_store.queries.SORT_COLUMNS`)."""
    return Column(key, label, width, cell, align, sort=key, **more)


COLUMNS: tuple[Column[ClientListRow], ...] = (
    _column("name", "Name", 18, lambda r: r.name, flex=True, min_width=14),
    _column("domain", "Domain", 20, lambda r: r.domain, priority=60, min_width=12),
    _column("products", "Products", 20, lambda r: r.products or None, priority=70, min_width=12),
    _column("relationship", "Relationship", 12, lambda r: r.relationship.capitalize(), priority=50),
    _column(
        "usage", "Usage", 9, lambda r: f"{r.tools_in_use} / {r.active_users}", "right", priority=55
    ),
    _column("mrr", "MRR", 9, lambda r: format_money(r.mrr_cents), "right", priority=10),
    _column(
        "engagement",
        "Engagement",
        10,
        lambda r: f"{r.engagement_score} {r.engagement_band}",
        priority=45,
    ),
    _column("health", "Health", 10, _health, tone=_health_tone, priority=15),
    _column("renewal", "Renewal", 10, lambda r: format_date(r.next_renewal) or None, priority=20),
    _column("owner", "Owner", 16, _owner, priority=40, min_width=10),
)
"""Every column the table can show (`sync.profile.CLIENT_COLUMNS`), in the default order.
Usage is tools in use / active users."""
COLUMNS_BY_KEY: dict[str, Column[ClientListRow]] = {column.key: column for column in COLUMNS}


class ClientTable(VirtualTable[ClientListRow]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up",
            "cursor_up",
            "Up",
            show=False,
            id="client-table.up",
            tooltip="Select the client above.",
        ),
        Binding(
            "down",
            "cursor_down",
            "Down",
            show=False,
            id="client-table.down",
            tooltip="Select the client below.",
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            show=False,
            id="client-table.page-up",
            tooltip="Move the selection up one screen.",
        ),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="client-table.page-down",
            tooltip="Move the selection down one screen.",
        ),
        Binding(
            "home",
            "first",
            "First",
            show=False,
            id="client-table.first",
            tooltip="Select the first client.",
        ),
        Binding(
            "end",
            "last",
            "Last",
            show=False,
            id="client-table.last",
            tooltip="Select the last client.",
        ),
        Binding(
            "left",
            "scroll_left",
            "Scroll left",
            show=False,
            id="client-table.left",
            tooltip="Scroll the columns left.",
        ),
        Binding(
            "right",
            "scroll_right",
            "Scroll right",
            show=False,
            id="client-table.right",
            tooltip="Scroll the columns right.",
        ),
        Binding(
            "enter", "open", "Open", id="client-table.open", tooltip="Open the selected client."
        ),
    ]

    def __init__(
        self,
        columns: Sequence[str] = (),
        *,
        pending: Callable[[str], bool] = lambda client_id: False,
        id: str | None = None,
    ) -> None:
        """`columns` are keys of `COLUMNS`, in the order to show them; empty shows them all.
        `pending` says whether a client has a change waiting to sync: its row is marked."""
        unknown = [key for key in columns if key not in COLUMNS_BY_KEY]
        if unknown:
            raise ValueError(f"unknown client columns: {', '.join(unknown)}")
        chosen = tuple(COLUMNS_BY_KEY[key] for key in columns) if columns else COLUMNS
        if not any(column.flex for column in chosen):
            chosen = (chosen[0]._replace(flex=True), *chosen[1:])

        def marker(row: ClientListRow) -> tuple[str, str | None]:
            waiting = row.services_status == "ending" or pending(row.id)
            return PENDING_MARK if waiting else (" ", None)

        super().__init__(chosen, row_id=lambda row: row.id, marker=marker, id=id)

    @property
    def cursor_client(self) -> ClientListRow | None:
        return self.cursor_value
