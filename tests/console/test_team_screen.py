"""The HubSpot Team screen driven by keys, on a cache synced from the real backend."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from console_fixtures import FIXED_NOW, HOSTILE_ESCAPES, HOSTILE_MARKUP
from pilot_helpers import settle
from textual.pilot import Pilot
from textual.widgets import Static

from console.app import PartnerOpsApp
from console.screens.help import HelpScreen
from console.screens.team import TeamScreen, mailto_link
from console.widgets.contact_card import ContactCard
from sync.profile import Profile

SIZE = (160, 48)


def make_app(profile: Profile) -> PartnerOpsApp:
    return PartnerOpsApp(profile, start_screen="team", clock=lambda: FIXED_NOW)


def contacts_in(profile: Profile) -> list[tuple]:
    conn = sqlite3.connect(profile.cache_path)
    rows = conn.execute(
        "SELECT name, email, meeting_url FROM team_contact ORDER BY rowid"
    ).fetchall()
    conn.close()
    return rows


def partner_name(profile: Profile) -> str:
    conn = sqlite3.connect(profile.cache_path)
    (name,) = conn.execute("SELECT name FROM partner").fetchone()
    conn.close()
    return name


def focused_card(app: PartnerOpsApp) -> ContactCard:
    assert isinstance(app.focused, ContactCard)
    return app.focused


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the app asked the system to open; the system says it did."""
    urls: list[str] = []

    def fake_open(url: str, new: int = 0) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr("webbrowser.open", fake_open)
    return urls


async def test_one_card_per_contact_and_arrows_move_between_them(
    portfolio_profile: Profile,
) -> None:
    contacts = contacts_in(portfolio_profile)
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TeamScreen)
        cards = list(app.screen.query(ContactCard))
        assert [card.contact.name for card in cards] == [name for name, _, _ in contacts]
        assert len(cards) >= 3
        assert focused_card(app) is cards[0]
        await pilot.press("down")
        assert focused_card(app) is cards[1]
        await pilot.press("tab")
        assert focused_card(app) is cards[2]
        await pilot.press("up")
        assert focused_card(app) is cards[1]
        text = app.export_screenshot().replace("&#160;", " ")
        for name, email, _ in contacts:
            assert name in text and email in text


async def test_send_email_opens_mailto_with_the_partner_in_the_subject(
    portfolio_profile: Profile, opened: list[str]
) -> None:
    name, email, _ = contacts_in(portfolio_profile)[1]
    subject = f"{partner_name(portfolio_profile)} — HubSpot Solutions Partner"
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "e")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        expected = f"mailto:{email}?subject=" + subject.replace(" ", "%20").replace(
            "—", "%E2%80%94"
        )
        assert opened == [expected, expected]


async def test_copy_puts_the_address_on_the_clipboard(portfolio_profile: Profile) -> None:
    _, email, _ = contacts_in(portfolio_profile)[0]
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == email
        assert any(email in n.message for n in app._notifications)
        app.copy_to_clipboard("")
        await pilot.press("y")
        assert app.clipboard == email


async def test_meeting_link_opens_only_where_there_is_one(
    portfolio_profile: Profile, opened: list[str]
) -> None:
    contacts = contacts_in(portfolio_profile)
    with_link = next(i for i, c in enumerate(contacts) if c[2])
    without = next(i for i, c in enumerate(contacts) if not c[2])
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cards = list(app.screen.query(ContactCard))
        cards[without].focus()
        await pilot.press("o")
        await settle(pilot)
        assert opened == []
        cards[with_link].focus()
        await pilot.press("o")
        await settle(pilot)
        assert opened == [contacts[with_link][2]]


async def test_hostile_contact_strings_are_literal_and_cannot_add_recipients(
    portfolio_profile: Profile, opened: list[str]
) -> None:
    conn = sqlite3.connect(portfolio_profile.cache_path)
    with conn:
        conn.execute(
            "UPDATE team_contact SET name = ?, role = ?, email = ?, meeting_url = ? "
            "WHERE rowid = (SELECT min(rowid) FROM team_contact)",
            (
                HOSTILE_MARKUP,
                HOSTILE_ESCAPES,
                "pdm@hubspot.example?bcc=spy@evil.example",
                "javascript:alert(1)",
            ),
        )
    conn.close()
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        text = app.export_screenshot()
        assert HOSTILE_MARKUP in text
        assert "␛[31mEvil" in text.replace("&#160;", " ")
        await pilot.press("e", "o")
        await settle(pilot)
        [link] = opened
        assert link.startswith("mailto:pdm@hubspot.example%3Fbcc%3Dspy@evil.example?subject=")
        assert any("not a web address" in n.message for n in app._notifications)


def test_mailto_refuses_what_is_not_an_address() -> None:
    assert mailto_link("no-at-sign", "Hi") is None
    assert mailto_link("a@b.example\r\nBcc: x@y", "Hi") is None
    assert mailto_link("a@b.example", "A & B?") == "mailto:a@b.example?subject=A%20%26%20B%3F"


async def test_no_contacts_says_what_to_do(portfolio_profile: Profile) -> None:
    conn = sqlite3.connect(portfolio_profile.cache_path)
    with conn:
        conn.execute("DELETE FROM team_contact")
    conn.close()
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#team-empty", Static)
        assert empty.display
        assert "Press r to sync" in str(empty.render())
        assert not app.screen.query(ContactCard)


async def test_without_a_cache_the_screen_says_how_to_sync(tmp_path: Path) -> None:
    app = make_app(Profile(name="nobody", cache_path=tmp_path / "none.sqlite3"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "partnerops sync" in str(app.screen.query_one("#empty-state", Static).render())


async def test_palette_and_help_offer_the_card_actions(
    portfolio_profile: Profile, opened: list[str]
) -> None:
    app = make_app(portfolio_profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TeamScreen)
        names = [command.name for command in app.screen.palette_commands()]
        assert names == [
            "Send email to HubSpot contact",
            "Copy HubSpot contact's address",
            "Book a meeting with HubSpot contact",
        ]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Send email to HubSpot")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert len(opened) == 1 and opened[0].startswith("mailto:")
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = app.export_screenshot().replace("&#160;", " ")
        for description in ("Send email", "Copy address", "Book meeting", "Next contact"):
            assert description in text


# How it looks.


def test_team_snapshot_dark(snap_compare, portfolio_profile: Profile) -> None:
    assert snap_compare(make_app(portfolio_profile), terminal_size=SIZE, run_before=settle)


def test_team_snapshot_light(snap_compare, portfolio_profile: Profile) -> None:
    app = make_app(portfolio_profile)
    app.theme = "textual-light"

    async def next_card(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=next_card)


def test_team_snapshot_small(snap_compare, portfolio_profile: Profile) -> None:
    assert snap_compare(make_app(portfolio_profile), terminal_size=(80, 24), run_before=settle)
