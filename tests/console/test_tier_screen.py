"""The Tier screen on a cache synced from the real backend: keys pressed, widgets read back."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from console_fixtures import FIXED_NOW, HOSTILE_ESCAPES, HOSTILE_MARKUP
from pilot_helpers import settle
from textual.pilot import Pilot
from textual.widgets import Label, Static, TabbedContent

from console.app import PartnerOpsApp
from console.screens.client_panel import ClientPanelDialog
from console.screens.clients import ClientsScreen
from console.screens.tier import TierClientList, TierScreen
from console.status import SyncFinished
from console.widgets.credit_chart import CreditChart
from local_store.tier import credit_by_month, credit_projection, month_clients
from sync.profile import Profile

SIZE = (160, 48)
NARROW = (80, 24)
TODAY = FIXED_NOW.date()
LATEST = date(2026, 11, 1)
EARLIER = date(2026, 10, 1)


def make_app(profile: Profile) -> PartnerOpsApp:
    return PartnerOpsApp(profile, start_screen="tier", clock=lambda: FIXED_NOW)


def read(profile: Profile) -> sqlite3.Connection:
    return sqlite3.connect(profile.cache_path)


def text_of(app: PartnerOpsApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def listed(app: PartnerOpsApp, side: str) -> list[tuple[str, str, str]]:
    """(client id, name cell, points cell) of every row of one tab's list."""
    table = app.screen.query_one(f"#tier-list-{side}", TierClientList)
    rows = []
    for index in range(table.row_count):
        row = table.row_at(index)
        assert row is not None
        rows.append(
            (row.client_id, table.cell_text(index, "client"), table.cell_text(index, "points"))
        )
    return rows


def expected(profile: Profile, month: date, side: str) -> list[str]:
    with read(profile) as conn:
        return [row.client_id for row in month_clients(conn, month, side)]


def breakdown_numbers(app: PartnerOpsApp) -> list[str]:
    lines = text_of(app, "#tier-breakdown").splitlines()
    return [line.split()[-1] for line in lines if not line.startswith("─")]


def signed(points: int) -> str:
    return f"{points:+,}".replace("-", "−") if points else "0"


async def test_left_and_right_change_the_month_and_its_breakdown(
    portfolio_profile: Profile,
) -> None:
    with read(portfolio_profile) as conn:
        months = {m.month: m for m in credit_by_month(conn, 12, until=TODAY)}
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TierScreen)
        chart = app.screen.query_one(CreditChart)
        assert chart.has_focus and len(chart.months) == 12
        assert chart.selected_month is not None and chart.selected_month.month == LATEST
        latest = months[LATEST]
        assert breakdown_numbers(app) == [
            signed(value)
            for value in (latest.new, latest.increased, latest.expired, latest.decreased)
        ] + [signed(latest.total)]
        assert app.screen.query_one("#tier-breakdown").border_title == "Nov 2026 · points"

        await pilot.press("left")
        await settle(pilot)
        earlier = months[EARLIER]
        assert chart.selected_month.month == EARLIER
        assert app.screen.query_one("#tier-breakdown").border_title == "Oct 2026 · points"
        assert breakdown_numbers(app)[-1] == signed(earlier.total)
        assert earlier.total != latest.total  # the assertion above can tell the months apart
        assert [row[0] for row in listed(app, "total")] == expected(
            portfolio_profile, EARLIER, "total"
        )

        await pilot.press("right", "right")  # the second press stops at the latest month
        await settle(pilot)
        assert chart.selected_month.month == LATEST
        assert breakdown_numbers(app)[-1] == signed(latest.total)
        await pilot.press("home")
        await settle(pilot)
        assert chart.selected_month.month == date(2025, 12, 1)


async def test_a_finished_sync_rereads_and_keeps_the_selected_month(
    portfolio_profile: Profile,
) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("left")
        await settle(pilot)
        before = breakdown_numbers(app)
        with read(portfolio_profile) as conn:
            conn.execute(
                "INSERT INTO credit_event VALUES ('cr-late', 1, 'c-000000', '2026-10-01', "
                "'new', 1000, 200000)"
            )
        app.post_message(SyncFinished())
        await settle(pilot)
        chart = app.screen.query_one(CreditChart)
        assert chart.selected_month.month == EARLIER
        after = breakdown_numbers(app)
        assert int(after[0].replace(",", "")) == int(before[0]) + 1000
        assert listed(app, "gained")[0][0] == "c-000000"


async def test_tabs_list_the_clients_behind_each_side(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        gained = expected(portfolio_profile, LATEST, "gained")
        lost = expected(portfolio_profile, LATEST, "lost")
        assert gained and lost
        assert [row[0] for row in listed(app, "gained")] == gained
        assert [row[0] for row in listed(app, "lost")] == lost
        assert sorted(row[0] for row in listed(app, "total")) == sorted(gained + lost)
        assert not any(row[2].startswith("−") for row in listed(app, "gained"))
        assert not any(row[2].startswith("+") for row in listed(app, "lost"))
        assert any(row[2].startswith("−") for row in listed(app, "lost"))
        tabs = app.screen.query_one(TabbedContent)
        assert str(tabs.get_tab("tier-tab-lost").label) == f"Lost · {len(lost)} clients"
        assert str(tabs.get_tab("tier-tab-total").label).startswith("All · ")
        # The breakdown beside the lists counts points, and says so.
        assert "Net points" in text_of(app, "#tier-breakdown")
        assert app.screen.query_one("#tier-breakdown").border_title.endswith(" · points")

        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert tabs.active == "tier-tab-lost"
        assert app.focused is app.screen.query_one("#tier-list-lost")
        await pilot.press("left_square_bracket")
        assert tabs.active == "tier-tab-gained"
        commands = {command.name: command for command in app.screen.palette_commands()}
        commands["Show total credit clients"].run()
        await settle(pilot)
        assert tabs.active == "tier-tab-total"


async def test_enter_opens_the_client_panel_over_tier_and_g_goes_to_clients(
    portfolio_profile: Profile,
) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket", "down")
        await settle(pilot)
        client_id, name, _points = listed(app, "gained")[1]
        await pilot.press("enter")
        await settle(pilot)
        # The user stays where they were: Tier, its tab and its cursor, under the panel.
        assert app.current_mode == "tier"
        dialog = app.screen
        assert isinstance(dialog, ClientPanelDialog)
        assert dialog.panel.client_id == client_id
        assert name in str(dialog.panel.query_one("#detail-title", Static).render())
        hint = str(dialog.query_one(".dialog-hint", Label).render())
        assert hint.startswith("[ and ] switch tabs")  # brackets shown, not read as markup
        await pilot.press("right_square_bracket")
        assert dialog.panel.active_tab == "detail-renewals"
        await pilot.press("escape")
        await settle(pilot)
        tier = app.screen
        assert isinstance(tier, TierScreen)
        assert tier.query_one(TabbedContent).active == "tier-tab-gained"
        assert tier.query_one("#tier-list-gained", TierClientList).cursor_row == 1
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert app.current_mode == "clients"
        assert isinstance(app.screen, ClientsScreen)
        assert app.screen.table.cursor_client.id == client_id


async def test_figures_stamped_ahead_of_the_clock_do_not_read_just_now(
    portfolio_profile: Profile,
) -> None:
    """The vendor stamps its refresh at 07:00 UTC; at 06:50 that is ten minutes ahead."""
    before_refresh = FIXED_NOW.replace(hour=6, minute=50, second=0)
    app = PartnerOpsApp(portfolio_profile, start_screen="tier", clock=lambda: before_refresh)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        report = text_of(app, "#tier-report")
        assert "2026-11-23 07:00 (10 min ahead of this computer's clock)" in report
        assert "just now" not in report


async def test_clicking_a_bar_selects_its_month(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chart = app.screen.query_one(CreditChart)
        # Inside the border and padding, past the gutter: the first month's column.
        await pilot.click(CreditChart, offset=(12, 5))
        await settle(pilot)
        assert chart.selected_month.month == date(2025, 12, 1)
        assert app.screen.query_one("#tier-breakdown").border_title == "Dec 2025 · points"


async def test_report_and_projection(portfolio_profile: Profile) -> None:
    with read(portfolio_profile) as conn:
        projection = credit_projection(conn, TODAY)
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        report = text_of(app, "#tier-report")
        assert "Credited tier  Platinum" in report
        assert "1,368 points to Diamond" in report
        assert "✓ at least 3" in report
        assert "2026-11-23 07:00 (2 h ago)" in report  # the tests run in UTC
        panel = text_of(app, "#tier-projection")
        for month in projection.months:
            assert f"{signed(-month.points_expiring)}  → {month.points_after:>7,}" in panel
        assert f"stays Platinum with {projection.points_after:,} points" in panel


async def test_report_marks_a_failed_minimum_and_a_tier_drop(portfolio_profile: Profile) -> None:
    with read(portfolio_profile) as conn:
        conn.execute("UPDATE partner SET median_app_usage = 2.5, certified = 0, points = 640")
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        report = text_of(app, "#tier-report")
        assert "2.5  ✗ below 3" in report and "✗ no" in report
        # 209 points expire (the projection test above reads them): 640 − 209 is below 600.
        assert "✗ Platinum → Gold: sell 169 points to keep it" in text_of(app, "#tier-projection")


async def test_hostile_client_names_show_literally(portfolio_profile: Profile) -> None:
    lost = expected(portfolio_profile, LATEST, "lost")
    with read(portfolio_profile) as conn:
        biggest = credit_projection(conn, TODAY).months[1].clients[0].client_id
        conn.execute("UPDATE client SET name = ? WHERE id = ?", (HOSTILE_MARKUP, lost[0]))
        conn.execute("UPDATE client SET name = ? WHERE id = ?", (HOSTILE_ESCAPES, biggest))
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert listed(app, "lost")[0][1] == HOSTILE_MARKUP
        panel = text_of(app, "#tier-projection")
        assert "␛[31mEvil␛]52;c;aGk=␇" in panel
        assert "\x1b" not in panel and "\x07" not in panel


async def test_empty_state_before_the_partner_and_credit_arrive(
    portfolio_profile: Profile,
) -> None:
    with read(portfolio_profile) as conn:
        conn.execute("DELETE FROM partner")
        conn.execute("DELETE FROM credit_event")
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#empty-state", Static)
        assert empty.display and "no tier figures" in str(empty.render())
        assert not app.screen.query_one("#tier-body").display


async def test_missing_cache_says_how_to_sync(tmp_path: Path) -> None:
    app = make_app(Profile(name="none", cache_path=tmp_path / "missing.sqlite3"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "partnerops sync" in text_of(app, "#empty-state")
        assert not app.screen.query(CreditChart)
        await pilot.press("c", "g")  # keys of a missing body do nothing, and do not crash
        await settle(pilot)


def test_tier_screen_dark(snap_compare, portfolio_profile: Profile) -> None:
    assert snap_compare(make_app(portfolio_profile), terminal_size=SIZE, run_before=settle)


def test_tier_screen_light_earlier_month_lost_tab(snap_compare, portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    app.theme = "textual-light"

    async def pick(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("left", "left_square_bracket")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=pick)


def test_tier_screen_narrow(snap_compare, portfolio_profile: Profile) -> None:
    assert snap_compare(make_app(portfolio_profile), terminal_size=NARROW, run_before=settle)
