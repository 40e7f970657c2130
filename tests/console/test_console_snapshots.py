"""How the screens look, with fixed data, a fixed clock and a fixed terminal size.

Update after an intended change with `pytest tests/console --snapshot-update`, and look at
the report before committing.
"""

from __future__ import annotations

from console_fixtures import FIXED_NOW
from pilot_helpers import settle
from textual.pilot import Pilot

from console.app import PartnerOpsApp
from sync.profile import Profile

SIZE = (160, 48)


def test_clients_screen_dark(snap_compare, profile: Profile) -> None:
    app = PartnerOpsApp(profile, clock=lambda: FIXED_NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_clients_screen_light_with_search(snap_compare, profile: Profile) -> None:
    app = PartnerOpsApp(profile, clock=lambda: FIXED_NOW)
    app.theme = "textual-light"

    async def search(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"summit", "enter", "down", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=search)


def test_help_screen(snap_compare, profile: Profile) -> None:
    app = PartnerOpsApp(profile, clock=lambda: FIXED_NOW)

    async def open_help(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_help)


DETAIL_CLIENT = "c-000056"


def _open_detail(*keys: str):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.app.jump_to_client(DETAIL_CLIENT)
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


def test_clients_detail_panel_dark(snap_compare, portfolio_profile: Profile) -> None:
    app = PartnerOpsApp(portfolio_profile, clock=lambda: FIXED_NOW)
    assert snap_compare(app, terminal_size=SIZE, run_before=_open_detail())


def test_clients_detail_panel_light_engagement(snap_compare, portfolio_profile: Profile) -> None:
    app = PartnerOpsApp(portfolio_profile, clock=lambda: FIXED_NOW)
    app.theme = "textual-light"
    run_before = _open_detail(
        "right_square_bracket", "right_square_bracket", "right_square_bracket"
    )
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_clients_detail_panel_80x24(snap_compare, portfolio_profile: Profile) -> None:
    app = PartnerOpsApp(portfolio_profile, clock=lambda: FIXED_NOW)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_detail())


def test_end_services_confirmation(snap_compare, portfolio_profile: Profile) -> None:
    app = PartnerOpsApp(portfolio_profile, clock=lambda: FIXED_NOW)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open_detail("ctrl+e"))
