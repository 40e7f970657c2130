"""Rows with a change waiting to sync are marked "…" on Clients, Renewals and the Inbox, their
data still readable; the mark goes when the change is undone (or sent)."""

from __future__ import annotations

import sqlite3

from console_fixtures import FIXED_NOW
from pilot_helpers import settle
from textual.widgets import Label

from console.app import PartnerOpsApp
from console.screens.inbox import InboxScreen
from console.widgets.virtual_table import VirtualTable
from sync.profile import Profile

SIZE = (160, 48)


def make_app(profile: Profile, start_screen: str) -> PartnerOpsApp:
    return PartnerOpsApp(profile, start_screen=start_screen, clock=lambda: FIXED_NOW)


def line_of(table: VirtualTable, index: int) -> str:
    """The painted line of row `index` (the table's first line is its header)."""
    return table.render_line(index - int(table.scroll_y) + 1).text


def outbox_kinds(profile: Profile) -> list[str]:
    conn = sqlite3.connect(profile.cache_path)
    try:
        return [kind for (kind,) in conn.execute("SELECT kind FROM outbox ORDER BY seq")]
    finally:
        conn.close()


async def test_a_note_and_an_owner_mark_the_client_row(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile, "clients")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        name = table.row_at(1).name
        assert not line_of(table, 1).startswith("…")
        await pilot.press("down", "n", *"called them", "ctrl+s")
        await settle(pilot)
        assert outbox_kinds(portfolio_profile) == ["add_note"]
        line = line_of(table, 1)
        assert line.startswith("…") and name[:20] in line
        assert not line_of(table, 0).startswith("…") and not line_of(table, 2).startswith("…")
        await pilot.press("u")
        await settle(pilot)
        assert outbox_kinds(portfolio_profile) == []
        assert not line_of(table, 1).startswith("…")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert outbox_kinds(portfolio_profile) == ["assign_owner"]
        assert line_of(table, 1).startswith("…")


async def test_a_communication_owner_marks_the_renewal_row(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile, "renewals")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        row = table.row_at(0)
        other = "hubspot" if row.communication_owner == "partner" else "partner"
        await pilot.press("c", other[0])
        await settle(pilot)
        assert outbox_kinds(portfolio_profile) == ["set_renewal_owner"]
        line = line_of(table, table.index_of(row.renewal_id))
        assert line.startswith("…") and row.client_name[:15] in line


async def test_triage_of_a_backend_alert_marks_its_row(portfolio_profile: Profile) -> None:
    conn = sqlite3.connect(portfolio_profile.cache_path)
    backend_alerts = {alert_id for (alert_id,) in conn.execute("SELECT id FROM alert")}
    conn.close()
    app = make_app(portfolio_profile, "inbox")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        table = screen.table
        # A section holding a backend alert (local alerts are triaged here, never sent).
        for section in range(len(screen.sections)):
            screen.show_section(section)
            await settle(pilot)
            ids = [table.row_at(i).id for i in range(min(table.row_count, 30))]
            if backend_alerts & set(ids):
                break
        index = next(i for i, alert_id in enumerate(ids) if alert_id in backend_alerts)
        title = table.row_at(index).title
        table.move_cursor(index)
        await pilot.press("n", *"called them", "ctrl+s")
        await settle(pilot)
        assert outbox_kinds(portfolio_profile) == ["add_note"]
        line = line_of(table, index)
        assert line.startswith("…") and title[:15] in line
        # Selected as well: the selection's dot, and the count in the header line.
        await pilot.press("space")
        await settle(pilot)
        assert line_of(table, index).startswith("●")
        count = str(screen.query_one("#inbox-count", Label).render())
        assert "1 selected" in count
