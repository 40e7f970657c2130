"""Paste-jacking: a link or address with a newline, a space or a control character is never
opened or copied, on any screen, and the user is told (issue 20 point 2, issue 15 point 13)."""

from __future__ import annotations

import sqlite3

import pytest
from console_fixtures import FIXED_NOW
from pilot_helpers import settle

from console.app import PartnerOpsApp
from console.links import copy_refusal, link_refusal
from sync.profile import Profile

SIZE = (160, 48)
PASTE_JACK = "https://evil.example/\n$(id)"


@pytest.mark.parametrize(
    "url",
    [
        PASTE_JACK,
        "https://evil.example/ x",
        "https://evil.example/\x1b]52;c;aWQ=\x07",
        "https://evil.example/\u202egnp.exe",
        "https://evil.example/\u0085",
        "javascript:alert(1)",
        "",
    ],
)
def test_unsafe_links_are_refused(url: str) -> None:
    assert link_refusal(url) is not None


def test_plain_links_and_addresses_pass() -> None:
    assert link_refusal("https://app.hubspot.com/contacts/1/company/2?x=1") is None
    assert link_refusal("mailto:a@b.example?subject=Hi%20there") is None
    assert copy_refusal("pdm@hubspot.example") is None
    assert copy_refusal("pdm@hubspot.example\n$(id)") is not None


@pytest.fixture
def browser_says_no(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No browser here: every link would fall back to the clipboard."""
    urls: list[str] = []

    def fake_open(url: str, new: int = 0) -> bool:
        urls.append(url)
        return False

    monkeypatch.setattr("webbrowser.open", fake_open)
    return urls


async def test_team_links_and_addresses_with_a_newline_never_reach_the_clipboard(
    portfolio_profile: Profile, browser_says_no: list[str]
) -> None:
    conn = sqlite3.connect(portfolio_profile.cache_path)
    with conn:
        conn.execute(
            "UPDATE team_contact SET email = ?, meeting_url = ? "
            "WHERE rowid = (SELECT min(rowid) FROM team_contact)",
            ("pdm@hubspot.example\n$(id)", PASTE_JACK),
        )
    conn.close()
    app = PartnerOpsApp(portfolio_profile, start_screen="team", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.copy_to_clipboard("before")
        await pilot.press("o", "y", "e")
        await settle(pilot)
        assert browser_says_no == []
        assert app.clipboard == "before"
        messages = [n.message for n in app._notifications]
        assert any("Not opened, nor copied" in m and "pasted" in m for m in messages)
        assert any("Not copied: the address" in m for m in messages)


async def test_a_fallback_copy_names_what_was_opened(
    portfolio_profile: Profile, browser_says_no: list[str]
) -> None:
    app = PartnerOpsApp(portfolio_profile, start_screen="team", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.open_link("https://crm.example/companies/1", "company record")
        await settle(pilot)
        assert browser_says_no == ["https://crm.example/companies/1"]
        assert app.clipboard == "https://crm.example/companies/1"
        assert any(
            "Nothing here could open the company record" in n.message for n in app._notifications
        )
