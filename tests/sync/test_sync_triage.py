"""Triage taken offline (under Pilot and through the outbox) reaches the real backend at a
sync hours later, while the backend's world moves; a teammate's cache then shows it."""

from __future__ import annotations

import random
import sqlite3
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

import pytest
from loopback_backend import TODAY, profile_for

from backend.faults import Faults
from backend.server import RunningServer
from backend.world import apply_world_moves
from console.app import PartnerOpsApp
from local_store import alert_triage
from local_store.database import open_cache
from sync.engine import ConfigError, run_sync
from sync.profile import Profile

# The TUI tests' helper that waits for workers and messages (tests/console is not on the path
# when only this directory runs).
sys.path.insert(0, str(Path(__file__).parents[1] / "console"))
from pilot_helpers import settle  # noqa: E402

PILOT_NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ME = "triage@partner.test"


def alert_states(conn: sqlite3.Connection) -> dict[str, tuple]:
    return {
        row[0]: row[1:]
        for row in conn.execute("SELECT id, status, assignee, snoozed_until FROM alert")
    }


def open_backend_alerts(conn: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in conn.execute("SELECT id FROM alert WHERE status = 'open' ORDER BY id LIMIT 3")
    ]


async def acknowledge_under_pilot(profile: Profile) -> str:
    """Press `k` (acknowledge) on the first backend alert of "Everything open"; returns its id."""
    app = PartnerOpsApp(
        replace(profile, sync_interval_s=0), start_screen="inbox", clock=lambda: PILOT_NOW
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        inbox = app.screen
        inbox.show_section(len(inbox.sections) - 1)
        await pilot.press("slash", *"renewal decision", "enter")
        await settle(pilot)
        target = inbox.rows[0]
        assert target.source == "backend" and target.status == "open"
        await pilot.press("k")
        await settle(pilot)
    return target.id


async def test_offline_triage_reaches_the_backend_and_a_teammate(
    backend: RunningServer,
) -> None:
    mine, teammate = profile_for(backend, name="mine"), profile_for(backend, name="teammate")
    run_sync(mine)
    run_sync(teammate)
    partner = backend.store.partners[0]
    colleague = sorted(e["email"] for e in partner.records("employees"))[1]

    # Offline: one action by key in the TUI, the others through the same triage functions.
    pressed = await acknowledge_under_pilot(mine)
    conn = open_cache(mine.cache_path)
    snoozed, assigned, noted = open_backend_alerts(conn)  # the pressed one is no longer open
    until = TODAY + timedelta(days=5)
    alert_triage.snooze(conn, snoozed, until, "after the board meeting", ME, TODAY)
    alert_triage.assign(conn, assigned, colleague)
    alert_triage.add_note(conn, noted, "asked for the budget", ME)
    expected = alert_states(conn)
    conn.close()

    # Hours later the backend has moved on: renewals decided, clients won and lost.
    apply_world_moves(partner, random.Random(4), 40)
    backend.store.faults = Faults(world_moves=5, seed=2)
    report = run_sync(mine)
    backend.store.faults = Faults()

    # An action on an alert the world resolved meanwhile is refused and says so; every
    # other one is on the backend now.
    refused = {line.split(" on ")[1].split(":")[0] for line in report.pushed.refused}
    for alert_id in (pressed, snoozed, assigned):
        server = partner.get("alerts", alert_id)
        if alert_id in refused:
            assert server is None or server["status"] == "resolved"
            continue
        status, assignee, snoozed_until = expected[alert_id]
        assert (server["status"], server["assignee"], server["snoozed_until"]) == (
            status,
            assignee,
            snoozed_until,
        )
    assert report.pushed.applied + len(report.pushed.refused) == 4  # a snooze carries its note
    notes = {n["text"] for n in partner.records("notes") if n["target_id"] in (snoozed, noted)}
    assert {"asked for the budget", f"Snoozed until {until}: after the board meeting"} <= notes

    # The teammate sees the backend's state after their own sync.
    run_sync(teammate)
    conn = open_cache(teammate.cache_path)
    theirs = alert_states(conn)
    teammate_notes = {row[0] for row in conn.execute("SELECT text FROM note")}
    conn.close()
    for alert_id in (pressed, snoozed, assigned):
        server = partner.get("alerts", alert_id)
        if server is not None:
            assert theirs[alert_id] == (
                server["status"],
                server["assignee"],
                server["snoozed_until"],
            )
    assert "asked for the budget" in teammate_notes


def test_sync_scores_health_and_raises_local_alerts(backend: RunningServer) -> None:
    profile = profile_for(backend)
    run_sync(profile)
    conn = open_cache(profile.cache_path)
    unscored = conn.execute("SELECT count(*) FROM client WHERE health_score IS NULL").fetchone()
    local = conn.execute("SELECT count(*) FROM local_alert").fetchone()
    conn.close()
    assert unscored == (0,)
    assert local[0] > 0


def test_bad_health_weights_stop_the_sync_before_it_connects(backend: RunningServer) -> None:
    settings = MappingProxyType({"health": {"weights": {"usage": "lots"}}})
    profile = replace(profile_for(backend), settings=settings)
    with pytest.raises(ConfigError, match="health.weights.usage must be a number") as raised:
        run_sync(profile)
    assert raised.value.exit_code == 2
    assert not profile.cache_path.exists()
