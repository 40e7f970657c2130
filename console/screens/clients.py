"""Clients: search, sort and browse every client in the cache."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import partial
from typing import ClassVar
from urllib.parse import urlparse

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from console.screens.base import PaletteCommand, PartnerOpsScreen
from console.text import literal
from console.widgets.client_table import COLUMNS, PAGE_SIZE, ClientTable
from local_store.queries import (
    ClientListRow,
    ClientOrder,
    ClientQuery,
    client_index,
    client_order,
    client_page,
    client_page_in_order,
    total_clients,
)

_TABLE_ACTIONS = frozenset(
    {"focus_search", "focus_table", "cycle_sort", "reverse_sort", "open_in_browser"}
)
SORT_CYCLE = tuple(column.key for column in COLUMNS)
SORT_LABELS = {column.key: column.label for column in COLUMNS}


class ClientsScreen(PartnerOpsScreen):
    SCREEN_TITLE = "Clients"
    HELP_NOTES = (
        "Mouse: click a row to select it and double-click to open it. Click a column header "
        "to sort by that column, and click it again to reverse the order."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "focus_search",
            "Search",
            id="clients.search",
            tooltip="Search clients by name or domain.",
        ),
        Binding(
            "escape",
            "focus_table",
            "Back to table",
            show=False,
            id="clients.to-table",
            tooltip="Leave the search and move to the table.",
        ),
        Binding(
            "s",
            "cycle_sort",
            "Sort",
            id="clients.sort",
            tooltip="Sort by the next column (or click a column header).",
        ),
        Binding(
            "S", "reverse_sort", "Reverse", id="clients.reverse", tooltip="Reverse the sort order."
        ),
        Binding(
            "o",
            "open_in_browser",
            "Open in CRM",
            id="clients.open-crm",
            tooltip="Open the selected client's company record in your browser.",
        ),
    ]

    class Loaded(Message):
        """A query's count and first page, read by a worker."""

        def __init__(
            self,
            generation: int,
            count: int,
            total: int,
            first_page: Sequence[ClientListRow | None],
            order: ClientOrder | None,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.count = count
            self.total = total
            self.first_page = first_page
            self.order = order

    class OrderRead(Message):
        """A query's full order, read after its first page so the first page shows sooner."""

        def __init__(self, generation: int, order: ClientOrder) -> None:
            super().__init__()
            self.generation = generation
            self.order = order

    def __init__(self) -> None:
        super().__init__()
        self.query_state = ClientQuery()
        self._generation = 0
        self._order: ClientOrder | None = None
        self._total: int | None = None
        self._pending_jump: str | None = None
        self._cursor_after_load: int | None = 0
        """Where the cursor goes when rows arrive; None keeps it where it is."""
        self._showing_table = False

    # Layout.

    def compose_body(self) -> ComposeResult:
        cache = self.console_app.cache
        self._showing_table = cache.available
        if not cache.available:
            yield Static(cache.problem or "", id="empty-state", markup=False)
            return
        with Horizontal(id="client-search-bar"):
            yield Input(placeholder="/ search name or domain", id="client-search", compact=True)
            yield Label(id="client-count")
        yield ClientTable(id="client-table")
        yield Static(id="client-detail", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        if self._showing_table:
            self._start_table()

    def _start_table(self) -> None:
        table = self.table
        table.focus()
        # The first paint already has rows: the first page in index order is one read of
        # about a millisecond. The count, which scans every client, follows from a worker.
        try:
            first = client_page(self.console_app.cache.ui, self.query_state, 0, PAGE_SIZE)
        except sqlite3.DatabaseError:
            first = []  # the worker meets the same error and reports it
        query = self.query_state
        table.show(
            len(first),
            partial(self._fetch_page, self._generation, query),
            first,
            sort=query.sort,
            descending=query.descending,
        )
        self._cursor_after_load = None
        self._run_query()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without a cache there is no table: hide its keys rather than offer dead ones.
        return self._showing_table or action not in _TABLE_ACTIONS

    @property
    def table(self) -> ClientTable:
        return self.query_one(ClientTable)

    # Reading the cache.

    def _run_query(self) -> None:
        self._generation += 1
        self._order = None
        self._load(self._generation, self.query_state, self._total)

    @work(thread=True, exclusive=True, group="clients-query", exit_on_error=False)
    def _load(self, generation: int, query: ClientQuery, known_total: int | None) -> None:
        with self.console_app.cache.borrow() as conn:
            total = known_total if known_total is not None else total_clients(conn)
            if query.narrowed:
                # One scan both counts and orders the matches, faster than a count and then
                # a page that must scan again to sort them.
                order = client_order(conn, query)
                first = client_page_in_order(conn, order, 0, PAGE_SIZE)
                self.post_message(self.Loaded(generation, len(order), total, first, order))
                return
            first = client_page(conn, query, 0, PAGE_SIZE)
            self.post_message(self.Loaded(generation, total, total, first, None))
            if get_current_worker().is_cancelled:
                return  # a newer query replaced this one; its order would be thrown away
            order = client_order(conn, query)
        self.post_message(self.OrderRead(generation, order))

    def _fetch_page(
        self, generation: int, query: ClientQuery, offset: int, limit: int
    ) -> Sequence[ClientListRow | None]:
        # On the UI thread: with the order read, a page is one lookup by rowid (about a
        # millisecond at 100,000 clients). Until then (about 100 ms after a new sort) pages
        # come by OFFSET in index order: quick near the top, where the table opens, but up to
        # a few hundred milliseconds for a jump to the end.
        conn = self.console_app.cache.ui
        try:
            if self._order is not None and self._generation == generation:
                return client_page_in_order(conn, self._order, offset, limit)
            return client_page(conn, query, offset, limit)
        except sqlite3.DatabaseError as exc:
            # Called while drawing, where an exception would end the app.
            self.notify(
                f"{type(exc).__name__}: {exc}",
                title="Could not read the cache",
                severity="error",
                markup=False,
            )
            return []

    @on(Loaded)
    def _show_loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        self._total = message.total
        self._order = message.order
        query = self.query_state
        self.table.show(
            message.count,
            partial(self._fetch_page, message.generation, query),
            message.first_page,
            sort=query.sort,
            descending=query.descending,
            cursor=(
                self.table.cursor_row
                if self._cursor_after_load is None
                else self._cursor_after_load
            ),
        )
        count = (
            f"{message.count:,} of {message.total:,} clients"
            if query.narrowed
            else f"{message.total:,} clients"
        )
        self.query_one("#client-count", Label).update(count)
        if self._order is not None:
            self._resolve_jump()

    @on(OrderRead)
    def _keep_order(self, message: OrderRead) -> None:
        if message.generation == self._generation:
            self._order = message.order
            self._resolve_jump()

    def reload(self) -> None:
        if self.console_app.cache.available != self._showing_table:
            self.call_later(self._rebuild)
            return
        if self._showing_table:
            self._total = None
            self._cursor_after_load = None
            self._run_query()

    async def _rebuild(self) -> None:
        """The cache appeared (or went away) since this screen was built."""
        await self.recompose()
        if self._showing_table:
            self._start_table()

    # Search and sort.

    def _set_query(self, query: ClientQuery) -> None:
        self.query_state = query
        self._cursor_after_load = 0
        self._run_query()

    @on(Input.Changed, "#client-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self._set_query(replace(self.query_state, search=event.value))

    @on(Input.Submitted, "#client-search")
    def _search_submitted(self) -> None:
        self.table.focus()

    def action_focus_search(self) -> None:
        if self._showing_table:
            self.query_one("#client-search", Input).focus()

    def action_focus_table(self) -> None:
        if self._showing_table:
            self.table.focus()

    def sort_by(self, column: str, *, descending: bool = False) -> None:
        self._set_query(replace(self.query_state, sort=column, descending=descending))

    def action_cycle_sort(self) -> None:
        position = SORT_CYCLE.index(self.query_state.sort)
        self.sort_by(SORT_CYCLE[(position + 1) % len(SORT_CYCLE)])

    def action_reverse_sort(self) -> None:
        self.sort_by(self.query_state.sort, descending=not self.query_state.descending)

    @on(ClientTable.SortClicked)
    def _header_clicked(self, event: ClientTable.SortClicked) -> None:
        if event.column == self.query_state.sort:
            self.action_reverse_sort()
        else:
            self.sort_by(event.column)

    # Opening a client.

    @on(ClientTable.Opened)
    def _opened(self, event: ClientTable.Opened) -> None:
        row = event.row
        detail = Text.assemble(
            literal(row.name, "bold"),
            " · ",
            literal(row.domain),
            " · company record ",
            literal(row.crm_url),
            " · account ",
            literal(row.account_url),
            ("   o opens the company record; the full detail panel is not built yet.", "dim"),
        )
        panel = self.query_one("#client-detail", Static)
        panel.update(detail)
        panel.add_class("-shown")

    def action_open_in_browser(self) -> None:
        row = self.table.cursor_client if self._showing_table else None
        if row is None:
            return
        if urlparse(row.crm_url).scheme not in ("http", "https"):
            self.notify(
                "This client has no web address for its company record.",
                severity="warning",
                markup=False,
            )
            return
        self.app.open_url(row.crm_url)

    def jump_to(self, client_id: str) -> None:
        """Select a client, clearing the search if it hides the client."""
        self._pending_jump = client_id
        if self._order is not None:
            self._resolve_jump()

    def _resolve_jump(self) -> None:
        client_id, order = self._pending_jump, self._order
        if client_id is None or order is None:
            return
        # On the UI thread: one lookup by primary key and a scan of an array of integers,
        # about a millisecond at 100,000 clients.
        index = client_index(self.console_app.cache.ui, order, client_id)
        if index is None and self.query_state.narrowed:
            search = self.query_one("#client-search", Input)
            with self.prevent(Input.Changed):
                search.value = ""
            query = self.query_state
            self._set_query(ClientQuery(sort=query.sort, descending=query.descending))
            return
        self._pending_jump = None
        if index is None:
            self.notify("That client is no longer in the cache.", severity="warning")
            return
        self.table.move_cursor(index, center=True)
        self.table.focus()

    # The command palette.

    def palette_commands(self) -> Iterable[PaletteCommand]:
        if not self._showing_table:
            return
        yield PaletteCommand(
            "Search clients", "Search by name or domain.", self.action_focus_search
        )
        yield PaletteCommand(
            "Reverse client sort", "Flip the sort order.", self.action_reverse_sort
        )
        for key in SORT_CYCLE:
            label = SORT_LABELS[key].lower()
            yield PaletteCommand(
                f"Sort clients by {label}",
                f"Sort the table by {label}.",
                partial(self.sort_by, key),
            )
        yield PaletteCommand(
            "Open client in CRM",
            "Open the selected client's company record.",
            self.action_open_in_browser,
        )
