"""A failed background worker is titled by what failed, never a blanket "cache" message."""

from __future__ import annotations

import re
from pathlib import Path

from console_fixtures import FIXED_NOW
from pilot_helpers import settle

from console.app import PartnerOpsApp
from console.worker_errors import WORKER_ERROR_TITLES
from sync.profile import Profile

CONSOLE = Path(__file__).resolve().parents[2] / "console"


def test_every_worker_group_of_the_console_has_a_title() -> None:
    groups = {
        group
        for path in CONSOLE.rglob("*.py")
        for group in re.findall(r'group="([^"]+)"', path.read_text(encoding="utf-8"))
    }
    assert groups and groups - set(WORKER_ERROR_TITLES) == set()


async def test_a_failed_link_worker_says_the_link_failed(profile: Profile) -> None:
    def fail_to_open() -> None:
        raise OSError("no handler for https")

    app = PartnerOpsApp(profile, clock=lambda: FIXED_NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.run_worker(fail_to_open, thread=True, group="open-link", exit_on_error=False)
        await pilot.pause(0.2)
        await settle(pilot)
        shown = [(n.title, n.message) for n in app._notifications]
        assert ("Could not open the link", "OSError: no handler for https") in shown
