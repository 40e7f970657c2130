"""The profile's config vocabulary (`sync.profile`: screen names, client table columns) is the
one home of those names; the TUI, which sync must not import, names the same ones."""

from __future__ import annotations

from textual.binding import Binding

from console.app import SCREEN_MODULES, PartnerOpsApp
from console.widgets.client_table import COLUMNS
from sync.profile import (
    ARCHETYPE_CLIENT_COLUMNS,
    ARCHETYPE_START_SCREEN,
    CLIENT_COLUMNS,
    SCREENS,
)


def test_the_app_has_exactly_the_profile_screens_in_order() -> None:
    assert tuple(SCREEN_MODULES) == SCREENS
    assert tuple(PartnerOpsApp.SCREEN_TITLES) == SCREENS
    keys = {
        binding.key: binding.action
        for binding in PartnerOpsApp.BINDINGS
        if isinstance(binding, Binding) and binding.action.startswith("switch_mode(")
    }
    assert keys == {str(n): f"switch_mode('{mode}')" for n, mode in enumerate(SCREENS, 1)}
    assert set(ARCHETYPE_START_SCREEN.values()) <= set(SCREENS)


def test_the_client_table_has_exactly_the_profile_columns_in_order() -> None:
    assert tuple(column.key for column in COLUMNS) == CLIENT_COLUMNS
    for columns in ARCHETYPE_CLIENT_COLUMNS.values():
        assert set(columns) <= set(CLIENT_COLUMNS)
