"""The Renewals screen driven by keys, on a cache synced from the real backend."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from console_fixtures import FIXED_NOW, HOSTILE_MARKUP
from pilot_helpers import settle
from textual.pilot import Pilot
from textual.widgets import Label, Select, Static

from console.app import PartnerOpsApp
from console.screens.clients import ClientsScreen
from console.screens.help import HelpScreen
from console.screens.renewal_owner_dialog import CommunicationOwnerModal
from console.screens.renewals import RenewalsScreen, RenewalTable
from sync.profile import Profile

SIZE = (160, 48)
TODAY = FIXED_NOW.date()
"""The day the portfolio was generated for, and the screen's today."""


def make_app(profile: Profile) -> PartnerOpsApp:
    return PartnerOpsApp(profile, start_screen="renewals", clock=lambda: FIXED_NOW)


def screen_of(app: PartnerOpsApp) -> RenewalsScreen:
    assert isinstance(app.screen, RenewalsScreen)
    return app.screen


def table_of(app: PartnerOpsApp) -> RenewalTable:
    return app.screen.query_one(RenewalTable)


def totals_of(app: PartnerOpsApp) -> str:
    return str(app.screen.query_one("#renewal-totals", Label).render())


def cell(app: PartnerOpsApp, row: int, column: str) -> str | None:
    return table_of(app).cell_text(row, column)


def in_window(profile: Profile, days: int, where: str = "1", params: tuple = ()) -> list[tuple]:
    """Renewals in a window, read with SQL of the test's own: (id, mrr now, mrr change)."""
    conn = sqlite3.connect(profile.cache_path)
    rows = conn.execute(
        "SELECT r.id, r.mrr_now_cents, r.mrr_change_cents FROM renewal r "
        "JOIN client c ON c.id = r.client_id WHERE c.services_status != 'ended' "
        f"AND r.renewal_date BETWEEN ? AND ? AND {where}",
        (
            TODAY.isoformat(),
            (TODAY + timedelta(days=days)).isoformat(),
            *params,
        ),
    ).fetchall()
    conn.close()
    return rows


def dollars(cents: int) -> str:
    return f"${(cents + 50) // 100:,}"


async def test_window_key_changes_rows_and_totals(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ninety = in_window(portfolio_profile, 90)
        assert table_of(app).row_count == len(ninety) > 0
        assert totals_of(app).startswith(
            f"{len(ninety)} decisions in 90 days · {dollars(sum(r[1] for r in ninety))} MRR "
            "at stake · forecast "
        )
        await pilot.press("w")  # 90 → 120
        await settle(pilot)
        longer = in_window(portfolio_profile, 120)
        assert len(longer) > len(ninety)
        assert table_of(app).row_count == len(longer)
        assert totals_of(app).startswith(f"{len(longer)} decisions in 120 days")
        assert app.screen.query_one("#renewal-window", Select).value == 120
        await pilot.press("w")  # 120 → 30
        await settle(pilot)
        thirty = in_window(portfolio_profile, 30)
        assert table_of(app).row_count == len(thirty) < len(ninety)


async def test_rows_are_by_deadline_and_days_left_count_to_it(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = screen_of(app).rows
        deadlines = [row.decision_deadline for row in rows]
        assert deadlines == sorted(deadlines)
        first = rows[0]
        assert first.decision_deadline == first.renewal_date - timedelta(days=45)
        assert str(cell(app, 0, "days_left")) == str((first.decision_deadline - TODAY).days)
        assert "Deadline ▲" in table_of(app).render_line(0).text


async def test_pending_decisions_near_the_deadline_are_highlighted(
    portfolio_profile: Profile,
) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = screen_of(app).rows
        urgent = next(i for i, r in enumerate(rows) if r.status == "pending" and r.days_left <= 14)
        calm = next(i for i, r in enumerate(rows) if r.status == "pending" and r.days_left > 30)
        decided = next(i for i, r in enumerate(rows) if r.status != "pending")
        assert table_of(app).cell_tone(urgent, "days_left") == "error"
        assert table_of(app).cell_tone(calm, "days_left") is None
        assert table_of(app).cell_tone(decided, "days_left") == "muted"


async def test_sort_keys_and_mine_filter(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")  # deadline → MRR change, largest losses first
        await settle(pilot)
        changes = [row.mrr_change_cents for row in screen_of(app).rows]
        assert changes == sorted(changes) and changes[0] < 0
        await pilot.press("S")
        await settle(pilot)
        changes = [row.mrr_change_cents for row in screen_of(app).rows]
        assert changes == sorted(changes, reverse=True)
        await pilot.press("m")
        await settle(pilot)
        mine = in_window(
            portfolio_profile, 90, "c.owner_email = ?", (portfolio_profile.user_email,)
        )
        rows = screen_of(app).rows
        assert len(rows) == len(mine) > 0
        assert {row.owner_email for row in rows} == {portfolio_profile.user_email}
        assert app.screen.query_one("#renewal-owner", Select).value == portfolio_profile.user_email
        await pilot.press("m")
        await settle(pilot)
        assert len(screen_of(app).rows) == len(in_window(portfolio_profile, 90))


async def test_status_filter_and_its_empty_state(portfolio_profile: Profile) -> None:
    conn = sqlite3.connect(portfolio_profile.cache_path)
    with conn:
        conn.execute("UPDATE renewal SET status = 'pending' WHERE status = 'renewed'")
    conn.close()
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#renewal-status", Select).value = "confirmed"
        await settle(pilot)
        confirmed = in_window(portfolio_profile, 90, "r.status = 'confirmed'")
        assert table_of(app).row_count == len(confirmed) > 0
        assert {row.status for row in screen_of(app).rows} == {"confirmed"}
        app.screen.query_one("#renewal-status", Select).value = "renewed"
        await settle(pilot)
        empty = app.screen.query_one("#renewal-empty", Static)
        assert empty.display and not table_of(app).display
        assert "match these filters" in str(empty.render())
        assert totals_of(app).startswith("0 decisions in 90 days")
        await pilot.press("slash")
        assert app.screen.query_one("#renewal-owner", Select).has_focus


async def test_empty_window_says_what_to_do(portfolio_profile: Profile) -> None:
    conn = sqlite3.connect(portfolio_profile.cache_path)
    with conn:
        conn.execute("DELETE FROM renewal WHERE renewal_date <= '2027-02-21'")  # today + 90
    conn.close()
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#renewal-empty", Static)
        assert empty.display
        assert "Press w for a longer window" in str(empty.render())
        assert totals_of(app).startswith("0 decisions in 90 days · $0 MRR at stake")
        await pilot.press("w")
        await settle(pilot)
        assert table_of(app).row_count > 0 and not empty.display


async def test_set_communication_owner_queues_an_action(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        row = screen_of(app).rows[2]
        other = "hubspot" if row.communication_owner == "partner" else "partner"
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CommunicationOwnerModal)
        await pilot.press(other[0])  # p or h
        await settle(pilot)
        assert isinstance(app.screen, RenewalsScreen)
        conn = sqlite3.connect(portfolio_profile.cache_path)
        queued = conn.execute("SELECT kind, target_id, payload, state FROM outbox").fetchall()
        conn.close()
        assert queued == [
            ("set_renewal_owner", row.renewal_id, f'{{"owner": "{other}"}}', "pending")
        ]
        # The table keeps the row selected and shows the new owner; the header counts it.
        assert table_of(app).cursor_row == 2
        assert screen_of(app).rows[2].communication_owner == other
        assert (
            str(cell(app, 2, "communication_owner"))
            == {"partner": "Partner", "hubspot": "HubSpot"}[other]
        )
        status = str(app.screen.query_one("#status-sync", Label).render())
        assert "1 action waiting to sync" in status


async def test_escape_in_the_owner_dialog_changes_nothing(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RenewalsScreen)
        conn = sqlite3.connect(portfolio_profile.cache_path)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
        conn.close()


async def test_enter_opens_the_client(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")
        client_id = screen_of(app).rows[1].client_id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert app.screen.table.cursor_client.id == client_id


async def test_server_strings_render_literally(portfolio_profile: Profile) -> None:
    conn = sqlite3.connect(portfolio_profile.cache_path)
    with conn:
        client_id = conn.execute(
            "SELECT client_id FROM renewal ORDER BY renewal_date LIMIT 1"
        ).fetchone()[0]
        conn.execute("UPDATE client SET name = ? WHERE id = ?", (HOSTILE_MARKUP, client_id))
        conn.execute(
            "UPDATE renewal SET renewal_manager = ? WHERE client_id = ?",
            ("\x1b[31mEvil\x1b]52;c;aGk=\x07", client_id),
        )
    conn.close()
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert str(cell(app, 0, "client")) == HOSTILE_MARKUP
        manager = str(cell(app, 0, "renewal_manager"))
        assert manager.startswith("␛[31mEvil") and "\x1b" not in manager
        await pilot.press("c")
        await settle(pilot)
        assert HOSTILE_MARKUP in app.export_screenshot()


async def test_palette_and_help_offer_the_screen_actions(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = [command.name for command in screen_of(app).palette_commands()]
        for expected in (
            "Renewals in the next 30 days",
            "Sort renewals by MRR change",
            "Set communication owner: HubSpot",
            "Open renewal's client",
            "Toggle my renewals",
        ):
            assert expected in names
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Renewals in the next 30")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app).query_state.window_days == 30
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = app.export_screenshot().replace("&#160;", " ")
        for description in ("Window", "Filter", "Mine", "Sort", "Comms owner", "Open"):
            assert description in text


async def test_without_a_cache_the_screen_says_how_to_sync(tmp_path) -> None:
    app = make_app(Profile(name="nobody", cache_path=tmp_path / "none.sqlite3"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        message = str(app.screen.query_one("#empty-state", Static).render())
        assert "partnerops sync" in message
        assert not app.screen.query(RenewalTable)


# How it looks.


def test_renewals_snapshot_dark(snap_compare, portfolio_profile: Profile) -> None:
    assert snap_compare(make_app(portfolio_profile), terminal_size=SIZE, run_before=settle)


def test_renewals_snapshot_light_owner_dialog(snap_compare, portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    app.theme = "textual-light"

    async def open_dialog(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "c")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_dialog)


def test_renewals_snapshot_small(snap_compare, portfolio_profile: Profile) -> None:
    assert snap_compare(make_app(portfolio_profile), terminal_size=(80, 24), run_before=settle)
