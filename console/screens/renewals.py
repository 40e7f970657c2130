"""Renewals: upcoming renewal decisions in a 30 to 120-day window (PRODUCT.md §2).

A worker counts the window's renewals and reads their totals and first page; the virtual table
reads further pages (sorted and filtered in SQL) as they come into view, so a window of 30,000
renewals shows as fast as one of 30.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from typing import ClassVar, cast
from urllib.parse import urlparse

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label, Select, Static
from textual.worker import get_current_worker

from console.screens.base import PaletteCommand, PartnerOpsScreen
from console.screens.renewal_owner_dialog import OWNER_LABELS, CommunicationOwnerModal
from console.screens.sorting import SortedList
from console.text import format_money, literal
from console.widgets.safe_select import SafeSelect
from console.widgets.virtual_table import (
    PAGE_SIZE,
    PENDING_MARK,
    Column,
    RowsView,
    VirtualTable,
)
from local_store.renewals import (
    COMMUNICATION_OWNERS,
    STATUSES,
    WINDOWS,
    RenewalListRow,
    RenewalOwner,
    RenewalQuery,
    RenewalTotals,
    renewal_owners,
    renewal_page,
    window_totals,
)

SORT_CYCLE = ("deadline", "mrr_change", "renewal_date", "mrr", "client")
SORT_LABELS = {
    "deadline": "deadline",
    "mrr_change": "MRR change",
    "renewal_date": "renewal date",
    "mrr": "MRR now",
    "client": "client",
}
STATUS_LABELS = {
    "pending": "Pending",
    "confirmed": "Confirmed",
    "renewed": "Renewed",
    "cancellation_requested": "Cancel requested",
}
URGENT_DAYS = 14
"""A pending decision this close to its deadline (or past it) shows in the error colour."""
SOON_DAYS = 30
"""…and this close in the warning colour."""

_TABLE_ACTIONS = frozenset(
    {
        "cycle_window",
        "focus_filters",
        "focus_table",
        "toggle_mine",
        "cycle_sort",
        "reverse_sort",
        "set_owner",
        "open_in_browser",
    }
)
ANY = "any"
"""The filter selects' "no filter" value (None cannot be a Select value)."""


def _days_tone(row: RenewalListRow) -> str | None:
    if row.status != "pending":
        return "muted"
    if row.days_left <= URGENT_DAYS:
        return "error"
    return "warning" if row.days_left <= SOON_DAYS else None


def _change_tone(row: RenewalListRow) -> str | None:
    if row.mrr_change_cents < 0:
        return "error"
    return "success" if row.mrr_change_cents > 0 else None


# Priorities: at 80 columns Client, Status (whole), Days left, MRR and Change show first.
COLUMNS: tuple[Column[RenewalListRow], ...] = (
    Column("client", "Client", 20, lambda r: r.client_name, sort="client", min_width=13),
    Column("products", "Products renewing", 17, lambda r: r.products, priority=60, min_width=12),
    Column(
        "renewal_date",
        "Renewal",
        10,
        lambda r: r.renewal_date.isoformat(),
        sort="renewal_date",
        priority=30,
    ),
    Column(
        "deadline",
        "Deadline",
        10,
        lambda r: r.decision_deadline.isoformat(),
        sort="deadline",
        priority=40,
    ),
    Column(
        "days_left",
        "Days left",
        11,
        lambda r: str(r.days_left),
        "right",
        sort="deadline",
        tone=_days_tone,
        priority=10,
    ),
    Column("status", "Status", 16, lambda r: STATUS_LABELS.get(r.status, r.status), priority=5),
    Column(
        "mrr",
        "MRR now",
        9,
        lambda r: format_money(r.mrr_now_cents),
        "right",
        sort="mrr",
        priority=20,
    ),
    Column(
        "mrr_change",
        "Change",
        9,
        lambda r: signed_money(r.mrr_change_cents),
        "right",
        sort="mrr_change",
        tone=_change_tone,
        priority=25,
    ),
    Column(
        "communication_owner",
        "Comms",
        8,
        lambda r: OWNER_LABELS.get(r.communication_owner, r.communication_owner),
        priority=35,
    ),
    Column("renewal_manager", "HubSpot manager", 15, lambda r: r.renewal_manager, priority=70),
    Column(
        "last_active",
        "Last active",
        14,
        lambda r: r.last_active_name or r.last_active_employee,
        priority=80,
    ),
)


def signed_money(cents: int) -> str:
    """ "+$1,150", "−$1,150" or "$0": a forecast change reads with its sign."""
    if cents == 0:
        return "$0"
    return ("+" if cents > 0 else "−") + format_money(abs(cents))


def totals_text(totals: RenewalTotals, window_days: int) -> str:
    """ "37 decisions in 90 days · $41,200 MRR at stake · forecast −$1,150"."""
    noun = "decision" if totals.count == 1 else "decisions"
    return (
        f"{totals.count:,} {noun} in {window_days} days · "
        f"{format_money(totals.mrr_now_cents)} MRR at stake · "
        f"forecast {signed_money(totals.mrr_change_cents)}"
    )


class RenewalTable(VirtualTable[RenewalListRow]):
    """The renewals table; `enter` (or a double click) opens the client."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open",
            "Open",
            id="renewals.open",
            tooltip="Select the renewal's client on the Clients screen.",
        ),
    ]

    def __init__(self, pending: Callable[[RenewalListRow], bool], *, id: str | None = None) -> None:
        """`pending` says whether a row has a change waiting to sync: it is then marked."""
        super().__init__(
            COLUMNS,
            row_id=lambda row: row.renewal_id,
            marker=lambda row: PENDING_MARK if pending(row) else (" ", None),
            id=id,
        )


class RenewalsScreen(SortedList, PartnerOpsScreen):
    DEFAULT_CSS = """
    #renewal-filters {
        height: 1;
        background: $surface;
    }

    #renewal-filters Select {
        width: 1fr;
        margin: 0 1;
    }

    #renewal-totals {
        width: 1fr;
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }

    #renewal-table {
        height: 1fr;
    }

    #renewal-empty {
        display: none;
        margin: 1 2;
        max-width: 90;
        color: $foreground;
    }
    """
    SCREEN_TITLE = "Renewals"
    MARKS_PENDING = True
    HELP_NOTES = (
        "Days left count to the decision deadline, 45 days before the renewal date; a negative "
        f"number means the deadline has passed. Pending decisions within {URGENT_DAYS} days of "
        f"it show in red, within {SOON_DAYS} days in yellow. Click a column header to sort by "
        "it, and click the selected row to open its client."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "w",
            "cycle_window",
            "Window",
            id="renewals.window",
            tooltip="Show renewals in the next 30, 60, 90 or 120 days.",
        ),
        Binding(
            "slash",
            "focus_filters",
            "Filter",
            id="renewals.filter",
            tooltip="Filter by owner, status and communication owner.",
        ),
        Binding(
            "escape",
            "focus_table",
            "Back to table",
            show=False,
            id="renewals.to-table",
            tooltip="Leave the filters and move to the table.",
        ),
        Binding(
            "m",
            "toggle_mine",
            "Mine",
            id="renewals.mine",
            tooltip="Only renewals of the clients you own, or everyone's again.",
        ),
        Binding(
            "s",
            "cycle_sort",
            "Sort",
            id="renewals.sort",
            tooltip="Sort by deadline, MRR change, renewal date, MRR or client, in turn.",
        ),
        Binding(
            "S",
            "reverse_sort",
            "Reverse",
            show=False,
            id="renewals.reverse",
            tooltip="Reverse the sort order.",
        ),
        Binding(
            "c",
            "set_owner",
            "Comms owner",
            id="renewals.set-owner",
            tooltip="Set who talks to the client about the renewal: the partner or HubSpot.",
        ),
        Binding(
            "o",
            "open_in_browser",
            "Open in CRM",
            show=False,
            id="renewals.open-crm",
            tooltip="Open the selected client's company record in your browser.",
        ),
    ]

    class Loaded(Message):
        """A query's first page (and its totals when known), read by a worker."""

        def __init__(
            self,
            generation: int,
            query: RenewalQuery,
            today: date,
            first_page: Sequence[RenewalListRow],
            totals: RenewalTotals | None,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.query = query
            self.today = today
            self.first_page = first_page
            self.totals = totals
            """None while they are being counted (`TotalsCounted` follows)."""

    class TotalsCounted(Message):
        """Every window's totals of a query, and the owners for the filter, read after its
        first page (a count reads the whole window; the page, 100 rows)."""

        def __init__(
            self,
            generation: int,
            key: tuple[RenewalQuery, date],
            totals: dict[int, RenewalTotals] | None,
            owners: Sequence[RenewalOwner] | None,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.key = key
            self.totals = totals
            """None when they were known already."""
            self.owners = owners
            """None when they were not read again (the data has not changed)."""

    def __init__(self) -> None:
        super().__init__()
        self.query_state = RenewalQuery()
        self._generation = 0
        self._owners: tuple[RenewalOwner, ...] | None = None
        self._totals: dict[tuple[RenewalQuery, date], dict[int, RenewalTotals]] = {}
        """Every window's totals by query (window and sort left out) and day, until the data
        changes: a window change then reads one page and no count."""
        self._keep_selection: str | None = None
        """The renewal to select again when rows arrive; None starts at the top."""
        self._showing_table = False

    # Layout.

    def compose_body(self) -> ComposeResult:
        cache = self.console_app.cache
        self._showing_table = cache.available
        if not cache.available:
            yield Static(cache.problem or "", id="empty-state", markup=False)
            return
        query = self.query_state
        with Horizontal(id="renewal-filters"):
            yield SafeSelect(
                [(f"Next {days} days", days) for days in WINDOWS],
                value=query.window_days,
                allow_blank=False,
                compact=True,
                id="renewal-window",
                tooltip="Renewals dated from today to this many days ahead (w).",
            )
            yield SafeSelect(
                self._owner_options(()),
                value=ANY,
                allow_blank=False,
                compact=True,
                id="renewal-owner",
                tooltip="Only renewals of clients this partner employee owns (m: mine).",
            )
            yield SafeSelect(
                [("Any status", ANY), *((STATUS_LABELS[s], s) for s in STATUSES)],
                value=ANY,
                allow_blank=False,
                compact=True,
                id="renewal-status",
                tooltip="Only renewals with this status.",
            )
            yield SafeSelect(
                [("Comms: either", ANY), *((f"Comms: {OWNER_LABELS[o]}", o) for o in OWNER_LABELS)],
                value=ANY,
                allow_blank=False,
                compact=True,
                id="renewal-comms",
                tooltip="Only renewals whose client hears from the partner, or from HubSpot.",
            )
        yield Label(id="renewal-totals", markup=False)
        yield RenewalTable(self._renewal_pending, id="renewal-table")
        yield Static(id="renewal-empty", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        if self._showing_table:
            self.table.focus()
            self._run_query()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without a cache there is no table: hide its keys rather than offer dead ones.
        if action == "toggle_mine" and not self.console_app.profile.user_email:
            return False
        return self._showing_table or action not in _TABLE_ACTIONS

    @property
    def table(self) -> RenewalTable:
        return self.query_one(RenewalTable)

    @property
    def rows(self) -> Sequence[RenewalListRow]:
        """The rows shown, read page by page from the cache as they are asked for."""
        if not self._showing_table:
            return ()
        return RowsView(self.table)

    def _renewal_pending(self, row: RenewalListRow) -> bool:
        # The row shows its client's owner too: a change to the client marks it as well.
        return self.is_pending("renewal", row.renewal_id) or self.is_pending(
            "client", row.client_id
        )

    @property
    def selected(self) -> RenewalListRow | None:
        if not self._showing_table or not self.table.display:
            return None
        return self.table.cursor_value

    def _today(self) -> date:
        # The app's clock, so tests and snapshots see a fixed day; the user's local date.
        return self.console_app.today()

    # Reading the cache.

    def _run_query(self, *, data_changed: bool = False) -> None:
        self._generation += 1
        if data_changed:
            self._totals.clear()
        # The owner filter's choices scan every renewal: read them only when the data changed.
        with_owners = data_changed or self._owners is None
        query, today = self.query_state, self._today()
        key = (replace(query, window_days=WINDOWS[-1], sort="deadline", descending=False), today)
        self._load(
            self._generation,
            query,
            today,
            key,
            self._totals.get(key),
            with_owners,
            # Keeping the cursor on a renewal looks for it beyond the first page: count first.
            count_first=self._keep_selection is not None,
        )

    @work(thread=True, exclusive=True, group="renewals-query", exit_on_error=False)
    def _load(
        self,
        generation: int,
        query: RenewalQuery,
        today: date,
        key: tuple[RenewalQuery, date],
        known: dict[int, RenewalTotals] | None,
        with_owners: bool,
        *,
        count_first: bool,
    ) -> None:
        with self.console_app.cache.borrow() as conn:
            first_page = renewal_page(conn, query, today, 0, PAGE_SIZE)
            if known is not None or not count_first:
                totals = known[query.window_days] if known is not None else None
                self.post_message(self.Loaded(generation, query, today, first_page, totals))
                # A newer query (a key pressed again) counts instead.
                if (known is not None and not with_owners) or get_current_worker().is_cancelled:
                    return
            counted = window_totals(conn, query, today) if known is None else None
            if counted is not None and count_first:
                totals = counted[query.window_days]
                self.post_message(self.Loaded(generation, query, today, first_page, totals))
            owners = renewal_owners(conn) if with_owners else None
        self.post_message(self.TotalsCounted(generation, key, counted, owners))

    def _fetch_page(
        self, query: RenewalQuery, today: date, offset: int, limit: int
    ) -> Sequence[RenewalListRow]:
        # On the UI thread, while drawing: one indexed page of 100 rows.
        conn = self.console_app.cache.ui
        return self.page_or_nothing(lambda: renewal_page(conn, query, today, offset, limit))

    @on(Loaded)
    def _show_loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        totals = message.totals
        # A first page shorter than a page is every row: its count is known at once.
        count = totals.count if totals is not None else len(message.first_page)
        self.query_one("#renewal-totals", Label).update(
            totals_text(totals, message.query.window_days)
            if totals is not None
            else f"Counting the next {message.query.window_days} days…"
        )
        table = self.table
        keep, previous = self._keep_selection, table.cursor_row
        table.show(
            count,
            partial(self._fetch_page, message.query, message.today),
            message.first_page,
            sort=message.query.sort,
            descending=message.query.descending,
        )
        if keep is not None:
            at_previous = table.row_at(previous)
            if at_previous is not None and at_previous.renewal_id == keep:
                table.move_cursor(previous)
            elif (index := table.index_of(keep)) is not None:
                table.move_cursor(index)
        self._show_empty(bool(count))

    @on(TotalsCounted)
    def _show_totals(self, message: TotalsCounted) -> None:
        if message.owners is not None:
            self._update_owner_options(tuple(message.owners))
        if message.totals is not None:
            self._totals[message.key] = message.totals
        if message.generation != self._generation or message.totals is None:
            return
        query = self.query_state
        totals = message.totals[query.window_days]
        self.query_one("#renewal-totals", Label).update(totals_text(totals, query.window_days))
        self.table.set_row_count(totals.count)
        self._show_empty(bool(totals.count))

    def _show_empty(self, any_rows: bool) -> None:
        empty = self.query_one("#renewal-empty", Static)
        empty.update(self._empty_text())
        empty.display = not any_rows
        self.table.display = any_rows

    def _empty_text(self) -> str:
        query = self.query_state
        window = f"the next {query.window_days} days"
        filtered = any(
            value is not None
            for value in (query.owner_email, query.status, query.communication_owner)
        )
        if filtered:
            return (
                f"No renewal decisions in {window} match these filters. Press / to change the "
                "filters, or w for a longer window."
            )
        if query.window_days < WINDOWS[-1]:
            return (
                f"No renewal decisions in {window}. Press w for a longer window (up to "
                f"{WINDOWS[-1]} days), or r to sync."
            )
        return f"No renewal decisions in {window}. Press r to sync if you expect some."

    def reload(self) -> None:
        if self.console_app.cache.available != self._showing_table:
            self.call_later(self._rebuild)
            return
        if self._showing_table:
            self._keep_selection = self.selected.renewal_id if self.selected else None
            self._run_query(data_changed=True)

    async def _rebuild(self) -> None:
        """The cache appeared (or went away) since this screen was built."""
        await self.recompose()
        self._owners = None
        if self._showing_table:
            self.table.focus()
            self._run_query()

    # Window, filters and sort.

    def _set_query(self, query: RenewalQuery) -> None:
        self.query_state = query
        self._keep_selection = None
        with self.prevent(Select.Changed):
            self.query_one("#renewal-window", Select).value = query.window_days
            self.query_one("#renewal-owner", Select).value = query.owner_email or ANY
            self.query_one("#renewal-status", Select).value = query.status or ANY
            self.query_one("#renewal-comms", Select).value = query.communication_owner or ANY
        self._run_query()

    def _owner_options(self, owners: Sequence[RenewalOwner]) -> list[tuple[Text | str, str]]:
        mine = self.console_app.profile.user_email
        options: list[tuple[Text | str, str]] = [("All owners", ANY)]
        if mine:
            options.append(("Mine", mine))
        options += [
            (literal(owner.name or owner.email), owner.email)
            for owner in owners
            if owner.email != mine
        ]
        return options

    def _update_owner_options(self, owners: tuple[RenewalOwner, ...]) -> None:
        if owners == self._owners:
            return
        self._owners = owners
        select = self.query_one("#renewal-owner", Select)
        with self.prevent(Select.Changed):
            select.set_options(self._owner_options(owners))
            # An owner who left the list keeps filtering; the select then reads "All owners"
            # only if it has no such option.
            value = self.query_state.owner_email or ANY
            if any(option_value == value for _, option_value in self._owner_options(owners)):
                select.value = value

    @on(Select.Changed, "#renewal-filters Select")
    def _filter_changed(self, event: Select.Changed) -> None:
        value = event.value
        query = self.query_state
        match event.select.id:
            case "renewal-window":
                query = replace(query, window_days=cast(int, value))  # the options are ints
            case "renewal-owner":
                query = replace(query, owner_email=None if value == ANY else str(value))
            case "renewal-status":
                query = replace(query, status=None if value == ANY else str(value))
            case "renewal-comms":
                query = replace(query, communication_owner=None if value == ANY else str(value))
        if query != self.query_state:
            self._set_query(query)

    def set_window(self, days: int) -> None:
        self._set_query(replace(self.query_state, window_days=days))

    def action_cycle_window(self) -> None:
        position = WINDOWS.index(self.query_state.window_days)
        self.set_window(WINDOWS[(position + 1) % len(WINDOWS)])

    def action_toggle_mine(self) -> None:
        mine = self.console_app.profile.user_email
        owner = None if self.query_state.owner_email == mine else mine
        self._set_query(replace(self.query_state, owner_email=owner))

    def set_status(self, status: str | None) -> None:
        self._set_query(replace(self.query_state, status=status))

    def action_focus_filters(self) -> None:
        if self._showing_table:
            self.query_one("#renewal-owner", Select).focus()

    def action_focus_table(self) -> None:
        if self._showing_table:
            self.table.focus()

    @property
    def sort_keys(self) -> tuple[str, ...]:
        return SORT_CYCLE

    @on(RenewalTable.SortClicked)
    def _header_clicked(self, event: RenewalTable.SortClicked) -> None:
        self.sort_header_clicked(event.sort)

    # Opening a client.

    @on(RenewalTable.Opened)
    async def _row_opened(self, event: RenewalTable.Opened) -> None:
        event.stop()
        await self.action_open_client()

    async def action_open_client(self) -> None:
        row = self.selected
        if row is not None:
            await self.console_app.jump_to_client(row.client_id)

    def action_open_in_browser(self) -> None:
        row = self.selected
        if row is None:
            return
        if urlparse(row.crm_url).scheme not in ("http", "https"):
            self.notify(
                "This client has no web address for its company record.",
                severity="warning",
                markup=False,
            )
            return
        self.console_app.open_link(row.crm_url, "company record")

    # Setting the communication owner.

    def action_set_owner(self) -> None:
        row = self.selected
        if row is None:
            return
        self.app.push_screen(
            CommunicationOwnerModal(row.client_name, row.communication_owner),
            partial(self._owner_chosen, row),
        )

    def _owner_chosen(self, row: RenewalListRow, owner: str | None) -> None:
        if owner is not None:
            self.set_owner(row, owner)

    def set_owner(self, row: RenewalListRow, owner: str) -> None:
        """Queue the change offline; the table and the header show it once it is written."""
        if owner == row.communication_owner:
            self.notify(
                f"{OWNER_LABELS[owner]} already owns this renewal's communication.",
                markup=False,
            )
            return
        self._keep_selection = row.renewal_id
        # Every screen reads the cache again afterwards; this one keeps its selection.
        self.console_app.queue_action(
            "set_renewal_owner",
            (row.renewal_id, owner),
            done=f"{OWNER_LABELS[owner]} now owns the renewal communication of "
            f"{row.client_name}. It is sent at the next sync.",
            undo_label=f"{OWNER_LABELS[owner]} owns the renewal communication of {row.client_name}",
            error_title="Could not set the communication owner",
        )

    # The command palette.

    def palette_commands(self) -> Iterable[PaletteCommand]:
        if not self._showing_table:
            return
        for days in WINDOWS:
            yield PaletteCommand(
                f"Renewals in the next {days} days",
                f"Show renewal decisions up to {days} days ahead.",
                partial(self.set_window, days),
            )
        yield PaletteCommand(
            "Filter renewals", "Choose owner, status, comms.", self.action_focus_filters
        )
        if self.console_app.profile.user_email:
            yield PaletteCommand(
                "Toggle my renewals",
                "Only the clients you own, or everyone's.",
                self.action_toggle_mine,
            )
        for status in (None, *STATUSES):
            label = STATUS_LABELS[status].lower() if status else "any status"
            yield PaletteCommand(
                f"Show renewals: {label}",
                "Filter the renewals by status.",
                partial(self.set_status, status),
            )
        for sort in SORT_CYCLE:
            yield PaletteCommand(
                f"Sort renewals by {SORT_LABELS[sort]}",
                f"Sort the renewals by {SORT_LABELS[sort]}.",
                partial(self.sort_by, sort),
            )
        yield PaletteCommand(
            "Reverse renewal sort", "Flip the sort order.", self.action_reverse_sort
        )
        row = self.selected
        if row is None:
            return
        yield PaletteCommand(
            "Set communication owner…",
            "Choose who talks to the selected client about its renewal.",
            self.action_set_owner,
        )
        for owner in COMMUNICATION_OWNERS:
            yield PaletteCommand(
                f"Set communication owner: {OWNER_LABELS[owner]}",
                "Queued offline; sent at the next sync.",
                partial(self.set_owner, row, owner),
            )
        yield PaletteCommand(
            "Open renewal's client", "Select it on the Clients screen.", self.action_open_client
        )
        yield PaletteCommand(
            "Open renewal's client in CRM",
            "Open the company record in your browser.",
            self.action_open_in_browser,
        )
