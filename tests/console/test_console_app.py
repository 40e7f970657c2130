"""The TUI driven by key presses, with assertions on what the widgets hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_fixtures import (
    FIXED_NOW,
    HOSTILE_MARKUP,
    active_clients,
    client_values,
    fill_cache,
    insert_clients,
)
from pilot_helpers import settle
from textual.widgets import Input, Label, Static

from console.app import PartnerOpsApp
from console.screens.clients import ClientsScreen
from console.screens.help import HelpScreen
from console.screens.inbox import InboxScreen
from console.screens.renewals import RenewalsScreen
from console.screens.team import TeamScreen
from console.screens.tier import TierScreen
from console.status import SyncFinished, SyncProgress
from console.widgets.client_table import ClientTable
from local_store.database import connect, open_cache
from sync.profile import Profile

SIZE = (160, 48)
ACTIVE_CLIENTS = 300


def make_app(profile: Profile, **kwargs: object) -> PartnerOpsApp:
    return PartnerOpsApp(profile, clock=lambda: FIXED_NOW, **kwargs)


def table_of(app: PartnerOpsApp) -> ClientTable:
    return app.screen.query_one(ClientTable)


def screen_lines(table: ClientTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def count_text(app: PartnerOpsApp) -> str:
    return str(app.screen.query_one("#client-count", Label).render())


def sync_text(app: PartnerOpsApp) -> str:
    return str(app.screen.query_one("#status-sync", Label).render())


async def test_opens_on_clients_with_the_active_count(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert table_of(app).row_count == ACTIVE_CLIENTS  # the 5 ended clients are left out
        assert count_text(app) == "300 clients"
        assert table_of(app).has_focus


async def test_header_shows_partner_profile_and_freshness(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = app.screen.query_one("#status-partner", Label)
        assert str(header.render()) == "Acme Partners · Gold"
        assert "profile test · Value Driver" in str(
            app.screen.query_one("#status-profile", Label).render()
        )
        assert sync_text(app) == "synced 3 min ago"


async def test_header_counts_actions_waiting_to_sync(profile: Profile) -> None:
    conn = connect(profile.cache_path)
    conn.executemany(
        "INSERT INTO outbox (key, kind, target_id, payload, base_version, created_at, state, "
        "target_table) VALUES (?, 'add_note', 'c000001', '{}', 1, '2026-11-23 08:58:00', "
        "'pending', 'client')",
        [("k1",), ("k2",), ("k3",)],
    )
    conn.close()
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert sync_text(app) == "synced 3 min ago · 3 actions waiting to sync"


async def test_sync_messages_drive_the_header(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.post_message(SyncProgress(0.42))
        await pilot.pause()
        assert sync_text(app) == "syncing 42%"
        app.post_message(SyncFinished(offline=True))
        await settle(pilot)
        assert sync_text(app) == "offline — cached 3 min ago"
        app.post_message(SyncFinished())
        await settle(pilot)
        assert sync_text(app) == "synced 3 min ago"


async def test_search_narrows_rows_and_count(profile: Profile) -> None:
    expected = [
        values[3]
        for values in active_clients(ACTIVE_CLIENTS)
        if "summit" in values[3].lower() or "summit" in values[4]
    ]
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.screen.query_one("#client-search", Input).has_focus
        await pilot.press(*"SUMMIT")
        await settle(pilot)
        table = table_of(app)
        assert table.row_count == len(expected) > 0
        assert count_text(app) == f"{len(expected)} of 300 clients"
        shown = [table.row_at(i).name for i in range(table.row_count)]
        assert shown == sorted(expected)
        await pilot.press("escape")
        assert table.has_focus


async def test_search_treats_like_wildcards_literally(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "%")
        await settle(pilot)
        assert table_of(app).row_count == 0
        assert count_text(app) == "0 of 300 clients"


async def test_number_keys_switch_screens(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, screen_type in [
            ("1", InboxScreen),
            ("3", RenewalsScreen),
            ("4", TierScreen),
            ("5", TeamScreen),
            ("2", ClientsScreen),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_type), key
        # The header is on every screen and up to date when it shows.
        await pilot.press("5")
        await pilot.pause()
        assert sync_text(app) == "synced 3 min ago"


async def test_help_lists_screen_and_app_keys(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = app.export_screenshot()
        for description in ("Search", "Sort", "Reverse", "Open", "Inbox", "Sync", "Quit"):
            assert description in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ClientsScreen)


async def test_sort_keys_and_header_click_change_order(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("s")  # next column: domain, ascending
        await settle(pilot)
        domains = [table.row_at(i).domain for i in range(table.row_count)]
        assert domains == sorted(domains)
        assert "Domain ▲" in table.render_line(0).text
        await pilot.press("S")
        await settle(pilot)
        assert table.row_at(0).domain == max(domains)
        assert "Domain ▼" in table.render_line(0).text
        mrr_x = table.render_line(0).text.index("MRR")
        await pilot.click(ClientTable, offset=(mrr_x, 0))
        await settle(pilot)
        amounts = [table.row_at(i).mrr_cents for i in range(table.row_count)]
        assert amounts == sorted(amounts)
        assert "MRR ▲" in table.render_line(0).text


async def test_cursor_keys_and_mouse_move_the_selection(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("end")
        assert table.cursor_row == ACTIVE_CLIENTS - 1
        assert table.cursor_client is not None
        last_line = screen_lines(table)[-1]
        assert table.cursor_client.domain in last_line
        await pilot.press("home", "pagedown")
        assert table.cursor_row > 10
        await pilot.click(ClientTable, offset=(5, 4))
        assert table.cursor_row == int(table.scroll_y) + 3


async def test_server_strings_render_literally(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        lines = screen_lines(table)
        # The name with escapes sorts first; it shows as visible symbols.
        assert "␛[31mEvil␛]52;c;aGk=␇" in lines[1]
        await pilot.press("slash", *"acme")
        await settle(pilot)
        lines = screen_lines(table)
        assert HOSTILE_MARKUP in lines[1]
        for line in lines:
            assert "\x1b" not in line and "\x07" not in line
        await pilot.press("escape", "enter")
        await pilot.pause()
        detail = str(app.screen.query_one("#client-detail", Static).render())
        assert detail.startswith(HOSTILE_MARKUP)


async def test_enter_shows_a_detail_line(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        row = table_of(app).cursor_client
        detail = str(app.screen.query_one("#client-detail", Static).render())
        assert row.name in detail and row.crm_url in detail


async def test_jump_to_client_clears_a_search_that_hides_it(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"summit")
        await settle(pilot)
        await app.jump_to_client("c000250")
        await settle(pilot)
        table = table_of(app)
        assert app.screen.query_one("#client-search", Input).value == ""
        assert table.row_count == ACTIVE_CLIENTS
        assert table.cursor_client.id == "c000250"
        assert table.cursor_client.name in "\n".join(screen_lines(table))


async def test_command_palette_offers_screen_commands(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Sort clients by mrr")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert app.screen.query_state.sort == "mrr"


async def test_hostile_name_in_jump_hits_is_literal(profile: Profile) -> None:
    from console.commands import PartnerOpsCommands

    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = PartnerOpsCommands(app.screen)
        hits = [hit async for hit in provider.search("acme")]
        jumps = [hit for hit in hits if hit.text and hit.text.startswith("Jump to client")]
        assert [hit.prompt.plain.split("  ")[0] for hit in jumps] == [
            f"Jump to client {HOSTILE_MARKUP}"
        ]
        evil = [hit async for hit in provider.search("evil")]
        assert any("␛[31mEvil" in hit.prompt.plain for hit in evil if hit.text.startswith("Jump"))


async def test_missing_cache_shows_how_to_sync(tmp_path: Path) -> None:
    app = make_app(Profile(name="nobody", cache_path=tmp_path / "none.sqlite3"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        message = str(app.screen.query_one("#empty-state", Static).render())
        assert "partnerops sync" in message
        assert not app.screen.query(ClientTable)
        assert sync_text(app) == "never synced"
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)


async def test_other_start_screen(profile: Profile) -> None:
    app = make_app(profile, start_screen="tier")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TierScreen)
        assert "credited tier" in str(app.screen.query_one(".planned", Static).render())


def test_unknown_start_screen_is_refused(profile: Profile) -> None:
    with pytest.raises(ValueError, match="start screen"):
        PartnerOpsApp(profile, start_screen="nowhere")


async def test_finished_sync_reloads_the_clients(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        conn = connect(profile.cache_path)
        insert_clients(conn, [client_values(1000, name="Zephyr Newco")])
        conn.close()
        app.post_message(SyncFinished())
        await settle(pilot)
        table = table_of(app)
        assert table.row_count == ACTIVE_CLIENTS + 1
        assert count_text(app) == "301 clients"
        assert table.cursor_row == 2  # a refresh keeps the selection where it was


async def test_first_sync_replaces_the_empty_state(tmp_path: Path) -> None:
    path = tmp_path / "later.sqlite3"
    app = make_app(Profile(name="later", cache_path=path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query("#empty-state")
        conn = open_cache(path, create=True)
        fill_cache(conn, 50)
        conn.close()
        app.post_message(SyncFinished())
        await settle(pilot)
        assert not app.screen.query("#empty-state")
        assert table_of(app).row_count == 50
        assert str(app.screen.query_one("#status-partner", Label).render()).startswith("Acme")


async def test_jump_from_another_screen_to_a_fresh_clients_screen(profile: Profile) -> None:
    app = make_app(profile, start_screen="inbox")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.jump_to_client("c000123")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        table = table_of(app)
        assert table.cursor_client.id == "c000123"
        assert table.cursor_client.name in "\n".join(screen_lines(table))


async def test_o_opens_only_web_addresses(profile: Profile, monkeypatch) -> None:
    conn = connect(profile.cache_path)
    conn.execute("UPDATE client SET crm_url = 'javascript:alert(1)' WHERE id = 'c000001'")
    conn.close()
    app = make_app(profile)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **kwargs: opened.append(url))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"alderanalytics0.example", "enter", "o")
        await settle(pilot)
        assert opened == ["https://crm.example/companies/0"]
        await pilot.press("slash", "ctrl+u", *"birchanalytics1.example", "enter", "o")
        await settle(pilot)
        assert opened == ["https://crm.example/companies/0"]
        assert any("no web address" in n.message for n in app._notifications)


async def test_a_failing_read_becomes_a_notification(profile: Profile) -> None:
    conn = connect(profile.cache_path)
    conn.execute("DROP TABLE employee")  # the page query joins it
    conn.close()
    app = make_app(profile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        messages = [n.message for n in app._notifications]
        assert any("no such table: employee" in message for message in messages)


async def test_a_failing_page_read_while_drawing_does_not_end_the_app(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.cache.ui.execute("DROP TABLE employee")  # the page query joins it
        await pilot.press("end")
        await pilot.pause()
        assert table_of(app).cursor_row == ACTIVE_CLIENTS - 1
        assert any("employee" in n.message for n in app._notifications)


@pytest.mark.parametrize("opens", [True, False])
async def test_a_link_nothing_can_open_is_shown_and_copied(
    profile: Profile, monkeypatch: pytest.MonkeyPatch, opens: bool
) -> None:
    opened: list[str] = []

    def fake_open(url: str, new: int = 0) -> bool:
        opened.append(url)
        return opens

    monkeypatch.setattr("webbrowser.open", fake_open)
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_link("mailto:pdm@hubspot.example?subject=Acme", "mail client")
        await settle(pilot)
        assert opened == ["mailto:pdm@hubspot.example?subject=Acme"]
        copied = app.clipboard == "mailto:pdm@hubspot.example?subject=Acme"
        assert copied is not opens
        assert bool(app._notifications) is not opens
