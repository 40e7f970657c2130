"""Every TUI screen shows a hostile server's text inert (issue 20): the data file of
`hostile_server` synced for real, each screen opened, and what it drew searched for live
sequences. Their ESC must show as ␛ somewhere, or the test proves nothing."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest
from hostile_server import FORBIDDEN, hostile_data_file
from loopback_backend import profile_for

from backend.datafile import load_store
from backend.server import start_in_thread
from console.app import SCREEN_MODULES, PartnerOpsApp
from sync.engine import run_sync

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "console"))
from pilot_helpers import settle  # noqa: E402

SHOWING_SERVER_NAMES = {"inbox", "clients", "renewals", "team"}


@pytest.mark.parametrize("mode", list(SCREEN_MODULES))
async def test_no_screen_draws_a_live_sequence(tmp_path: Path, mode: str) -> None:
    store = load_store(hostile_data_file(tmp_path, date.today()))
    with start_in_thread(store) as server:
        profile = profile_for(server)
        run_sync(profile)
    # One Inbox section with every alert: the default first section may be empty.
    everything = {"inbox": {"sections": [{"name": "Everything", "filter": "status:any"}]}}
    app = PartnerOpsApp(replace(profile, settings=MappingProxyType(everything)), start_screen=mode)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        drawn = app.export_screenshot()
    assert [sequence for sequence in FORBIDDEN if sequence in drawn] == []
    if mode in SHOWING_SERVER_NAMES:
        assert "␛]52" in drawn
