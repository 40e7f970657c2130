"""The team server serves docs/backend-api.md from its database, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
from server_helpers import CLIENTS, EMAILS, SEED, Team, act, pull

from backend.generator import generate
from sync.wire import RESOURCE_MODELS


def test_the_feed_serves_the_upstream_portfolio(team: Team) -> None:
    expected = generate(CLIENTS, SEED, datetime.now(UTC).date())[0].records
    with team.client("lee") as lee:
        for resource in RESOURCE_MODELS:
            items, deleted, _ = pull(lee, resource, limit=250)
            strip = [{k: v for k, v in item.items() if k != "version"} for item in items]
            want = [
                {k: v for k, v in item.items() if k != "version"} for item in expected[resource]
            ]
            assert (resource, strip, deleted) == (resource, want, [])
            versions = [item["version"] for item in items]
            assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_an_unchanged_resource_keeps_its_token_and_a_change_comes_once(team: Team) -> None:
    with team.client("lee") as lee:
        tokens = {resource: pull(lee, resource)[2] for resource in RESOURCE_MODELS}
        [result] = act(
            lee,
            {
                "key": "k1",
                "kind": "set_renewal_owner",
                "target_id": "r-000001",
                "payload": {"owner": "hubspot"},
            },
        )
        assert result["outcome"] == "applied"
        assert result["current"]["changed_by"] == EMAILS["lee"]
        for resource, token in tokens.items():
            items, deleted, after = pull(lee, resource, since=token)
            if resource == "renewals":
                assert [item["id"] for item in items] == ["r-000001"] and after != token
            else:
                assert (resource, items, deleted, after) == (resource, [], [], token)


def test_actions_apply_once_and_rejections_change_nothing(team: Team) -> None:
    until = (datetime.now(UTC).date() + timedelta(days=5)).isoformat()
    with team.client("lee") as lee:
        alert = next(a for a in pull(lee, "alerts")[0] if a["status"] == "open")
        tokens = {resource: pull(lee, resource)[2] for resource in RESOURCE_MODELS}
        bad = {
            "key": "s1",
            "kind": "snooze_alert",
            "target_id": alert["id"],
            "payload": {"until": until, "reason": "away", "note_id": "bad id"},
        }
        [rejected] = act(lee, bad)
        assert rejected["outcome"] == "rejected"
        for resource, token in tokens.items():
            assert pull(lee, resource, since=token)[:2] == ([], [])
        good = dict(bad, payload={"until": until, "reason": "away", "note_id": "n-s1"})
        assert [r["outcome"] for r in act(lee, good, good)] == ["applied", "duplicate"]
        notes, _, _ = pull(lee, "notes", since=tokens["notes"])
        assert [(n["id"], n["author"]) for n in notes] == [("n-s1", EMAILS["lee"])]


def test_end_services_removes_the_client_and_what_hangs_off_it(team: Team) -> None:
    with team.client("dana") as dana:
        tokens = {resource: pull(dana, resource)[2] for resource in RESOURCE_MODELS}
        [result] = act(dana, {"key": "e1", "kind": "end_services", "target_id": "c-000002"})
        assert result["outcome"] == "applied" and result["current"] is None
        deleted = {resource: pull(dana, resource, since=tokens[resource])[1] for resource in tokens}
        assert deleted["clients"] == ["c-000002"]
        assert deleted["renewals"] and deleted["usage"] and not deleted["credits"]


def test_health_readiness_and_metrics(team: Team) -> None:
    assert httpx.get(f"{team.url}/v1/health").json() == {"status": "ok"}
    assert httpx.get(f"{team.url}/v1/ready").json() == {"status": "ready"}
    with team.client("lee") as lee:
        pull(lee, "partner")
        assert lee.get("/v1/changes/nothing").status_code == 404
    metrics = httpx.get(f"{team.url}/metrics").text
    assert (
        'partnerops_requests_total{method="GET",route="/v1/changes/{resource}",status="200"}'
        in (metrics)
    )
    assert 'status="404"' in metrics and "partnerops_request_seconds_bucket" in metrics


def test_fault_switches_do_not_exist_without_the_test_flag(team: Team) -> None:
    with team.client("dana") as dana:
        assert dana.get("/v1/admin/faults").status_code == 404
        assert dana.put("/v1/admin/faults", json={"error_rate": 1.0}).status_code in (404, 405)
        assert dana.get("/v1/changes/partner").status_code == 200


def test_a_page_read_ahead_is_not_served_after_a_write(team: Team) -> None:
    with team.client("lee") as lee:
        first = lee.get("/v1/changes/alerts", params={"limit": 5}).json()
        time.sleep(0.3)  # the server reads page 2 (since first["next"], limit 5) ahead
        _, _, before = pull(lee, "alerts")
        # Another page size is another read-ahead key: this leaves page 2 where it waits.
        peek = lee.get("/v1/changes/alerts", params={"limit": 6, "since": first["next"]}).json()
        target = next(a["id"] for a in peek["items"][:5] if a["status"] != "resolved")
        [result] = act(lee, {"key": "ra", "kind": "ack_alert", "target_id": target})
        assert result["outcome"] == "applied"
        rest, _, _ = pull(lee, "alerts", since=first["next"], limit=5)
        ids = [item["id"] for item in rest]
        # A stale page 2 would hold the alert at its old version, before its new one at the end.
        assert ids.count(target) == 1 and rest[-1]["id"] == target
        assert rest[-1]["version"] == result["current"]["version"]
        assert pull(lee, "alerts", since=before)[0] == [rest[-1]]
