"""Keys typed while a dialog's data is read must not move the list behind it."""

from __future__ import annotations

from console_fixtures import FIXED_NOW
from pilot_helpers import settle

from console.app import PartnerOpsApp
from console.screens.clients import ClientsScreen
from console.screens.dialogs import PersonDialog
from sync.profile import Profile


async def test_arrows_typed_before_the_assign_dialog_opens_leave_the_table_alone(
    portfolio_profile: Profile,
) -> None:
    app = PartnerOpsApp(portfolio_profile, start_screen="clients", clock=lambda: FIXED_NOW)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ClientsScreen)
        table = screen.table
        first = table.cursor_client
        # As the keyboard delivers them: `a` starts reading the people, and the arrows for
        # the dialog arrive before it is open.
        await app.run_action("screen.assign_owner")
        assert not isinstance(app.screen, PersonDialog)
        for _ in range(3):
            await app.run_action("cursor_down", table)
        assert table.cursor_client == first
        assert table.scroll_y == 0
        await settle(pilot)
        assert isinstance(app.screen, PersonDialog)
        await pilot.press("escape")
        await settle(pilot)
        # Once the dialog has opened, the table's keys work again at once.
        await pilot.press("down")
        assert table.cursor_client != first
