"""The misbehaviour switches, set on the store and through the admin endpoint."""

from __future__ import annotations

import json
import time

import pytest
from backend_helpers import TODAY, TOKEN_A, TOKEN_B, TestClient, auth, pull_all
from pydantic import ValidationError

from backend.app import create_app
from backend.faults import Faults
from backend.store import Store
from sync.wire import RESOURCE_MODELS, Client


def get_clients(api: TestClient, token: str = TOKEN_A):
    return api.get("/v1/changes/clients", params={"limit": 10}, headers=auth(token))


def test_latency_delays_answers(api: TestClient, store: Store) -> None:
    store.faults = Faults(latency_ms=120)
    started = time.perf_counter()
    assert get_clients(api).status_code == 200
    assert time.perf_counter() - started >= 0.12


def test_error_rate_answers_500_without_applying_actions(api: TestClient, store: Store) -> None:
    store.faults = Faults(error_rate=1.0)
    response = get_clients(api)
    assert response.status_code == 500 and response.json()["error"] == "internal_error"
    action = {"key": "k", "kind": "resolve_alert", "target_id": "a-000000"}
    before = store.partners[0].get("alerts", "a-000000")
    response = api.post("/v1/actions", json={"actions": [action]}, headers=auth(TOKEN_A))
    assert response.status_code == 500
    assert store.partners[0].get("alerts", "a-000000") == before
    assert api.get("/v1/health").status_code == 200


def test_every_nth_request_is_rate_limited_with_retry_after(api: TestClient, store: Store) -> None:
    store.faults = Faults(rate_limit_every=3, retry_after_s=2)
    statuses = [get_clients(api).status_code for _ in range(6)]
    assert statuses == [200, 200, 429, 200, 200, 429]
    response = [get_clients(api) for _ in range(3)][-1]
    assert response.headers["Retry-After"] == "2"
    assert response.json()["error"] == "rate_limited"


def test_a_rate_limit_fraction(api: TestClient, store: Store) -> None:
    store.faults = Faults(rate_limit_rate=1.0, retry_after_s=0)
    response = get_clients(api)
    assert response.status_code == 429 and response.headers["Retry-After"] == "0"


def test_truncated_bodies_are_cut_json(api: TestClient, store: Store) -> None:
    store.faults = Faults(truncate_rate=1.0)
    response = get_clients(api)
    assert response.status_code == 200 and response.content.startswith(b'{"items":[')
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_malformed_records_fail_validation_but_keep_their_ids(
    api: TestClient, store: Store
) -> None:
    store.faults = Faults(malformed_rate=1.0, seed=5)
    page = get_clients(api).json()
    assert len(page["items"]) == 10
    for item in page["items"]:
        assert item["id"].startswith("c-")
        with pytest.raises(ValidationError):
            Client.model_validate(item)
    store.faults = Faults()
    for item in get_clients(api).json()["items"]:
        Client.model_validate(item)  # the stored records were never touched


def test_faults_are_repeatable_with_a_seed(store: Store) -> None:
    def outcomes() -> list[int]:
        fresh = Store.generate(10, seed=1, today=TODAY, tokens=[TOKEN_A, TOKEN_B])
        fresh.faults = Faults(error_rate=0.5, seed=42)
        with TestClient(create_app(fresh)) as api:
            return [get_clients(api).status_code for _ in range(20)]

    first = outcomes()
    assert first == outcomes() and {200, 500} == set(first)


def test_the_world_moves_between_pulls(api: TestClient, store: Store) -> None:
    tokens = {resource: pull_all(api, TOKEN_A, resource)[2] for resource in RESOURCE_MODELS}
    store.faults = Faults(world_moves=60, seed=9)
    changed: dict[str, tuple[list, list]] = {}
    for resource in RESOURCE_MODELS:
        items, deleted, _ = pull_all(api, TOKEN_A, resource, since=tokens[resource])
        changed[resource] = (items, deleted)
        for item in items:
            RESOURCE_MODELS[resource].model_validate(item)
    new_clients = [c for c in changed["clients"][0] if c["id"].startswith("c-w")]
    assert new_clients, "a client was won"
    assert changed["clients"][1], "a client churned"
    assert changed["usage"][0] and changed["renewals"][0]
    assert changed["partner"][0], "tier points moved with the new and lost credit"
    partner = store.partners[0]
    points = sum(event["points"] for event in partner.records("credits"))
    assert partner.partner["points"] == points
    store.faults = Faults()
    untouched = pull_all(api, TOKEN_B, "clients")[0]
    assert len(untouched) == 6, "only the calling partner's world moves"


def test_world_moves_are_repeatable_with_a_seed() -> None:
    def world() -> list[dict]:
        fresh = Store.generate(30, seed=1, today=TODAY, tokens=[TOKEN_A, TOKEN_B])
        fresh.faults = Faults(world_moves=25, seed=3)
        with TestClient(create_app(fresh)) as api:
            get_clients(api)
        return sorted(fresh.partners[0].records("clients"), key=lambda c: c["id"])

    assert world() == world()


def test_admin_endpoint_reads_and_sets_the_switches(api: TestClient, store: Store) -> None:
    headers = auth(TOKEN_B)
    assert api.get("/v1/admin/faults", headers=headers).json() == Faults().model_dump()
    response = api.put("/v1/admin/faults", json={"error_rate": 1.0}, headers=headers)
    assert response.status_code == 200 and store.faults.error_rate == 1.0
    assert get_clients(api).status_code == 500
    assert api.put("/v1/admin/faults", json={}, headers=headers).status_code == 200
    assert get_clients(api).status_code == 200
    for bad in ({"error_rate": 2}, {"latency": 5}):
        response = api.put("/v1/admin/faults", json=bad, headers=headers)
        assert response.status_code == 422 and response.json()["error"] == "invalid_request"
    assert api.put("/v1/admin/faults", json={}).status_code == 401


def test_admin_endpoint_is_not_itself_faulted(api: TestClient, store: Store) -> None:
    store.faults = Faults(error_rate=1.0, rate_limit_rate=1.0)
    response = api.put("/v1/admin/faults", json={}, headers=auth(TOKEN_A))
    assert response.status_code == 200 and get_clients(api).status_code == 200
