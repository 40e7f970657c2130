"""People: per-person tokens scoped to one partner, revocation, roles, and the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx
import pytest
from server_helpers import CLIENTS, EMAILS, SEED, Team, act, pull, start_team

from backend.generator import generate
from backend.team.people import hash_token, revoke_person
from sync.wire import RESOURCE_MODELS


def test_a_revoked_token_gets_401_at_once(team: Team) -> None:
    with team.client("lee") as lee:
        assert lee.get("/v1/changes/partner").status_code == 200
        assert revoke_person(team.engine, EMAILS["lee"]) == 1
        response = lee.get("/v1/changes/partner")
        assert response.status_code == 401 and response.json()["error"] == "unauthorized"
        assert lee.post("/v1/actions", json={"actions": []}).status_code == 401
    with team.client("dana") as dana:
        assert dana.get("/v1/changes/partner").status_code == 200


@pytest.mark.parametrize("token", ["nonsense", "pot_" + "x" * 43, "pot_" + "y" * 200])
def test_unknown_tokens_get_401(team: Team, token: str) -> None:
    response = httpx.get(
        f"{team.url}/v1/changes/clients", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_a_token_never_reads_or_writes_another_partners_records(team: Team) -> None:
    with team.client("lee") as lee, team.client("otto") as otto:
        portfolios = generate(CLIENTS, SEED, datetime.now(UTC).date())
        mine = {r: {i["id"] for i in pull(lee, r)[0]} for r in RESOURCE_MODELS}
        tokens = {r: pull(lee, r)[2] for r in RESOURCE_MODELS}
        theirs = {r: {i["id"] for i in pull(otto, r)[0]} for r in RESOURCE_MODELS}
        for resource in RESOURCE_MODELS:
            assert mine[resource] == {i["id"] for i in portfolios[0].records[resource]}
            assert theirs[resource] == {i["id"] for i in portfolios[1].records[resource]}
        renewal = sorted(mine["renewals"])[0]
        alert = sorted(mine["alerts"])[0]
        results = act(
            otto,
            {
                "key": "x1",
                "kind": "set_renewal_owner",
                "target_id": renewal,
                "payload": {"owner": "hubspot"},
            },
            {"key": "x2", "kind": "ack_alert", "target_id": alert},
            {"key": "x3", "kind": "end_services", "target_id": "c-000001"},
        )
        assert [(r["outcome"], r["reason"]) for r in results] == [
            ("rejected", "no such renewal"),
            ("rejected", "no such alert"),
            ("rejected", "no such client"),
        ]
        for resource, token in tokens.items():
            assert pull(lee, resource, since=token)[:2] == ([], []), resource
        # A change token of one partner's feed is not valid for another partner's.
        response = otto.get("/v1/changes/renewals", params={"since": tokens["renewals"]})
        assert response.status_code == 410


def test_tokens_are_stored_only_as_hashes(team: Team) -> None:
    from sqlalchemy import text

    with team.engine.connect() as connection:
        stored = set(connection.execute(text("SELECT token_hash FROM team_person")).scalars())
    assert stored == {hash_token(token) for token in team.tokens.values()}
    assert not stored & set(team.tokens.values())


def test_admins_read_and_export_the_audit_members_may_not(team: Team) -> None:
    with team.client("lee") as lee, team.client("dana") as dana, team.client("otto") as otto:
        alert = next(a["id"] for a in pull(lee, "alerts")[0] if a["status"] == "open")
        act(lee, {"key": "a1", "kind": "ack_alert", "target_id": alert})
        act(
            dana,
            {
                "key": "a2",
                "kind": "assign_owner",
                "target_id": "c-000001",
                "payload": {"owner_email": "nobody@nowhere"},
            },
        )
        act(lee, {"key": "a1", "kind": "ack_alert", "target_id": alert})  # a duplicate
        assert lee.get("/v1/admin/audit").status_code == 403
        entries = dana.get("/v1/admin/audit").json()["entries"]
        assert [(e["actor"], e["kind"], e["target_id"], e["outcome"]) for e in entries] == [
            (EMAILS["lee"], "ack_alert", alert, "applied"),
            (EMAILS["dana"], "assign_owner", "c-000001", "rejected"),
        ]
        exported = dana.get("/v1/admin/audit", params={"format": "csv", "after": entries[0]["id"]})
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [row["actor"] for row in rows] == [EMAILS["dana"]]
        # Another partner's admin sees none of it.
        assert otto.get("/v1/admin/audit").json() == {"entries": []}


def test_fault_switches_exist_with_the_test_flag_for_admins(database: str) -> None:
    with start_team(database, test_faults=True) as team:
        lee, dana = team.client("lee"), team.client("dana")
        assert lee.put("/v1/admin/faults", json={"error_rate": 1.0}).status_code == 403
        assert dana.put("/v1/admin/faults", json={"error_rate": 1.0}).status_code == 200
        assert lee.get("/v1/changes/partner").status_code == 500
        assert dana.put("/v1/admin/faults", json={"world_moves": 3}).status_code == 422
        assert dana.put("/v1/admin/faults", json={}).status_code == 200
        assert lee.get("/v1/changes/partner").status_code == 200
        lee.close()
        dana.close()
