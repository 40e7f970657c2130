"""Key storms on every screen, dialog, select, the help screen and the palette (storm.py).

A few seeds per start run in the normal suite; `pytest -m storm_long` runs 200 more seeds
across all starts (deselected by default). A failure names the start, the seed and the keys;
`pytest "tests/console/test_storm.py::test_storm[<start>-<seed>]"` replays it.
"""

from __future__ import annotations

import webbrowser

import pytest
from storm import EXCLUDED_KEYS, POOL, STARTS, run_storm
from textual.screen import ModalScreen

from console.app import PartnerOpsApp
from console.keymap import console_node_classes, own_bindings
from sync.profile import Profile

CI_SEEDS = (1,)
LONG_SEEDS = range(1000, 1200)


@pytest.fixture(autouse=True)
def _no_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    # o, c and e open links: a storm must not start a browser or a mail client.
    monkeypatch.setattr(webbrowser, "open", lambda *args, **kwargs: True)


@pytest.mark.parametrize("seed", CI_SEEDS)
@pytest.mark.parametrize("start", STARTS, ids=[start.name for start in STARTS])
async def test_storm(portfolio_profile: Profile, start, seed: int) -> None:
    await run_storm(portfolio_profile, start, seed)


@pytest.mark.storm_long
@pytest.mark.parametrize("seed", LONG_SEEDS)
async def test_storm_long(portfolio_profile: Profile, seed: int) -> None:
    await run_storm(portfolio_profile, STARTS[seed % len(STARTS)], seed)


def test_the_storm_types_every_bound_key() -> None:
    bound = {
        key.strip()
        for node_class in console_node_classes(PartnerOpsApp)
        for binding in own_bindings(node_class)
        for key in binding.key.split(",")
    }
    assert bound - set(POOL) - EXCLUDED_KEYS == set()


def test_a_storm_starts_on_every_screen_and_in_every_dialog() -> None:
    modals = {
        node_class
        for node_class in console_node_classes(PartnerOpsApp)
        if issubclass(node_class, ModalScreen)
    }
    # A base class (Dialog) is opened only through its subclasses.
    dialogs = {
        modal.__name__
        for modal in modals
        if not any(issubclass(other, modal) for other in modals - {modal})
    }
    opened = {start.opens for start in STARTS}
    assert dialogs - opened == set()
    assert "SafeCommandPalette" in opened
    assert set(PartnerOpsApp.MODES) - {start.screen for start in STARTS} == set()
