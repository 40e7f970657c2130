"""Consoles against the team server: two people share triage; a restart costs no resync."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from server_helpers import EMAILS, Team, act, pull

from local_store import alert_triage
from local_store.alerts import alert_detail
from local_store.database import open_cache
from sync.engine import run_sync
from sync.wire import RESOURCE_MODELS


def _server_counts(team: Team) -> dict[str, int]:
    with team.client("dana") as dana:
        return {resource: len(pull(dana, resource)[0]) for resource in RESOURCE_MODELS}


def _open_alert(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT id FROM alert WHERE status = 'open' ORDER BY id LIMIT 1").fetchone()
    return str(row[0])


def test_one_acknowledges_offline_the_other_sees_it_and_who(team: Team, tmp_path: Path) -> None:
    lee, dana = team.profile("lee", tmp_path), team.profile("dana", tmp_path)
    run_sync(lee)
    run_sync(dana)
    conn = open_cache(lee.cache_path)
    try:
        alert_id = _open_alert(conn)
        alert_triage.acknowledge(conn, alert_id)  # offline: into lee's outbox
    finally:
        conn.close()
    report = run_sync(lee)
    assert not report.pushed.refused
    seen = run_sync(dana)
    assert seen.pulled.pulled["alerts"] == 1 and not seen.pulled.resynced
    conn = open_cache(dana.cache_path)
    try:
        status = conn.execute("SELECT status FROM alert WHERE id = ?", (alert_id,)).fetchone()
        detail = alert_detail(conn, alert_id, datetime.now(UTC).date())
    finally:
        conn.close()
    assert status == ("acknowledged",)
    assert detail is not None and detail.changed_by == EMAILS["lee"]  # the console shows who
    with team.client("dana") as client:
        alert = next(a for a in pull(client, "alerts")[0] if a["id"] == alert_id)
        assert alert["changed_by"] == EMAILS["lee"]
        entries = client.get("/v1/admin/audit").json()["entries"]
    assert [(e["actor"], e["kind"], e["target_id"]) for e in entries] == [
        (EMAILS["lee"], "ack_alert", alert_id)
    ]


def test_a_restart_mid_sync_costs_no_resync_and_loses_nothing(team: Team, tmp_path: Path) -> None:
    lee = team.profile("lee", tmp_path)
    restarted: list[str] = []

    def restart_after_clients(resource: str, pulled: int) -> None:
        if resource == "clients" and not restarted:
            restarted.append(resource)
            team.restart()
            with team.client("dana") as dana:  # the world moves while lee is mid-sync
                act(
                    dana,
                    {
                        "key": "r1",
                        "kind": "assign_owner",
                        "target_id": "c-000003",
                        "payload": {"owner_email": None},
                    },
                )

    first = run_sync(lee, progress=restart_after_clients)
    assert restarted and not first.pulled.resynced
    assert first.pulled.pulled == _server_counts(team)
    # Lee acknowledges three alerts offline; they are pushed after another restart, and the
    # change dana made during the first one arrives incrementally, with the tokens of before.
    conn = open_cache(lee.cache_path)
    try:
        alert_ids = [
            row[0] for row in conn.execute("SELECT id FROM alert WHERE status = 'open' LIMIT 3")
        ]
        for alert_id in alert_ids:
            alert_triage.acknowledge(conn, alert_id)
    finally:
        conn.close()
    team.restart()
    second = run_sync(lee)
    assert not second.pulled.resynced and not second.pushed.refused
    assert second.pulled.pulled["alerts"] == len(alert_ids)
    assert second.pulled.pulled["clients"] == 1  # dana's change, made after lee pulled clients
    team.restart()
    third = run_sync(lee)
    assert not third.pulled.resynced and not any(third.pulled.pulled.values())
    with team.client("dana") as dana:
        entries = dana.get("/v1/admin/audit").json()["entries"]
    applied = [e["target_id"] for e in entries if e["kind"] == "ack_alert"]
    assert sorted(applied) == sorted(alert_ids)  # each once: none lost, none doubled
