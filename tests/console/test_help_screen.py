"""Help lists the console's own keys, each once, with what it does: no raw widget bindings."""

from __future__ import annotations

import io

import pytest
from console_fixtures import FIXED_NOW
from pilot_helpers import settle
from rich.console import Console
from textual.widgets import Static

from console.app import PartnerOpsApp
from console.screens.help import HelpScreen
from sync.profile import Profile

RAW_WIDGET_KEYS = ("super+c", "^pgup", "^home", "^end", "Page Left", "Page Right", "Top ")


def rows(app: PartnerOpsApp, table_id: str) -> list[str]:
    """The help table's lines as text, as wide as they need."""
    table = app.screen.query_one(table_id, Static).content
    console = Console(width=300, record=True, file=io.StringIO())
    console.print(table)
    return [line.rstrip() for line in console.export_text().splitlines() if line.strip()]


@pytest.mark.parametrize("mode", ["inbox", "clients", "renewals", "tier", "team"])
async def test_help_shows_each_meaningful_key_once_with_a_description(
    portfolio_profile: Profile, mode: str
) -> None:
    app = PartnerOpsApp(portfolio_profile, start_screen=mode, clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        screen_rows = rows(app, "#help-screen-keys")
        app_rows = rows(app, "#help-app-keys")
        assert screen_rows and app_rows
        for line in screen_rows + app_rows:
            assert not any(raw in line for raw in RAW_WIDGET_KEYS), line
            keys, description_and_tooltip = line.split("  ", 1)
            # Every row: keys, a description and a tooltip, three columns.
            assert len(description_and_tooltip.split()) >= 2, line
        first_keys = [line.split("  ", 1)[0].strip() for line in screen_rows]
        assert len(first_keys) == len(set(first_keys)), first_keys
        assert not {"home", "end", "↑", "↓", "tab"} & set(first_keys)
        assert any(line.startswith("u ^z") for line in app_rows)  # one row, both keys
        notes = "\n".join(str(note.render()) for note in app.screen.query(".help-notes"))
        assert "home end move in a list" in notes


async def test_help_shows_the_keys_of_the_keymap(portfolio_profile: Profile) -> None:
    from dataclasses import replace

    profile = replace(portfolio_profile, keymap={"tier.chart": "f2"})
    app = PartnerOpsApp(profile, start_screen="tier", clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        shown = rows(app, "#help-screen-keys")
        assert any(line.startswith("f2 ") for line in shown), shown
