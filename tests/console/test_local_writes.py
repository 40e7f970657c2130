"""The one serial writer: keys commit in the order pressed, and a bulk action undoes as one."""

from __future__ import annotations

import sqlite3

from console_fixtures import FIXED_NOW
from pilot_helpers import settle
from storm import _send_at_once

from console.app import PartnerOpsApp
from console.screens.inbox import InboxScreen
from sync.profile import Profile

SIZE = (160, 48)


def _recording(app: PartnerOpsApp) -> list[str]:
    said: list[str] = []
    notify = app.notify

    def record(message: str, **kwargs: object) -> None:
        said.append(f"{kwargs.get('severity', 'information')}: {message}")
        notify(message, **kwargs)  # type: ignore[arg-type]

    app.notify = record  # type: ignore[method-assign]
    return said


def _everything(app: PartnerOpsApp) -> InboxScreen:
    inbox = app.screen
    assert isinstance(inbox, InboxScreen)
    inbox.show_section(len(inbox.sections) - 1)
    return inbox


def _outbox_kinds(profile: Profile, alert_id: str) -> list[str]:
    conn = sqlite3.connect(profile.cache_path)
    try:
        rows = conn.execute(
            "SELECT kind FROM outbox WHERE target_id = ? ORDER BY seq", (alert_id,)
        ).fetchall()
    finally:
        conn.close()
    return [kind for (kind,) in rows]


async def test_acknowledge_then_resolve_pressed_at_once_commit_in_that_order(
    portfolio_profile: Profile,
) -> None:
    app = PartnerOpsApp(portfolio_profile, start_screen="inbox", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        said = _recording(app)
        await settle(pilot)
        inbox = _everything(app)
        await settle(pilot)
        backend = [r.id for r in inbox.rows if r.source == "backend" and r.status == "open"]
        assert len(backend) >= 5
        for alert_id in backend[:5]:
            inbox.move_cursor_to(alert_id)
            _send_at_once(app, ["k", "x"])
            await settle(pilot)
            assert _outbox_kinds(portfolio_profile, alert_id) == [
                "ack_alert",
                "resolve_alert",
            ]
        assert not [line for line in said if line.startswith("error")], said


async def test_a_bulk_acknowledge_is_one_undo_step_naming_the_clients(
    portfolio_profile: Profile,
) -> None:
    app = PartnerOpsApp(portfolio_profile, start_screen="inbox", clock=lambda: FIXED_NOW)
    async with app.run_test(size=SIZE) as pilot:
        said = _recording(app)
        await settle(pilot)
        inbox = _everything(app)
        await settle(pilot)
        rows = [r for r in inbox.rows if r.source == "backend" and r.status == "open"][:3]
        for row in rows:
            inbox.move_cursor_to(row.id)
            await pilot.press("space")
        await pilot.press("k")
        await settle(pilot)
        assert all(_outbox_kinds(portfolio_profile, r.id) == ["ack_alert"] for r in rows)
        await pilot.press("u")
        await settle(pilot)
        assert all(_outbox_kinds(portfolio_profile, r.id) == [] for r in rows)
        undo_toast = said[-1]
        assert undo_toast.startswith("information: Undid: acknowledged 3 alerts of ")
        for row in rows:
            assert row.client_name in undo_toast
            assert row.id not in undo_toast
