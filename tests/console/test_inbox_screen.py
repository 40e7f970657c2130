"""The Inbox under Pilot: sections with counts, search, detail, triage keys, undo, and how
it looks. The cache is the real backend's portfolio, its rules evaluated on a fixed day."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from conftest import PORTFOLIO_TODAY
from console_fixtures import FIXED_NOW
from pilot_helpers import settle
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, Static

from console.app import PartnerOpsApp
from console.screens.clients import ClientsScreen
from console.screens.dialogs import PersonDialog
from console.screens.inbox import InboxScreen
from console.screens.snooze_dialog import SnoozeModal
from local_store.alert_rules import evaluate_rules
from local_store.database import connect
from local_store.health import refresh_health
from sync.profile import Profile

SIZE = (160, 48)
RAISED = "2026-11-23T06:00:00+00:00"


@pytest.fixture
def inbox_profile(portfolio_profile: Profile) -> Profile:
    """The portfolio with rules and health evaluated on its own day, local alerts raised at a
    fixed time (the sync ran on the wall clock)."""
    conn = connect(portfolio_profile.cache_path)
    refresh_health(conn, {}, PORTFOLIO_TODAY)
    evaluate_rules(conn, {}, PORTFOLIO_TODAY)
    conn.execute("UPDATE local_alert SET raised_at = ?, updated_at = ?", (RAISED, RAISED))
    conn.close()
    return portfolio_profile


def inbox_app(profile: Profile) -> PartnerOpsApp:
    return PartnerOpsApp(profile, start_screen="inbox", clock=lambda: FIXED_NOW)


def screen(app: PartnerOpsApp) -> InboxScreen:
    assert isinstance(app.screen, InboxScreen)
    return app.screen


def cache_row(profile: Profile, sql: str, *params: object) -> tuple | None:
    conn = sqlite3.connect(profile.cache_path)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def shown_ids(app: PartnerOpsApp) -> list[str]:
    return [row.id for row in screen(app).rows]


async def test_sections_show_counts_and_switch(inbox_profile: Profile) -> None:
    app = inbox_app(inbox_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        inbox = screen(app)
        names = [section.name for section in inbox.sections]
        assert names[0] == "My renewals in 45 days"
        options = inbox.query_one("#inbox-sections", OptionList)
        everything = str(options.get_option_at_index(len(names) - 1).prompt)
        total = cache_row(
            inbox_profile,
            "SELECT (SELECT count(*) FROM alert WHERE status IN ('open', 'acknowledged')) + "
            "(SELECT count(*) FROM local_alert WHERE status IN ('open', 'acknowledged'))",
        )[0]
        assert everything.split() == ["Everything", "open", f"{total:,}"]
        first = shown_ids(app)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert inbox.section_index == 1
        assert shown_ids(app) != first
        assert all(i.startswith("local:engagement_risk:") for i in shown_ids(app))
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        # "All mine": the day's work and the rest of the person's clients, most at stake first.
        impacts = [row.impact for row in inbox.rows]
        assert impacts and impacts == sorted(impacts, reverse=True)


async def test_search_within_the_section_and_detail(inbox_profile: Profile) -> None:
    app = inbox_app(inbox_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen(app).show_section(4)  # everything open
        await settle(pilot)
        await pilot.press("slash", *"setup issue", "enter")
        await settle(pilot)
        ids = shown_ids(app)
        assert ids and all(i.startswith("local:setup_issue:") for i in ids)
        count = str(app.screen.query_one("#inbox-count", Label).content)
        assert count.startswith(f"{len(ids)} alert")
        detail = str(app.screen.query_one("#inbox-detail", Static).render())
        assert "Rule setup_issue" in detail
        assert "Setup issue: issues " in detail
        assert "At stake: impact " in detail
        assert "Health " in detail


async def test_acknowledge_a_backend_alert_then_undo(inbox_profile: Profile) -> None:
    app = inbox_app(inbox_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen(app).show_section(4)
        await pilot.press("slash", *"renewal decision", "enter")
        await settle(pilot)
        target = shown_ids(app)[0]
        status = cache_row(inbox_profile, "SELECT status FROM alert WHERE id = ?", target)[0]
        assert status == "open"
        await pilot.press("k")
        await settle(pilot)
        assert cache_row(inbox_profile, "SELECT status FROM alert WHERE id = ?", target) == (
            "acknowledged",
        )
        assert cache_row(inbox_profile, "SELECT kind, target_id FROM outbox") == (
            "ack_alert",
            target,
        )
        await pilot.press("u")
        await settle(pilot)
        assert cache_row(inbox_profile, "SELECT count(*) FROM outbox") == (0,)
        assert cache_row(inbox_profile, "SELECT status FROM alert WHERE id = ?", target) == (
            "open",
        )


async def test_bulk_resolve_of_local_alerts(inbox_profile: Profile) -> None:
    app = inbox_app(inbox_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen(app).show_section(4)
        await pilot.press("slash", *"Low engagement", "enter")
        await settle(pilot)
        first_two = shown_ids(app)[:2]
        await pilot.press("space", "space", "x")
        await settle(pilot)
        assert not set(first_two) & set(shown_ids(app))
        for alert_id in first_two:
            assert cache_row(
                inbox_profile, "SELECT status FROM local_alert WHERE id = ?", alert_id
            ) == ("resolved",)
        # Local triage never reaches the outbox: the backend does not know these ids.
        assert cache_row(inbox_profile, "SELECT count(*) FROM outbox") == (0,)


async def test_snooze_with_a_reason(inbox_profile: Profile) -> None:
    app = inbox_app(inbox_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = shown_ids(app)[0]
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeModal)
        until = app.screen.query_one("#snooze-until", Input)
        until.value = "soon"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeModal)  # a bad date keeps the dialog open
        until.value = "2w"
        app.screen.query_one("#snooze-reason", Input).focus()
        await pilot.press(*"waiting for budget", "enter")
        await settle(pilot)
        expected = (FIXED_NOW.date() + timedelta(days=14)).isoformat()
        assert cache_row(
            inbox_profile, "SELECT status, snoozed_until FROM alert WHERE id = ?", target
        ) == ("snoozed", expected)
        note = cache_row(inbox_profile, "SELECT text FROM note WHERE target_id = ?", target)
        assert note == (f"Snoozed until {expected}: waiting for budget",)
        assert target not in shown_ids(app)


async def test_assign_and_note(inbox_profile: Profile) -> None:
    app = inbox_app(inbox_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen(app).show_section(4)
        await pilot.press("slash", *"Low engagement", "enter")
        await settle(pilot)
        target = shown_ids(app)[0]
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PersonDialog)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assignee = cache_row(inbox_profile, "SELECT assignee FROM local_alert WHERE id = ?", target)
        second = cache_row(
            inbox_profile, "SELECT email FROM employee ORDER BY name LIMIT 1 OFFSET 1"
        )
        assert assignee == second
        await pilot.press("n", *"called the client")
        await pilot.press("ctrl+s")
        await settle(pilot)
        detail = str(app.screen.query_one("#inbox-detail", Static).render())
        assert "called the client" in detail


async def test_enter_opens_the_client(inbox_profile: Profile) -> None:
    app = inbox_app(inbox_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)


async def test_a_bad_section_filter_is_one_clear_line(inbox_profile: Profile) -> None:
    from dataclasses import replace
    from types import MappingProxyType

    settings = {"inbox": {"sections": [{"name": "Mine", "filter": "mine and"}]}}
    profile = replace(inbox_profile, settings=MappingProxyType(settings))
    app = inbox_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#empty-state", Static).render())
        assert "inbox.sections #1 (Mine): the filter ends where a term was expected" in text


def test_inbox_dark(snap_compare, inbox_profile: Profile) -> None:
    assert snap_compare(inbox_app(inbox_profile), terminal_size=SIZE, run_before=settle)


def test_inbox_light_small_with_assign_dialog(snap_compare, inbox_profile: Profile) -> None:
    # The assign dialog rather than the snooze one: a text field's blinking cursor makes the
    # SVG's style order differ from run to run.
    app = inbox_app(inbox_profile)
    app.theme = "textual-light"

    async def assign(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=assign)


async def test_everything_open_lists_every_open_alert_past_a_thousand(
    inbox_profile: Profile,
) -> None:
    conn = sqlite3.connect(inbox_profile.cache_path)
    with conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(alert)")]
        copied = ", ".join("a.id || '-copy-' || n.n" if c == "id" else f"a.{c}" for c in columns)
        conn.execute(
            "WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < 40) "
            f"INSERT INTO alert ({', '.join(columns)}) SELECT {copied} FROM alert a, n "
            "WHERE a.status IN ('open', 'acknowledged')"
        )
    conn.close()
    total = cache_row(
        inbox_profile,
        "SELECT (SELECT count(*) FROM alert WHERE status IN ('open', 'acknowledged')) + "
        "(SELECT count(*) FROM local_alert WHERE status IN ('open', 'acknowledged'))",
    )[0]
    assert total > 1000
    app = inbox_app(inbox_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        inbox = screen(app)
        inbox.show_section(len(inbox.sections) - 1)
        await settle(pilot)
        assert str(inbox.query_one("#inbox-count", Label).render()) == f"{total:,} alerts"
        assert inbox.table.row_count == total
        await pilot.press("end")
        await settle(pilot)
        assert inbox.table.cursor_row == total - 1
        assert inbox.table.cursor_value is not None
        assert len(set(shown_ids(app))) == total
