"""The client detail panel and the client actions, on a cache synced from the real backend.

Expectations are read from the cache itself, so the tests hold for any generated portfolio.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from console_fixtures import FIXED_NOW, HOSTILE_ESCAPES, HOSTILE_MARKUP
from pilot_helpers import settle
from test_console_app import static_text
from textual.widgets import Label, OptionList, Static, TabbedContent, TextArea

from console.app import PartnerOpsApp
from console.screens.client_actions import EndServicesModal
from console.screens.clients import ClientsScreen
from console.screens.dialogs import NoteDialog, PersonDialog
from console.text import format_money
from console.widgets.client_table import ClientTable
from sync.profile import Profile

SIZE = (160, 48)
CLIENT = "c-000056"
"""A client with notes from the server."""


def make_app(profile: Profile) -> PartnerOpsApp:
    return PartnerOpsApp(profile, clock=lambda: FIXED_NOW)


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def execute(path: Path, sql: str, params: tuple = ()) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql, params)
    conn.close()


def text_of(app: PartnerOpsApp, selector: str) -> str:
    return static_text(app.screen.query_one(selector, Static))


def table_of(app: PartnerOpsApp) -> ClientTable:
    return app.screen.query_one(ClientTable)


def outbox(path: Path) -> list[tuple[str, str, dict]]:
    rows = query(path, "SELECT kind, target_id, payload FROM outbox ORDER BY seq")
    return [(kind, target, json.loads(payload)) for kind, target, payload in rows]


async def open_client(app: PartnerOpsApp, pilot, client_id: str) -> None:
    await settle(pilot)
    await app.jump_to_client(client_id)
    await settle(pilot)
    assert table_of(app).cursor_client.id == client_id


async def test_tabs_show_the_client_from_the_cache(portfolio_profile: Profile) -> None:
    path = portfolio_profile.cache_path
    (name, hub_id, industry, contact_tier, email_tier, apps, mrr, reasons, tools, score) = query(
        path,
        "SELECT name, hub_id, industry, contact_tier, email_tier, apps_in_use, mrr_cents, "
        "health_reasons, tools, engagement_score FROM client WHERE id = ?",
        (CLIENT,),
    )[0]
    subscriptions = query(
        path,
        "SELECT product, edition, billing_frequency FROM subscription WHERE client_id = ?",
        (CLIENT,),
    )
    (manager, current, upcoming) = query(
        path,
        "SELECT renewal_manager, current_subscription, renewal_subscription FROM renewal "
        "WHERE client_id = ?",
        (CLIENT,),
    )[0]
    (points,) = query(
        path,
        "SELECT category_points FROM usage WHERE client_id = ? ORDER BY period DESC LIMIT 1",
        (CLIENT,),
    )[0]
    notes = query(
        path,
        "SELECT author, text FROM note WHERE target_type = 'client' AND target_id = ?",
        (CLIENT,),
    )
    assert subscriptions and notes
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, CLIENT)
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.active == "detail-details"
        assert text_of(app, "#detail-title").startswith(name)
        fields = text_of(app, "#detail-fields")
        for value in (str(hub_id), industry, contact_tier, email_tier, format_money(mrr)):
            assert value in fields
        table = text_of(app, "#detail-subscriptions")
        for product, edition, billing in subscriptions:
            assert any(
                product in line and edition[:10] in line and billing in line
                for line in table.splitlines()
            ), product

        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert tabs.active == "detail-renewals"
        renewals = text_of(app, "#detail-renewals-text")
        assert manager in renewals and current in renewals and upcoming in renewals

        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert tabs.active == "detail-usage"
        usage = text_of(app, "#detail-usage-text")
        assert all(app_name in usage for app_name in json.loads(apps))
        # The HubSpot tools by name, not only their count (issue 15, point 8).
        assert f"{len(json.loads(tools))}: {', '.join(json.loads(tools))}" in usage

        await pilot.press("right_square_bracket")
        await pilot.pause()
        engagement = text_of(app, "#detail-engagement-text")
        for category, value in json.loads(points).items():
            assert any(
                line.startswith(category) and line.endswith(f" {value}")
                for line in engagement.splitlines()
            ), category
        # What links the bars to "Engagement 6 / 10": they add up to the score × 10.
        total = sum(json.loads(points).values())
        assert f"{total} points of 100 in all: the score {score} / 10" in engagement

        await pilot.press("right_square_bracket")
        await pilot.pause()
        health = text_of(app, "#detail-health-text")
        for reason in json.loads(reasons):
            assert reason["label"] in health
        for author, text in notes:
            assert author in health and text in health

        await pilot.press("right_square_bracket")  # wraps around
        await pilot.pause()
        assert tabs.active == "detail-details"
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert tabs.active == "detail-health"


async def test_usage_shows_activation_for_a_new_client(portfolio_profile: Profile) -> None:
    path = portfolio_profile.cache_path
    client_id, onboarding = query(
        path,
        "SELECT c.id, c.onboarding FROM client c JOIN subscription s ON s.client_id = c.id "
        "WHERE c.onboarding != '[]' GROUP BY c.id HAVING min(s.start_date) >= '2026-09-01' "
        "ORDER BY c.id LIMIT 1",
    )[0]
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, client_id)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        usage = text_of(app, "#detail-usage-text")
        assert "Activation (first 90 days)" in usage
        assert "milestones after" in usage and "first value" in usage
        for milestone in json.loads(onboarding):
            assert f"{milestone['hub']}: {milestone['milestone']}" in usage


async def test_health_score_and_reasons(portfolio_profile: Profile) -> None:
    reasons = [
        {"label": "engagement fell from 7 to 3 in 30 days", "points": -20},
        {"label": "renewal confirmed", "points": 10},
    ]
    execute(
        portfolio_profile.cache_path,
        "UPDATE client SET health_score = 42, health_reasons = ? WHERE id = ?",
        (json.dumps(reasons), CLIENT),
    )
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, CLIENT)
        assert "Health 42 red" in text_of(app, "#detail-title")
        health = text_of(app, "#detail-health-text")
        assert "−20  engagement fell from 7 to 3 in 30 days" in health
        assert "+10  renewal confirmed" in health
        assert "not computed yet" not in health


async def test_health_not_computed_yet(portfolio_profile: Profile) -> None:
    execute(
        portfolio_profile.cache_path,
        "UPDATE client SET health_score = NULL, health_reasons = '[]' WHERE id = ?",
        (CLIENT,),
    )
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, CLIENT)
        assert "Health not computed yet" in text_of(app, "#detail-title")
        assert "not computed yet" in text_of(app, "#detail-health-text")
        table = table_of(app)
        header = table.render_line(0).text
        line = table.render_line(table.cursor_row - int(table.scroll_y) + 1).text
        column = header.index("Health")
        assert line[column : column + 10].strip() == "—"  # no made-up number


async def test_hostile_strings_in_the_panel_are_literal(portfolio_profile: Profile) -> None:
    execute(
        portfolio_profile.cache_path,
        "UPDATE client SET name = ?, industry = ?, apps_in_use = ?, setup_issues = ? WHERE id = ?",
        (
            HOSTILE_MARKUP,
            HOSTILE_ESCAPES,
            json.dumps([HOSTILE_MARKUP]),
            json.dumps([HOSTILE_ESCAPES]),
            CLIENT,
        ),
    )
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, CLIENT)
        assert text_of(app, "#detail-title").startswith(HOSTILE_MARKUP)
        fields = text_of(app, "#detail-fields")
        assert "␛[31mEvil␛]52;c;aGk=␇" in fields
        usage = text_of(app, "#detail-usage-text")
        assert HOSTILE_MARKUP in usage and "␛[31mEvil" in usage
        screen = app.export_screenshot()
        assert "\x1b" not in screen and "\x07" not in screen


async def test_end_services_cancel_then_confirm(portfolio_profile: Profile) -> None:
    path = portfolio_profile.cache_path
    name, mrr = query(path, "SELECT name, mrr_cents FROM client WHERE id = ?", (CLIENT,))[0]
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_client(app, pilot, CLIENT)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, EndServicesModal)
        question = text_of(app, "#end-services-question")
        assert name in question and format_money(mrr) in question
        await pilot.press("enter")  # Cancel has the focus: a stray enter does nothing
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert outbox(path) == []

        await pilot.press("ctrl+e")
        await settle(pilot)
        await pilot.click("#confirm")
        await settle(pilot)
        assert outbox(path) == [("end_services", CLIENT, {})]
        assert query(path, "SELECT services_status FROM client WHERE id = ?", (CLIENT,)) == [
            ("ending",)
        ]
        table = table_of(app)
        assert table.cursor_client.id == CLIENT
        line = table.render_line(table.cursor_row - int(table.scroll_y) + 1).text
        assert line.startswith("…") and name[:15] in line
        assert "ending — waiting to sync" in text_of(app, "#detail-title")
        status = str(app.screen.query_one("#status-sync", Label).render())
        assert "1 action waiting to sync" in status
        assert any(f"Queued: end services for {name}" in n.message for n in app._notifications)


async def test_add_note_writes_the_note_and_the_outbox(portfolio_profile: Profile) -> None:
    path = portfolio_profile.cache_path
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, CLIENT)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        assert app.screen.query_one(TextArea).has_focus
        await pilot.press(*"Call [b]Monday[/b]", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        author = portfolio_profile.user_email
        (note_id,) = query(path, "SELECT id FROM note WHERE text = ?", ("Call [b]Monday[/b]",))[0]
        payload = {
            "target_type": "client",
            "target_id": CLIENT,
            "text": "Call [b]Monday[/b]",
            "author": author,
        }
        assert outbox(path) == [("add_note", note_id, payload)]
        health = text_of(app, "#detail-health-text")
        assert "Call [b]Monday[/b]" in health and author in health


async def test_an_empty_note_is_not_saved(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_client(app, pilot, CLIENT)
        await pilot.press("n", "space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NoteDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert outbox(portfolio_profile.cache_path) == []


@pytest.mark.parametrize("pick_nobody", [False, True])
async def test_assign_owner(portfolio_profile: Profile, pick_nobody: bool) -> None:
    path = portfolio_profile.cache_path
    people = query(path, "SELECT email, name FROM employee ORDER BY name, email")
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, CLIENT)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, PersonDialog)
        options = app.screen.query_one(OptionList)
        assert options.option_count == len(people) + 1
        await pilot.press("home")
        if not pick_nobody:
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        email, name = (None, None) if pick_nobody else people[0]
        assert outbox(path) == [("assign_owner", CLIENT, {"owner_email": email})]
        assert table_of(app).cursor_client.owner_email == email
        fields = text_of(app, "#detail-fields")
        assert (name or "nobody") in fields


async def test_open_account_shows_and_copies_when_nothing_opens(
    portfolio_profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    (account,) = query(
        portfolio_profile.cache_path, "SELECT account_url FROM client WHERE id = ?", (CLIENT,)
    )[0]
    monkeypatch.setattr("webbrowser.open", lambda url, new=0: False)
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_client(app, pilot, CLIENT)
        await pilot.press("O")
        await settle(pilot)
        assert app.clipboard == account
        assert any("HubSpot account" in n.message for n in app._notifications)


async def test_palette_lists_client_actions(portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await open_client(app, pilot, CLIENT)
        names = [command.name for command in app.screen.palette_commands()]
        for expected in (
            "Filter clients…",
            "Open client's HubSpot account",
            "Open client in CRM",
            "Add note to client…",
            "Assign client owner…",
            "End services for client…",
            "Sort clients by usage",
        ):
            assert expected in names
