"""The storm's first finds, pinned: a select paged before layout, and `]` twice in the Inbox."""

from __future__ import annotations

import pytest
from console_fixtures import FIXED_NOW
from pilot_helpers import settle
from storm import _send_at_once
from textual.widgets import OptionList
from textual.widgets._select import SelectOverlay

from console.app import PartnerOpsApp
from console.commands import SafeCommandPalette
from console.screens.inbox import InboxScreen
from console.screens.renewal_owner_dialog import CommunicationOwnerModal
from console.widgets.safe_select import SafeOptionList, SafeSelect
from sync.profile import Profile

SIZE = (160, 48)


async def test_renewals_window_select_pages_before_its_overlay_is_laid_out(
    profile: Profile,
) -> None:
    # Textual 8.2.8's own Select raises KeyError in OptionList._move_page here.
    app = PartnerOpsApp(profile, start_screen="renewals", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        select = app.screen.query_one("#renewal-window", SafeSelect)
        overlay = select.query_one(SelectOverlay)
        select.focus()
        select.expanded = True
        assert not overlay.scrollable_content_region  # not laid out yet: the crash's condition
        overlay.action_page_down()
        overlay.action_page_up()
        await settle(pilot)
        await pilot.press("pagedown", "enter")
        await settle(pilot)
        assert select.value == 120
        await pilot.press("escape", "1")
        await settle(pilot)
        assert app.current_mode == "inbox"


async def test_inbox_next_section_twice_at_once_settles_on_the_second(
    portfolio_profile: Profile,
) -> None:
    app = PartnerOpsApp(portfolio_profile, start_screen="inbox", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        _send_at_once(app, ["right_square_bracket", "right_square_bracket"])
        await settle(pilot)  # fails ("kept working") if the section list keeps flipping
        assert screen.section_index == 2 % len(screen.sections)
        assert screen.query_one("#inbox-sections", OptionList).highlighted == screen.section_index


async def test_palette_and_dialog_lists_page_before_they_are_laid_out(profile: Profile) -> None:
    # ctrl+p then PageUp at once raised KeyError in Textual's OptionList._move_page too.
    app = PartnerOpsApp(profile, start_screen="inbox", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_command_palette()
        palette = app.screen
        assert isinstance(palette, SafeCommandPalette)
        palette.action_page("up")  # not even composed yet
        await pilot.pause()
        palette.action_page("up")
        palette.action_page("down")
        await settle(pilot)
        await pilot.press("pagedown", "pageup", "escape")
        await settle(pilot)
        assert app.screen is not palette
        dialog = CommunicationOwnerModal("Acme", "partner")
        await app.push_screen(dialog)
        options = dialog.query_one(SafeOptionList)
        options.action_page_down()
        options.action_page_up()
        await settle(pilot)
        await pilot.press("escape", "2")
        await settle(pilot)
        assert app.current_mode == "clients"


async def test_a_palette_selection_arriving_after_it_closed_pops_nothing(profile: Profile) -> None:
    # Two enters queued at once: Textual 8.2.8 dismissed the palette twice, popping the screen
    # under it (ScreenStackError when that was the last one).
    app = PartnerOpsApp(profile, start_screen="clients", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.action_command_palette()
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, SafeCommandPalette)
        palette.dismiss()
        palette.dismiss()
        await settle(pilot)
        assert app.current_mode == "clients" and app.screen.__class__.__name__ == "ClientsScreen"


async def test_a_dialog_answered_twice_at_once_closes_once(portfolio_profile: Profile) -> None:
    # c then enter, enter: the second answer popped the Renewals screen under the dialog.
    # Since the first enter answers within its key, the second is the Renewals screen's, in
    # order: it opens the client.
    app = PartnerOpsApp(portfolio_profile, start_screen="renewals", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        _send_at_once(app, ["c", "enter", "enter"])
        await settle(pilot)
        assert app.current_mode == "clients"
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "RenewalsScreen"


async def test_the_theme_picker_is_the_safe_palette(profile: Profile) -> None:
    # Long storm seed 1005: ctrl+p, enter (Theme), PageUp at once: Textual's own theme picker
    # raised the same KeyError in OptionList._move_page.
    app = PartnerOpsApp(profile, start_screen="inbox", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.search_themes()
        palette = app.screen
        assert isinstance(palette, SafeCommandPalette)
        await pilot.pause()
        palette.action_page("up")
        await pilot.press("escape")
        await settle(pilot)
        app.search_commands([])
        assert isinstance(app.screen, SafeCommandPalette)
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == "inbox"


async def test_assign_on_an_empty_list_does_not_swallow_the_next_key(profile: Profile) -> None:
    # Storm seeds 1003, 1035, 1086, 1127, 1133, 1153 and 1177: keys typed after `a` are held
    # for its dialog, but on an empty list no dialog comes, and `5` was dropped.
    app = PartnerOpsApp(profile, start_screen="clients", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"no client is called this", "enter")
        await settle(pilot)
        assert app.screen.query_one("#client-table").row_count == 0
        _send_at_once(app, ["a", "5"])
        await settle(pilot)
        assert app.current_mode == "team"


async def test_keys_typed_while_the_assign_dialog_is_read_go_to_it(profile: Profile) -> None:
    app = PartnerOpsApp(profile, start_screen="clients", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        _send_at_once(app, ["a", "5"])
        await settle(pilot)
        assert app.current_mode == "clients"
        assert type(app.screen).__name__ == "PersonDialog"


@pytest.mark.parametrize("answer", ["enter", "escape"])
async def test_keys_typed_with_a_dialogs_answer_go_to_the_screen_behind_in_order(
    profile: Profile, answer: str
) -> None:
    # By hand in tmux: `a`, Down, enter and `x` at once assigned the alert and lost the `x`:
    # enter answered a message later, and the `x` reached the dialog before it closed.
    app = PartnerOpsApp(profile, start_screen="clients", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert type(app.screen).__name__ == "PersonDialog"
        _send_at_once(app, ["down", answer, "5", "4"])
        await settle(pilot)
        assert app.current_mode == "tier"
        assigned = any(" owns " in n.message for n in app._notifications)
        assert assigned is (answer == "enter")
