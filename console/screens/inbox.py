"""Inbox: alerts as a triage queue, in sections defined by filters (PRODUCT.md §2).

Sections come from the profile (`[inbox] sections`) or the archetype's defaults. A worker reads
every section's count and the current section's first page; the virtual table reads further
pages (filter, search and order in SQL, `local_store.alerts.section_page`) as they come into
view, so "Everything open" lists every open alert. Another worker reads the selected alert's
detail. Triage goes through the
app's one serial writer (`console.local_writes`): backend alerts through the outbox (sent at
the next sync), local alerts applied here only, since the backend does not know them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import partial
from typing import ClassVar, NamedTuple
from urllib.parse import urlparse

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.local_writes import LocalWrite
from console.screens.base import PaletteCommand, PartnerOpsScreen
from console.screens.dialogs import NoteDialog, PersonChoice, PersonDialog
from console.screens.snooze_dialog import SnoozeChoice, SnoozeModal
from console.text import safe_text
from console.widgets.alert_detail import detail_text, section_prompt
from console.widgets.safe_select import SafeOptionList
from console.widgets.virtual_table import (
    PAGE_SIZE,
    PENDING_MARK,
    Column,
    RowsView,
    VirtualTable,
)
from local_store.alert_filter import Section, inbox_sections
from local_store.alerts import (
    AlertDetail,
    AlertListRow,
    SectionCount,
    alert_detail,
    section_count,
    section_counts,
    section_page,
)
from local_store.health import SettingsError
from local_store.queries import Employee, employees


class SectionQuery(NamedTuple):
    """What a section's table pages: the section, the search, the day, and the section's
    matches per source once counted."""

    section: Section
    search: str
    today: date
    counted: SectionCount | None


SEVERITY_TONES = {"critical": "error", "warning": "warning", "info": "muted"}

# Priorities choose what shows when the width is short: the title always shows, then whose
# it is (a title alone is cut before it names the client), Due and Status.
COLUMNS: tuple[Column[AlertListRow], ...] = (
    Column(
        "severity",
        "Severity",
        8,
        lambda r: r.severity,
        tone=lambda r: SEVERITY_TONES.get(r.severity),
        priority=30,
    ),
    # What is at stake (local_store.impact): the inbox's default order, highest first.
    Column("impact", "Impact", 7, lambda r: f"{r.impact:,.0f}", "right", priority=25),
    Column("client", "Client", 22, lambda r: r.client_name, priority=3, min_width=14),
    Column("title", "Title", 38, lambda r: r.title, flex=True, min_width=20),
    Column("due", "Due", 10, lambda r: r.due_date.isoformat() if r.due_date else None, priority=5),
    Column("status", "Status", 12, lambda r: r.status, priority=10),
    Column(
        "source",
        "From",
        7,
        lambda r: r.source,
        tone=lambda r: "muted" if r.source == "backend" else None,
        priority=60,
    ),
    Column("assignee", "Assignee", 18, lambda r: r.assignee, priority=50, min_width=12),
)
VERBS = {
    "acknowledge": "Acknowledged",
    "resolve": "Resolved",
    "snooze": "Snoozed",
    "assign": "Assigned",
    "add_note": "Noted on",
}
_TABLE_ACTIONS = frozenset(
    {
        "focus_search",
        "focus_table",
        "acknowledge",
        "snooze",
        "assign",
        "resolve",
        "note",
        "toggle_select",
        "next_section",
        "previous_section",
        "open_in_browser",
    }
)


def _triage_step(
    action: str, alert_id: str, args: tuple[object, ...], conn: sqlite3.Connection
) -> object:
    # Imported here: triage pulls in SQLModel through the outbox, off the first paint.
    from local_store import alert_triage

    return getattr(alert_triage, action)(conn, alert_id, *args)


def _key(name: str, action: str, label: str, tooltip: str, *, show: bool = True) -> Binding:
    return Binding(
        name, action, label, show=show, id=f"inbox.{action.replace('_', '-')}", tooltip=tooltip
    )


class AlertTable(VirtualTable[AlertListRow]):
    """The section's alerts; `enter` opens the alert's client."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open",
            "Open client",
            id="inbox.open",
            tooltip="Select the alert's client on the Clients screen.",
        ),
    ]

    def __init__(
        self,
        selected: Callable[[str], bool],
        pending: Callable[[str], bool],
        *,
        id: str | None = None,
    ) -> None:
        """`selected` and `pending` (a change waits to sync) say how an alert's row is marked."""

        def marker(row: AlertListRow) -> tuple[str, str | None]:
            if pending(row.id):
                # Selected and pending: the dot, in the pending tone the whole row takes.
                return ("●", PENDING_MARK[1]) if selected(row.id) else PENDING_MARK
            return ("●", "accent") if selected(row.id) else (" ", None)

        super().__init__(COLUMNS, row_id=lambda row: row.id, marker=marker, id=id)


class InboxScreen(PartnerOpsScreen):
    # Section names ("My renewals in 45 days") whole where there is room; narrow terminals
    # keep their width for the alerts.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (140, "-wide")]
    DEFAULT_CSS = """
    #inbox-body {
        height: 1fr;
    }

    #inbox-sections {
        width: 30;
        height: 1fr;
        border: none;
        border-right: vkey $primary 30%;
        background: $surface;
    }

    InboxScreen.-narrow #inbox-sections {
        width: 22;
    }

    InboxScreen.-wide #inbox-sections {
        width: 40;
    }

    #inbox-main {
        width: 1fr;
        height: 1fr;
    }

    #inbox-alerts {
        height: 1fr;
    }

    #inbox-empty {
        height: 1fr;
        padding: 1 2;
        color: $text-muted;
    }

    #inbox-detail-box {
        height: 40%;
        min-height: 6;
        padding: 0 1;
        border-top: hkey $primary 30%;
        background: $boost;
    }
    """
    SCREEN_TITLE = "Inbox"
    MARKS_PENDING = True
    HELP_NOTES = (
        "Sections are filters from the config file (see docs/configuration.md). Space selects "
        "several alerts for a bulk acknowledge or resolve. Alerts from the backend are triaged "
        "offline and sent at the next sync; alerts raised by local rules are triaged on this "
        "machine only, because the backend does not know them. u undoes the last action not "
        "yet synced."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        _key("slash", "focus_search", "Filter", "Search the alerts of this section."),
        _key("escape", "focus_table", "Back to list", "Leave the search.", show=False),
        _key(
            "k",
            "acknowledge",
            "Ack",
            "Acknowledge the selected alerts (or the one under the cursor).",
        ),
        _key("z", "snooze", "Snooze", "Snooze the alert until a date, with a reason."),
        _key("a", "assign", "Assign", "Assign the alert to a colleague."),
        _key(
            "x", "resolve", "Resolve", "Resolve the selected alerts (or the one under the cursor)."
        ),
        _key("n", "note", "Note", "Add a note to the alert."),
        _key("space", "toggle_select", "Select", "Select the alert for a bulk action."),
        _key(
            "right_square_bracket",
            "next_section",
            "Next section",
            "Show the next section.",
            show=False,
        ),
        _key(
            "left_square_bracket",
            "previous_section",
            "Previous section",
            "Show the previous section.",
            show=False,
        ),
        _key(
            "o",
            "open_in_browser",
            "Open in CRM",
            "Open the alert's client in your CRM.",
            show=False,
        ),
    ]

    class Loaded(Message):
        def __init__(
            self,
            generation: int,
            count: int | None,
            first_page: list[AlertListRow],
            query: SectionQuery,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.count = count
            """None while it is being counted (`Counted` follows)."""
            self.first_page = first_page
            self.query = query

    class Counted(Message):
        """The section's count, and every section's when they were read, after its first page
        (a count reads every alert; the page, 100 rows)."""

        def __init__(
            self, generation: int, count: int | None, counts: list[SectionCount] | None
        ) -> None:
            super().__init__()
            self.generation = generation
            self.count = count
            self.counts = counts

    class DetailLoaded(Message):
        def __init__(self, alert_id: str, detail: AlertDetail | None) -> None:
            super().__init__()
            self.alert_id = alert_id
            self.detail = detail

    class EmployeesRead(Message):
        def __init__(self, row: AlertListRow, people: list[Employee]) -> None:
            super().__init__()
            self.row = row
            self.people = people

    def __init__(self) -> None:
        super().__init__()
        self.sections: tuple[Section, ...] = ()
        self.section_index = 0
        self.search = ""
        self.selected: dict[str, AlertListRow] = {}
        """Alerts chosen for a bulk action, in the order chosen."""
        self.detail: AlertDetail | None = None
        self._generation = 0
        self._count: int | None = 0
        self._keep_alert: str | None = None
        self._section_counts: list[SectionCount] | None = None
        """Every section's count (without the search) until the data changes."""
        self._sections_asked = False
        """A worker was asked for `_section_counts` since the data last changed."""
        self._problem: str | None = None

    # Layout.

    @property
    def today(self) -> date:
        return self.console_app.today()

    @property
    def me(self) -> str | None:
        return self.console_app.profile.user_email

    def compose_body(self) -> ComposeResult:
        app = self.console_app
        try:
            self.sections = inbox_sections(
                app.profile.settings, app.profile.archetype, for_user=bool(self.me)
            )
        except SettingsError as exc:
            self._problem = f"The inbox sections in the config file are wrong: {exc}"
        if not app.cache.available or self._problem:
            yield Static(self._problem or app.cache.problem or "", id="empty-state", markup=False)
            return
        with Horizontal(id="inbox-body"):
            yield SafeOptionList(
                *(Option(Text(section.name)) for section in self.sections), id="inbox-sections"
            )
            with Vertical(id="inbox-main"):
                with Horizontal(id="inbox-search-bar", classes="search-bar"):
                    yield Input(
                        placeholder="/ filter this section", id="inbox-search", compact=True
                    )
                    yield Label(id="inbox-count", classes="search-count")
                yield AlertTable(
                    lambda alert_id: alert_id in self.selected,
                    lambda alert_id: self.is_pending("alert", alert_id),
                    id="inbox-alerts",
                )
                yield Static("", id="inbox-empty", markup=False)
                with VerticalScroll(id="inbox-detail-box"):
                    yield Static(id="inbox-detail", markup=False)

    @property
    def showing(self) -> bool:
        return self.console_app.cache.available and self._problem is None

    def on_mount(self) -> None:
        super().on_mount()
        if self.showing:
            self.query_one("#inbox-sections", OptionList).highlighted = 0
            self.table.focus()
            self._run_query()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.showing or action not in _TABLE_ACTIONS

    @property
    def table(self) -> AlertTable:
        return self.query_one(AlertTable)

    @property
    def section(self) -> Section:
        return self.sections[self.section_index]

    @property
    def rows(self) -> Sequence[AlertListRow]:
        """The section's rows, read page by page from the cache as they are asked for."""
        return RowsView(self.table) if self.showing else ()

    # Reading the cache.

    def _run_query(self, *, data_changed: bool = False) -> None:
        """Read the section again; the cursor starts at the top unless `reload` keeps it.
        Every section's count is read again only when the data changed (or never was)."""
        self._generation += 1
        if data_changed:
            self._section_counts = None
            self._sections_asked = False
        counts = self._section_counts
        counted = counts[self.section_index] if counts is not None else None
        known = counted.total if counted is not None and not self.search else None
        # One worker counts the sections (keys pressed fast start many): the others count
        # their own section, if they must.
        count_sections = counts is None and not self._sections_asked
        self._sections_asked = True
        self._load(
            self._generation,
            self.sections if count_sections else (),
            self.section_index,
            SectionQuery(self.sections[self.section_index], self.search, self.today, counted),
            known,
            # Keeping the cursor on an alert looks for it beyond the first page: count first.
            count_first=self._keep_alert is not None,
        )

    # Not exclusive: a cancelled thread worker still runs to its end, so cancelling buys
    # nothing; the generation (and, for the detail, the alert id) drops stale answers.
    @work(thread=True, group="inbox-query", exit_on_error=False)
    def _load(
        self,
        generation: int,
        sections: tuple[Section, ...],
        index: int,
        query: SectionQuery,
        known: int | None,
        *,
        count_first: bool,
    ) -> None:
        section, search, today = query.section, query.search, query.today
        with self.console_app.cache.borrow() as conn:
            first_page = self._page(conn, query, 0, PAGE_SIZE)
            # A first page shorter than a page is every row: its count is known at once.
            count = known
            if count is None and len(first_page) < PAGE_SIZE:
                count = len(first_page)
            if not count_first:
                self.post_message(self.Loaded(generation, count, first_page, query))
                if count is not None and not sections:
                    return
            counts = section_counts(conn, sections, self.me, today) if sections else None
            if count is None:
                if counts is not None and not search:
                    count = counts[index].total
                else:
                    count = section_count(conn, section, self.me, today, search)
        if count_first:
            self.post_message(self.Loaded(generation, count, first_page, query))
        self.post_message(self.Counted(generation, count, counts))

    def _page(
        self, conn: sqlite3.Connection, query: SectionQuery, offset: int, limit: int
    ) -> list[AlertListRow]:
        return section_page(
            conn, query.section, self.me, query.today, query.search, offset, limit, query.counted
        )

    def _fetch_page(self, query: SectionQuery, offset: int, limit: int) -> Sequence[AlertListRow]:
        # On the UI thread, while drawing: one page of the section in SQL.
        conn = self.console_app.cache.ui
        return self.page_or_nothing(lambda: self._page(conn, query, offset, limit))

    def _show_section_counts(self) -> None:
        options = self.query_one("#inbox-sections", OptionList)
        # The list's width less the count's six columns and the options' padding.
        name_width = max(8, options.scrollable_content_region.width - 8)
        if self._section_counts is None:
            return  # being counted again: the prompts follow the counts
        counts = zip(self.sections, self._section_counts, strict=True)
        for index, (section, count) in enumerate(counts):
            prompt = section_prompt(section.name, count.total, name_width)
            options.replace_option_prompt_at_index(index, prompt)

    def on_resize(self) -> None:
        if self._section_counts:
            self.call_after_refresh(self._show_section_counts)

    @on(Loaded)
    def _show_loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        count = len(message.first_page) if message.count is None else message.count
        table = self.table
        keep, self._keep_alert = self._keep_alert, None
        previous = table.cursor_row
        table.show(
            count,
            partial(self._fetch_page, message.query),
            message.first_page,
        )
        if keep is not None:
            at_previous = table.row_at(previous)
            if at_previous is not None and at_previous.id == keep:
                table.move_cursor(previous)
            elif (found := table.index_of(keep)) is not None:
                table.move_cursor(found)
            else:
                table.move_cursor(min(previous, count - 1))
        self._count = message.count
        self._show_count()
        self._show_empty(bool(count))
        self._show_cursor_detail()

    @on(Counted)
    def _show_counted(self, message: Counted) -> None:
        # Counts are shown even from an answer overtaken by a newer query, which has none.
        if message.counts is not None:
            self._section_counts = message.counts
            self._show_section_counts()
        if message.generation != self._generation or message.count is None:
            return
        self._count = message.count
        self.table.set_row_count(message.count)
        self._show_count()
        self._show_empty(bool(message.count))

    def _show_empty(self, any_rows: bool) -> None:
        empty = self.query_one("#inbox-empty", Static)
        empty.display = not any_rows
        empty.update(
            f"Nothing matches “{self.search}” in this section."
            if self.search
            else "Nothing to triage in this section."
        )
        self.table.display = any_rows

    def _show_count(self) -> None:
        count = self._count
        plural = "" if count == 1 else "s"
        text = "counting…" if count is None else f"{count:,} alert{plural}"
        if self.selected:
            text += f" · {len(self.selected):,} selected"
        self.query_one("#inbox-count", Label).update(text)

    def _cursor_row(self) -> AlertListRow | None:
        if not self.showing or not self.table.display:
            return None
        return self.table.cursor_value

    def move_cursor_to(self, alert_id: str) -> None:
        """Put the cursor on an alert near the top of the section (nothing if it is not)."""
        index = self.table.index_of(alert_id)
        if index is not None:
            self.table.move_cursor(index)

    @on(AlertTable.Highlighted, "#inbox-alerts")
    def _highlighted(self) -> None:
        self._show_cursor_detail()

    def _show_cursor_detail(self) -> None:
        row = self._cursor_row()
        if row is None:
            self.detail = None
            self.query_one("#inbox-detail", Static).update("")
            return
        self._load_detail(row.id, self.today)

    @work(thread=True, group="inbox-detail", exit_on_error=False)
    def _load_detail(self, alert_id: str, today: date) -> None:
        with self.console_app.cache.borrow() as conn:
            self.post_message(self.DetailLoaded(alert_id, alert_detail(conn, alert_id, today)))

    @on(DetailLoaded)
    def _show_detail(self, message: DetailLoaded) -> None:
        row = self._cursor_row()
        if row is None or row.id != message.alert_id:
            return
        self.detail = message.detail
        self.query_one("#inbox-detail", Static).update(
            detail_text(message.detail) if message.detail else Text("")
        )

    def reload(self) -> None:
        if self.showing:
            # The same alerts read again (after a write or a sync): the cursor stays on its own.
            row = self._cursor_row()
            self._keep_alert = row.id if row else None
            self._run_query(data_changed=True)

    # Sections and search.

    @on(OptionList.OptionHighlighted, "#inbox-sections")
    def _section_picked(self, event: OptionList.OptionHighlighted) -> None:
        # Only the user's own moves in the list arrive here (`show_section` moves it with the
        # message prevented), and a stale one (the list has moved on) is dropped: answering
        # either would move the list again, and two `]` in a row flipped it for ever.
        if event.option_index == event.option_list.highlighted != self.section_index:
            self.show_section(event.option_index)

    def show_section(self, index: int) -> None:
        self.section_index = index % len(self.sections)
        options = self.query_one("#inbox-sections", OptionList)
        if options.highlighted != self.section_index:
            with options.prevent(OptionList.OptionHighlighted):
                options.highlighted = self.section_index
        self.selected.clear()
        self._run_query()

    def action_next_section(self) -> None:
        self.show_section(self.section_index + 1)

    def action_previous_section(self) -> None:
        self.show_section(self.section_index - 1)

    @on(Input.Changed, "#inbox-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search = event.value
        self._run_query()

    @on(Input.Submitted, "#inbox-search")
    def _search_submitted(self) -> None:
        self.table.focus()

    def action_focus_search(self) -> None:
        self.query_one("#inbox-search", Input).focus()

    def action_focus_table(self) -> None:
        self.table.focus()

    # Opening.

    @on(AlertTable.Opened, "#inbox-alerts")
    async def _row_selected(self, event: AlertTable.Opened) -> None:
        row = self._cursor_row()
        if row is not None and row.client_id:
            await self.console_app.jump_to_client(row.client_id)

    def action_open_in_browser(self) -> None:
        url = self.detail.client_crm_url if self.detail else None
        if not url or urlparse(url).scheme not in ("http", "https"):
            self.notify("This alert's client has no web address.", severity="warning", markup=False)
            return
        self.console_app.open_link(url, "company record")

    # Triage.

    def _targets(self) -> tuple[AlertListRow, ...]:
        """The selected alerts in the order chosen, else the one under the cursor."""
        if self.selected:
            return tuple(self.selected.values())
        row = self._cursor_row()
        return (row,) if row else ()

    def action_toggle_select(self) -> None:
        row = self._cursor_row()
        if row is None:
            return
        if self.selected.pop(row.id, None) is None:
            self.selected[row.id] = row
        self.table.redraw_rows()
        self.table.action_cursor_down()
        self._show_count()

    def action_acknowledge(self) -> None:
        if targets := self._targets():
            self._apply("acknowledge", targets, ())

    def action_resolve(self) -> None:
        if targets := self._targets():
            self._apply("resolve", targets, ())

    def action_snooze(self) -> None:
        row = self._cursor_row()
        if row is None:
            return

        def picked(choice: object) -> None:
            if isinstance(choice, SnoozeChoice):
                author = self.me or "partnerops"
                self._apply("snooze", (row,), (choice.until, choice.reason, author))

        self.app.push_screen(SnoozeModal(row.title, self.today), picked)

    def action_note(self) -> None:
        row = self._cursor_row()
        if row is None:
            return

        def written(text: object) -> None:
            if isinstance(text, str):
                self._apply("add_note", (row,), (text, self.me or "partnerops"))

        self.app.push_screen(NoteDialog(row.title), written)

    def action_assign(self) -> None:
        if row := self._cursor_row():
            self.console_app.expect_dialog()
            self._read_employees(row)

    @work(thread=True, exclusive=True, group="inbox-employees", exit_on_error=False)
    def _read_employees(self, row: AlertListRow) -> None:
        with self.console_app.cache.borrow() as conn:
            self.post_message(self.EmployeesRead(row, employees(conn)))

    @on(EmployeesRead)
    def _ask_assignee(self, message: EmployeesRead) -> None:
        row = message.row

        def picked(choice: object) -> None:
            if isinstance(choice, PersonChoice):
                self._apply("assign", (row,), (choice.email,))

        self.app.push_screen(
            PersonDialog("Assign", row.title, message.people, row.assignee), picked
        )

    def _apply(
        self, action: str, targets: Sequence[AlertListRow], args: tuple[object, ...]
    ) -> None:
        """Queue the triage behind every write asked for before it (`console.local_writes`)."""
        what = f"“{safe_text(targets[0].title)}”" if len(targets) == 1 else f"{len(targets)} alerts"
        clients = sorted({row.client_name for row in targets if row.client_name})
        of = ""
        if clients:
            shown = ", ".join(safe_text(name) for name in clients[:3])
            of = f" of {shown}" + (f" and {len(clients) - 3} more" if len(clients) > 3 else "")
        steps = tuple(partial(_triage_step, action, row.id, args) for row in targets)
        self.selected.clear()
        self.table.redraw_rows()
        self.console_app.write_locally(
            LocalWrite(
                steps,
                done=f"{VERBS[action]} {what} (u undoes)",
                undo_label=f"{VERBS[action].lower()} {what}{of}",
                error_title="Could not apply the action",
            )
        )

    # The command palette.

    def palette_commands(self) -> Iterable[PaletteCommand]:
        if not self.showing:
            return
        yield PaletteCommand(
            "Acknowledge alert", "Acknowledge the selected alerts.", self.action_acknowledge
        )
        yield PaletteCommand("Snooze alert…", "Snooze the alert until a date.", self.action_snooze)
        yield PaletteCommand(
            "Assign alert…", "Assign the alert to a colleague.", self.action_assign
        )
        yield PaletteCommand("Resolve alert", "Resolve the selected alerts.", self.action_resolve)
        yield PaletteCommand("Add note to alert…", "Write a note on the alert.", self.action_note)
        yield PaletteCommand(
            "Select alert", "Select the alert for a bulk action.", self.action_toggle_select
        )
        yield PaletteCommand(
            "Filter alerts", "Search the alerts of this section.", self.action_focus_search
        )
        for index, section in enumerate(self.sections):
            yield PaletteCommand(
                f"Inbox section: {section.name}",
                f"Show the alerts matching {section.filter or 'every open alert'}.",
                partial(self.show_section, index),
            )
