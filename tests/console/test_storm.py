"""Key storms on every screen, dialog, select, the help screen and the palette (storm.py).

A few seeds per start run in the normal suite; `pytest -m storm_long` runs 200 more seeds
across all starts (deselected by default). A failure names the start, the seed and the keys;
`pytest "tests/console/test_storm.py::test_storm[<start>-<seed>]"` replays it.
"""

from __future__ import annotations

import webbrowser

import pytest
from storm import STARTS, run_storm

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
