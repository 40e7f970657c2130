"""The TUI driven by key presses, with assertions on what the widgets hold."""

from __future__ import annotations

import io
import subprocess
import sys
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
from rich.console import Console
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static

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
from local_store.impact import impact_is_current
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


def static_text(static: Static) -> str:
    """What a Static shows, as plain text (a Content, a Rich renderable or a string)."""
    content = static.content
    if isinstance(content, Content):
        return content.plain
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


async def test_opens_on_clients_with_the_active_count(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert table_of(app).row_count == ACTIVE_CLIENTS  # the 5 ended clients are left out
        assert count_text(app) == "300 clients"
        assert table_of(app).has_focus


@pytest.mark.parametrize(
    ("width", "expected"), [(0, "-narrow"), (119, "-narrow"), (120, "-wide"), (250, "-wide")]
)
def test_the_breakpoint_class_set_before_styling_is_the_one_textual_sets(
    width: int, expected: str
) -> None:
    # Set before the first resize, so that Textual's own (same) class changes nothing then.
    for screen in (ClientsScreen(), TierScreen()):
        screen._set_breakpoint_class(width)
        assert {"-narrow", "-wide"} & screen.classes == {expected}


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


async def test_the_table_redraws_what_changed(profile: Profile) -> None:
    # The table asks Textual to redraw only the lines whose rows changed, and skips the
    # scrollbar unless the row count changed: what Textual drew (its line cache) must still be
    # what the table shows now.
    narrowed = [v for v in active_clients(ACTIVE_CLIENTS) if "1" in v[3].lower() + v[4]]
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        height = table.scrollable_content_region.height

        def drawn() -> list[str]:
            return [strip.text for strip in table.render_lines(table.size.region)][:height]

        unsorted = drawn()
        await pilot.press("s")  # the same rows in another order: no new row count
        await settle(pilot)
        assert drawn() != unsorted
        assert drawn() == screen_lines(table)[:height]
        assert height - 1 < len(narrowed) < ACTIVE_CLIENTS  # more than a screen, not all
        await pilot.press("slash", "1")
        await settle(pilot)
        assert table.row_count == len(narrowed)
        assert drawn() == screen_lines(table)[:height]
        assert table.vertical_scrollbar.window_virtual_size == len(narrowed) + 1
        await pilot.press("backspace")
        await settle(pilot)
        assert table.vertical_scrollbar.window_virtual_size == ACTIVE_CLIENTS + 1


@pytest.mark.parametrize("breaks", [False, True])
async def test_a_search_never_leaves_the_screen_unpainted(profile: Profile, breaks: bool) -> None:
    # A new search holds the screen's paint until its rows arrive; a failed read must not
    # keep it held.
    app = make_app(profile)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        if breaks:
            app.cache.ui.execute("DROP TABLE employee")  # the page query joins it
        await pilot.press("slash", "s")
        await settle(pilot)
        # Released by the rows, or else by the hold's own timer (50 ms): allowed 2 s, for a
        # loaded machine, before the paint counts as stuck.
        for _ in range(200):
            if app._batch_count == 0:
                break
            await pilot.pause(0.01)
        assert app._batch_count == 0
        assert app.screen.query_one("#client-search", Input).value == "s"
        assert any("employee" in n.message for n in app._notifications) == breaks


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
        # Read from the widgets: the list is longer than the panel, which scrolls.
        text = "\n".join(static_text(static) for static in app.screen.query(Static))
        for description in (
            "Search",
            "Sort",
            "Reverse",
            "Open",
            "Filter",
            "Mine",
            "End services",
            "Next tab",
            "Inbox",
            "Sync",
            "Quit",
        ):
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
        assert table.cursor_client.name in last_line
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
        await settle(pilot)
        title = static_text(app.screen.query_one("#detail-title", Static))
        assert title.startswith(HOSTILE_MARKUP)
        fields = static_text(app.screen.query_one("#detail-fields", Static))
        assert f"Company              {HOSTILE_MARKUP}\n" in fields


def test_the_clients_screen_imports_no_panel_or_dialog_until_used() -> None:
    # They are on the start-up path otherwise: the panel's tabs, the dialogs' text area.
    later = (
        "console.widgets.client_detail",
        "console.screens.client_actions",
        "console.screens.dialogs",
        "local_store.client_detail",
        "textual.widgets._tabbed_content",
        "textual.widgets._text_area",
    )
    code = (
        "import sys, console.screens.clients; "
        f"print(sorted(m for m in {later!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


async def test_the_detail_panel_is_built_when_first_opened(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query("ClientDetailPanel")
        assert not app.screen.query("TabbedContent")
        await pilot.press("enter", "right_square_bracket")  # a tab key at once: no error
        await settle(pilot)
        assert len(app.screen.query("ClientDetailPanel")) == 1
        assert table_of(app).cursor_client.domain in static_text(
            app.screen.query_one("#detail-title", Static)
        )
        await pilot.press("escape", "down", "enter")
        await settle(pilot)
        assert len(app.screen.query("ClientDetailPanel")) == 1  # built once, then reused
        assert table_of(app).cursor_client.domain in static_text(
            app.screen.query_one("#detail-title", Static)
        )


async def test_enter_opens_the_detail_panel_and_escape_closes_it(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#client-detail")
        assert not panel.display
        await pilot.press("down", "enter")
        await settle(pilot)
        row = table_of(app).cursor_client
        assert panel.display
        fields = static_text(app.screen.query_one("#detail-fields", Static))
        assert row.name in fields and row.crm_url in fields and row.account_url in fields
        # The panel follows the cursor while the table keeps the focus.
        await pilot.press("down")
        await settle(pilot)
        following = table_of(app).cursor_client
        assert following.id != row.id
        fields = static_text(app.screen.query_one("#detail-fields", Static))
        assert following.name in fields and row.name not in fields
        await pilot.press("escape")
        await pilot.pause()
        assert not panel.display and table_of(app).has_focus


async def test_filters_modal_narrows_in_sql_and_clears(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        relationship = app.screen.query_one("#filter-relationship", Select)
        assert relationship.has_focus
        # any, Sourced, Assisted, Managed: the third option down.
        await pilot.press("enter", "down", "down", "down", "enter")
        await pilot.pause()
        assert relationship.value == "managed"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        expected = [v for v in active_clients(ACTIVE_CLIENTS) if v[7] == "managed"]
        table = table_of(app)
        assert table.row_count == len(expected) > 0
        assert count_text(app) == f"{len(expected)} of 300 clients"
        assert {table.row_at(i).relationship for i in range(table.row_count)} == {"managed"}
        assert str(app.screen.query_one("#client-filters", Label).render()) == "Managed"
        await pilot.press("f")
        await settle(pilot)
        await pilot.click("#clear")
        await settle(pilot)
        assert table.row_count == ACTIVE_CLIENTS and count_text(app) == "300 clients"
        assert not app.screen.query_one("#client-filters", Label).display


async def test_filters_modal_escape_changes_nothing(profile: Profile) -> None:
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("enter", "down", "enter", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ClientsScreen)
        assert table_of(app).row_count == ACTIVE_CLIENTS


async def test_mine_toggles_the_owner_filter(cache_file: Path) -> None:
    app = make_app(Profile(name="ana", cache_path=cache_file, user_email="ana@partner.test"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        table = table_of(app)
        expected = [v for v in active_clients(ACTIVE_CLIENTS) if v[17] == "ana@partner.test"]
        assert table.row_count == len(expected) > 0
        assert {table.row_at(i).owner_email for i in range(table.row_count)} == {"ana@partner.test"}
        assert str(app.screen.query_one("#client-filters", Label).render()) == "mine"
        await pilot.press("m")
        await settle(pilot)
        assert table.row_count == ACTIVE_CLIENTS


async def test_mine_without_a_user_says_it_is_unavailable(profile: Profile) -> None:
    app = make_app(profile)  # the profile names no user_email
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert table_of(app).row_count == ACTIVE_CLIENTS
        assert any('"Mine" is unavailable' in n.message for n in app._notifications)


async def test_profile_columns_are_the_columns_shown_and_sorted(cache_file: Path) -> None:
    columns = ("name", "health", "usage")
    app = make_app(Profile(name="few", cache_path=cache_file, client_columns=columns))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        header = table.render_line(0).text.split()
        assert header == ["Name", "▲", "Health", "Usage"]
        assert [column.key for column in table.columns] == list(columns)
        await pilot.press("s")  # the next shown column: health
        await settle(pilot)
        scores = [table.row_at(i).health_score for i in range(table.row_count)]
        assert scores == sorted(scores)
        await pilot.press("s")
        await settle(pilot)
        tools = [table.row_at(i).tools_in_use for i in range(table.row_count)]
        assert app.screen.query_state.sort == "usage" and tools == sorted(tools)
        line = screen_lines(table)[1]
        row = table.row_at(0)
        band = "red" if row.health_score <= 50 else "yellow" if row.health_score <= 75 else "green"
        assert f"{row.health_score} {band}" in line and f"{row.tools_in_use} / 5" in line


async def test_a_client_whose_services_are_ending_says_so(profile: Profile) -> None:
    conn = connect(profile.cache_path)
    conn.execute("UPDATE client SET services_status = 'ending' WHERE id = 'c000000'")
    conn.close()
    app = make_app(profile)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"alderanalytics0.example", "enter")
        await settle(pilot)
        line = screen_lines(table_of(app))[1]
        # Marked as waiting to sync, its data still readable.
        assert line.startswith("…") and "Alder Analytics 00000" in line and "$0" in line


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
        assert static_text(app.screen.query_one(".screen-title", Static)) == "Tier"


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
        # A jump opens the client's detail panel too.
        assert app.screen.query_one("#client-detail").display
        title = static_text(app.screen.query_one("#detail-title", Static))
        assert title.startswith(table.cursor_client.name)


async def test_o_and_c_open_only_web_addresses(profile: Profile, monkeypatch) -> None:
    conn = connect(profile.cache_path)
    conn.execute(
        "UPDATE client SET crm_url = 'javascript:alert(1)', account_url = 'file:///etc/passwd' "
        "WHERE id = 'c000001'"
    )
    conn.close()
    app = make_app(profile)
    opened: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "open_link", lambda url, what: opened.append((url, what)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"alderanalytics0.example", "enter", "O", "o")
        await settle(pilot)
        assert opened == [
            ("https://app.example/portal/0", "HubSpot account"),
            ("https://crm.example/companies/0", "company record"),
        ]
        await pilot.press("slash", "ctrl+u", *"birchanalytics1.example", "enter", "O", "o")
        await settle(pilot)
        assert len(opened) == 2
        messages = [n.message for n in app._notifications]
        assert any("no web address for its HubSpot account" in m for m in messages)
        assert any("no web address for its company record" in m for m in messages)


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


def test_screen_titles_named_by_the_app_match_the_screens() -> None:
    for mode, title in PartnerOpsApp.SCREEN_TITLES.items():
        assert title == type(PartnerOpsApp.MODES[mode]()).SCREEN_TITLE


async def built_ahead(pilot: Pilot) -> dict[str, Screen]:
    """Each mode's screen once the app has built them all ahead (`_screen_stacks` is the
    private name tests/console/test_textual_private_api.py checks)."""
    app = pilot.app
    for _ in range(200):
        await settle(pilot)
        if len(app._screen_stacks) == len(app.MODES):
            return {mode: stack[0] for mode, stack in app._screen_stacks.items()}
        await pilot.pause(0.05)
    raise AssertionError(f"only {sorted(app._screen_stacks)} were built")


async def test_every_screen_is_built_ahead_and_its_first_visit_shows_it_as_built(
    portfolio_profile: Profile,
) -> None:
    app = make_app(portfolio_profile, start_screen="clients")
    async with app.run_test(size=SIZE) as pilot:
        screens = await built_ahead(pilot)
        assert isinstance(app.screen, ClientsScreen)
        inbox = screens["inbox"]
        assert isinstance(inbox, InboxScreen) and not inbox.is_current
        # Built and read while hidden: its first page is there before the first visit.
        assert inbox.table.row_count > 0
        for key, mode in (("1", "inbox"), ("3", "renewals"), ("4", "tier"), ("5", "team")):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screens[mode]
        await pilot.press("1")
        await settle(pilot)
        assert app.screen is inbox and inbox.table.row_count > 0


async def test_the_console_stores_the_inbox_impacts_for_its_day(
    portfolio_profile: Profile, portfolio_cache: Path
) -> None:
    # The portfolio was synced on the wall clock's day; the app's day is FIXED_NOW's.
    today = FIXED_NOW.astimezone().date()
    conn = connect(portfolio_cache)
    assert not impact_is_current(conn, today)
    app = make_app(portfolio_profile, start_screen="inbox")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert impact_is_current(conn, today)
    conn.close()
