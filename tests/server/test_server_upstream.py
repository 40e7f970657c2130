"""Refreshing from upstream: new and changed records arrive, the team's decisions stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from server_helpers import CLIENTS, EMAILS, SEED, Team, act, pull

from backend.datafile import portfolios_to_document, write_data_file
from backend.generator import generate
from backend.team.upstream import Refresher, data_file_upstream, refresh


def _document() -> dict:
    portfolios = generate(CLIENTS, SEED, datetime.now(UTC).date())
    return portfolios_to_document(portfolios, ["t0", "t1"])


def test_a_refresh_merges_upstream_and_keeps_what_the_team_decided(
    team: Team, tmp_path: Path
) -> None:
    with team.client("lee") as lee:
        employee = pull(lee, "employees")[0][1]["email"]
        act(
            lee,
            {"key": "u1", "kind": "assign_owner", "target_id": "c-000001",
             "payload": {"owner_email": employee}},
            {"key": "u2", "kind": "end_services", "target_id": "c-000002"},
            {"key": "u3", "kind": "add_note", "target_id": "n-team-1",
             "payload": {"target_type": "client", "target_id": "c-000003", "text": "ours",
                         "author": "x"}},
        )  # fmt: skip
        tokens = {r: pull(lee, r)[2] for r in ("clients", "notes", "renewals")}
        document = _document()
        clients = document["partners"][0]["clients"]
        by_id = {client["id"]: client for client in clients}
        by_id["c-000001"]["name"] = "Renamed Upstream"  # upstream change on a triaged record
        by_id["c-000001"]["owner_email"] = None  # upstream disagrees with the team's owner
        by_id["c-000004"]["mrr_cents"] += 100  # a plain upstream change
        document["partners"][0]["clients"] = [c for c in clients if c["id"] != "c-000005"]
        for resource in ("subscriptions", "renewals", "usage", "alerts"):
            document["partners"][0][resource] = [
                r for r in document["partners"][0][resource] if r["client_id"] != "c-000005"
            ]
        path = tmp_path / "portfolio.json"
        write_data_file(path, document)
        [report, _] = refresh(team.engine, data_file_upstream(path))
        assert report.deleted >= 1
        changed, deleted, _ = pull(lee, "clients", since=tokens["clients"])
        changed_by_id = {client["id"]: client for client in changed}
        assert set(changed_by_id) == {"c-000001", "c-000004"} and deleted == ["c-000005"]
        kept = changed_by_id["c-000001"]
        assert kept["name"] == "Renamed Upstream"
        assert (kept["owner_email"], kept["changed_by"]) == (employee, EMAILS["lee"])
        # The client the team ended stays ended; the team's note is untouched.
        assert "c-000002" not in {c["id"] for c in pull(lee, "clients")[0]}
        notes = {n["id"]: n for n in pull(lee, "notes")[0]}
        assert notes["n-team-1"]["text"] == "ours"
        # Nothing changed upstream since: a second refresh writes nothing.
        again = refresh(team.engine, data_file_upstream(path))
        assert [(r.written, r.deleted) for r in again] == [(0, 0), (0, 0)]


def test_a_failed_pull_is_reported_and_the_server_keeps_serving(team: Team, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"partners": "nope"}))
    refresher = Refresher(team.engine, data_file_upstream(path))
    assert refresher.run_now()
    assert refresher.last_error is not None and "DataFileError" in refresher.last_error
    with team.client("lee") as lee:
        assert lee.get("/v1/changes/partner").status_code == 200


def test_an_admin_starts_a_pull_on_demand(team: Team) -> None:
    with team.client("lee") as lee, team.client("dana") as dana:
        assert lee.post("/v1/admin/refresh").status_code == 403
        response = dana.post("/v1/admin/refresh")
        assert response.status_code == 202
        assert response.json()["status"] in ("started", "already_running")
