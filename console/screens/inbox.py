"""Inbox: alerts as a triage queue, in sections defined by filters (PRODUCT.md §2).

Sections come from the profile (`[inbox] sections`) or the archetype's defaults. A worker reads
every section's count and the current section's rows (at most `LIST_LIMIT`, most urgent first)
into a stock `DataTable`; another reads the selected alert's detail. Triage runs in a worker
with its own write connection: backend alerts through the outbox (sent at the next sync),
local alerts applied here only, since the backend does not know them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date
from functools import partial
from typing import ClassVar
from urllib.parse import urlparse

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.screens.base import PaletteCommand, PartnerOpsScreen
from console.screens.dialogs import NoteDialog, PersonChoice, PersonDialog
from console.screens.snooze_dialog import SnoozeChoice, SnoozeModal
from console.text import literal, safe_text
from console.widgets.alert_detail import detail_text, section_prompt
from local_store.alert_filter import Section, inbox_sections
from local_store.alerts import (
    AlertDetail,
    AlertListRow,
    alert_detail,
    section_counts,
    section_rows,
)
from local_store.health import SettingsError
from local_store.queries import Employee, employees

COLUMNS = (
    ("severity", "Severity", 9),
    ("impact", "Impact", 7),  # the default order: local_store.impact
    ("client", "Client", 22),
    ("title", "Title", 38),
    ("due", "Due", 10),
    ("status", "Status", 12),
    ("source", "From", 7),
    ("assignee", "Assignee", 18),
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


def _key(name: str, action: str, label: str, tooltip: str, *, show: bool = True) -> Binding:
    return Binding(
        name, action, label, show=show, id=f"inbox.{action.replace('_', '-')}", tooltip=tooltip
    )


class AlertTable(DataTable[Text]):
    """The section's alerts; `enter` opens the alert's client."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Open client",
            id="inbox.open",
            tooltip="Select the alert's client on the Clients screen.",
        ),
    ]


class InboxScreen(PartnerOpsScreen):
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
            self, generation: int, counts: list[int], count: int, rows: list[AlertListRow]
        ) -> None:
            super().__init__()
            self.generation = generation
            self.counts = counts
            self.count = count
            self.rows = rows

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

    class TriageDone(Message):
        def __init__(self, verb: str, subject: str, done: list[str], errors: list[str]) -> None:
            super().__init__()
            self.verb = verb
            self.subject = subject
            """The alert's title when the action was on one alert."""
            self.done = done
            self.errors = errors

    def __init__(self) -> None:
        super().__init__()
        self.sections: tuple[Section, ...] = ()
        self.section_index = 0
        self.search = ""
        self.rows: list[AlertListRow] = []
        self.selected: set[str] = set()
        self.detail: AlertDetail | None = None
        self._generation = 0
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
            yield OptionList(
                *(Option(Text(section.name)) for section in self.sections), id="inbox-sections"
            )
            with Vertical(id="inbox-main"):
                with Horizontal(id="inbox-search-bar", classes="search-bar"):
                    yield Input(
                        placeholder="/ filter this section", id="inbox-search", compact=True
                    )
                    yield Label(id="inbox-count", classes="search-count")
                yield AlertTable(id="inbox-alerts", cursor_type="row", zebra_stripes=True)
                yield Static("", id="inbox-empty", markup=False)
                with VerticalScroll(id="inbox-detail-box"):
                    yield Static(id="inbox-detail", markup=False)

    @property
    def showing(self) -> bool:
        return self.console_app.cache.available and self._problem is None

    def on_mount(self) -> None:
        super().on_mount()
        if self.showing:
            table = self.table
            for key, label, width in COLUMNS:
                table.add_column(label, key=key, width=width)
            self.query_one("#inbox-sections", OptionList).highlighted = 0
            table.focus()
            self.app.theme_changed_signal.subscribe(self, lambda _theme: self._fill_table())
            self._run_query()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.showing or action not in _TABLE_ACTIONS

    @property
    def table(self) -> AlertTable:
        return self.query_one(AlertTable)

    @property
    def section(self) -> Section:
        return self.sections[self.section_index]

    # Reading the cache.

    def _run_query(self) -> None:
        self._generation += 1
        self._load(self._generation, self.sections, self.section, self.search, self.today)

    # Not exclusive: a cancelled thread worker still runs to its end, so cancelling buys
    # nothing; the generation (and, for the detail, the alert id) drops stale answers.
    @work(thread=True, group="inbox-query", exit_on_error=False)
    def _load(
        self,
        generation: int,
        sections: tuple[Section, ...],
        section: Section,
        search: str,
        today: date,
    ) -> None:
        with self.console_app.cache.borrow() as conn:
            counts = section_counts(conn, sections, self.me, today)
            count, rows = section_rows(conn, section, self.me, today, search)
        self.post_message(self.Loaded(generation, counts, count, rows))

    @on(Loaded)
    def _show_loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        options = self.query_one("#inbox-sections", OptionList)
        for index, (section, count) in enumerate(zip(self.sections, message.counts, strict=True)):
            prompt = section_prompt(section.name, count)
            options.replace_option_prompt_at_index(index, prompt)
        self.rows = message.rows
        present = {row.id for row in self.rows}
        self.selected &= present
        shown = len(self.rows)
        count_text = f"{message.count:,} alert{'' if message.count == 1 else 's'}"
        if shown < message.count:
            count_text = f"first {shown:,} of {message.count:,} alerts"
        self.query_one("#inbox-count", Label).update(count_text)
        self._fill_table()
        empty = self.query_one("#inbox-empty", Static)
        empty.display = not self.rows
        empty.update(
            f"Nothing matches “{self.search}” in this section."
            if self.search
            else "Nothing to triage in this section."
        )
        self.table.display = bool(self.rows)
        self._show_cursor_detail()

    def _fill_table(self) -> None:
        if not self.showing:
            return
        table = self.table
        keep = row.id if (row := self._cursor_row()) else None
        table.clear()
        colours = self.app.get_css_variables()
        severity_styles = {
            "critical": f"bold {colours['text-error']}",
            "warning": colours["text-warning"],
            "info": "dim",
        }
        widths = [width for _, _, width in COLUMNS]
        for row in self.rows:
            mark = ("●", colours["text-accent"]) if row.id in self.selected else " "
            cells = [
                Text.assemble(mark, (row.severity, severity_styles.get(row.severity, ""))),
                Text(f"{row.impact:,.0f}", justify="right"),
                literal(row.client_name or "—"),
                literal(row.title),
                Text(row.due_date.isoformat() if row.due_date else "—"),
                Text(row.status),
                Text(row.source, style="dim" if row.source == "backend" else ""),
                literal(row.assignee) if row.assignee else Text("—", style="dim"),
            ]
            for cell, width in zip(cells, widths, strict=True):
                cell.truncate(width, overflow="ellipsis")
            table.add_row(*cells, key=row.id)
        index = next((i for i, r in enumerate(self.rows) if r.id == keep), 0)
        if self.rows:
            table.move_cursor(row=min(index, len(self.rows) - 1), animate=False)

    def _cursor_row(self) -> AlertListRow | None:
        if not self.showing or not self.rows:
            return None
        row = self.table.cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowHighlighted, "#inbox-alerts")
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
            self._run_query()

    # Sections and search.

    @on(OptionList.OptionHighlighted, "#inbox-sections")
    def _section_picked(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index != self.section_index:
            self.show_section(event.option_index)

    def show_section(self, index: int) -> None:
        self.section_index = index % len(self.sections)
        options = self.query_one("#inbox-sections", OptionList)
        if options.highlighted != self.section_index:
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

    @on(DataTable.RowSelected, "#inbox-alerts")
    async def _row_selected(self, event: DataTable.RowSelected) -> None:
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

    def _targets(self) -> tuple[str, ...]:
        """The selected alerts in list order, else the one under the cursor."""
        if self.selected:
            return tuple(row.id for row in self.rows if row.id in self.selected)
        row = self._cursor_row()
        return (row.id,) if row else ()

    def action_toggle_select(self) -> None:
        row = self._cursor_row()
        if row is None:
            return
        self.selected ^= {row.id}
        cursor = self.table.cursor_row
        self._fill_table()
        if cursor + 1 < len(self.rows):
            self.table.move_cursor(row=cursor + 1, animate=False)

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
                self._apply("snooze", (row.id,), (choice.until, choice.reason, author))

        self.app.push_screen(SnoozeModal(row.title, self.today), picked)

    def action_note(self) -> None:
        row = self._cursor_row()
        if row is None:
            return

        def written(text: object) -> None:
            if isinstance(text, str):
                self._apply("add_note", (row.id,), (text, self.me or "partnerops"))

        self.app.push_screen(NoteDialog(row.title), written)

    def action_assign(self) -> None:
        if row := self._cursor_row():
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
                self._apply("assign", (row.id,), (choice.email,))

        self.app.push_screen(
            PersonDialog("Assign", row.title, message.people, row.assignee), picked
        )

    def _apply(self, action: str, alert_ids: Sequence[str], args: tuple[object, ...]) -> None:
        titles = {row.id: row.title for row in self.rows}
        subject = titles.get(alert_ids[0], alert_ids[0]) if len(alert_ids) == 1 else ""
        self._write(action, subject, alert_ids, args)

    @work(thread=True, group="inbox-triage", exit_on_error=False)
    def _write(
        self, action: str, subject: str, alert_ids: Sequence[str], args: tuple[object, ...]
    ) -> None:
        # Imported here: the first paint must not wait on the write path.
        from local_store import alert_triage
        from local_store.database import CacheError, connect

        done: list[str] = []
        errors: list[str] = []
        try:
            # The cache reader's connections are for reading; a write gets its own.
            conn = connect(self.console_app.cache.path)
        except CacheError as exc:
            self.post_message(self.TriageDone(action, subject, [], [str(exc)]))
            return
        try:
            for alert_id in alert_ids:
                try:
                    done.append(getattr(alert_triage, action)(conn, alert_id, *args))
                except (LookupError, ValueError, sqlite3.DatabaseError) as exc:
                    errors.append(str(exc))
        finally:
            conn.close()
        self.post_message(self.TriageDone(action, subject, done, errors))

    @on(TriageDone)
    def _triage_done(self, message: TriageDone) -> None:
        if message.errors:
            more = f" (and {len(message.errors) - 1} more)" if len(message.errors) > 1 else ""
            self.notify(
                message.errors[0] + more,
                title="Could not apply the action",
                severity="error",
                markup=False,
            )
        if message.done:
            count = len(message.done)
            what = f"“{safe_text(message.subject)}”" if message.subject else f"{count} alerts"
            self.notify(f"{VERBS[message.verb]} {what} (u undoes)", markup=False)
            self.selected.clear()
            app = self.console_app
            app.data_generation += 1  # this screen and the others read the cache again
            app.refresh_status()

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
