"""Refused actions in the TUI: the server's reason shown literally, and dismissed for good."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pilot_helpers import settle
from textual.widgets import Label, OptionList

from backend.server import start_in_thread
from backend.store import Store
from console.app import PartnerOpsApp
from console.screens.refused import RefusedDialog
from local_store import outbox
from local_store.database import open_cache
from local_store.paths import cache_path
from sync.engine import run_sync
from sync.profile import Profile

HOSTILE = "[bold red]boom[/] \x1b]52;c;AAAA\x07 no such alert"


@pytest.fixture
def refused_profile() -> Iterator[Profile]:
    """A synced cache where the real backend refused two alert assignments."""
    with start_in_thread(Store.generate(30, seed=9, today=date(2026, 11, 23))) as server:
        profile = Profile(
            name="refused",
            cache_path=cache_path("refused"),
            backend_url=server.url,
            token=server.store.partners[0].token,
            sync_interval_s=0,
        )
        run_sync(profile)
        conn = open_cache(profile.cache_path)
        alerts = [row[0] for row in conn.execute("SELECT id FROM alert ORDER BY id LIMIT 2")]
        for alert_id in alerts:
            outbox.assign_alert(conn, alert_id, "eve@elsewhere.test")
        run_sync(profile)
        # Server text can hold anything: markup and a terminal escape (OSC 52, the clipboard).
        with conn:
            conn.execute(
                "UPDATE outbox SET outcome_reason = ? WHERE seq = (SELECT max(seq) FROM outbox)",
                (HOSTILE,),
            )
        conn.close()
        yield profile


def sync_label(app: PartnerOpsApp) -> str:
    return str(app.screen_stack[0].query_one("#status-sync", Label).render())


def prompts(dialog: RefusedDialog) -> list[str]:
    option_list = dialog.query_one(OptionList)
    return [str(option_list.get_option_at_index(i).prompt) for i in range(option_list.option_count)]


def footer_keys(app: PartnerOpsApp) -> set[str]:
    return {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}


async def test_read_and_dismiss_refused_actions(refused_profile: Profile, tmp_path: Path) -> None:
    app = PartnerOpsApp(refused_profile, start_screen="clients")
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        assert "2 refused" in sync_label(app)
        assert "R" in footer_keys(app)
        await pilot.press("R")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, RefusedDialog)
        shown = prompts(dialog)
        assert len(shown) == 2
        assert all(text.startswith("Assign alert on alert ") for text in shown)
        assert "one of the partner's employees" in shown[0]
        # Shown as the characters the server sent: brackets kept, the escape made visible.
        assert "[bold red]boom[/] ␛]52;c;AAAA␇ no such alert" in shown[1]
        await pilot.press("d")
        await settle(pilot)
        assert len(prompts(dialog)) == 1 and "boom" in prompts(dialog)[0]
        assert "1 refused" in sync_label(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RefusedDialog)

        # The palette reaches it too.
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Refused actions")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RefusedDialog)
        await pilot.press("D")
        await settle(pilot)
        assert prompts(app.screen) == []
        assert app.screen.query_one("#refused-empty").display
        assert "refused" not in sync_label(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "R" not in footer_keys(app)
    conn = open_cache(refused_profile.cache_path)
    assert outbox.refused_actions(conn) == []
    conn.close()
