"""The HTTP API: auth, scoping, the change feed over HTTP, errors and the OpenAPI document."""

from __future__ import annotations

import pytest
from backend_helpers import TODAY, TOKEN_A, TOKEN_B, TestClient, act, auth, pull_all

from backend.app import create_app
from backend.store import Store
from sync.wire import MAX_PAGE_SIZE, RESOURCE_MODELS, ApiError, ChangePage


def assert_api_error(response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = ApiError.model_validate(response.json())
    assert body.error == error and body.message
    assert set(response.json()) == {"error", "message"}


def test_health_needs_no_token(api: TestClient) -> None:
    assert api.get("/v1/health").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "headers",
    [{}, auth("wrong"), {"Authorization": TOKEN_A}, {"Authorization": f"Basic {TOKEN_A}"}],
)
def test_missing_or_wrong_token_is_401(api: TestClient, headers: dict[str, str]) -> None:
    for response in (
        api.get("/v1/changes/clients", headers=headers),
        api.post("/v1/actions", json={"actions": []}, headers=headers),
        api.get("/v1/admin/faults", headers=headers),
    ):
        assert_api_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert TOKEN_A not in response.text


def test_every_resource_pulls_wire_valid_pages(api: TestClient, store: Store) -> None:
    for resource, model in RESOURCE_MODELS.items():
        response = api.get(f"/v1/changes/{resource}", headers=auth(TOKEN_A))
        page = ChangePage.model_validate(response.json())
        assert len(page.items) == len(store.partners[0].records(resource))
        for item in page.items:
            model.model_validate(item)


def test_a_token_sees_only_its_partner(api: TestClient, store: Store) -> None:
    for token, partner in ((TOKEN_A, store.partners[0]), (TOKEN_B, store.partners[1])):
        for resource in RESOURCE_MODELS:
            items, _, _ = pull_all(api, token, resource)
            expected = {r["id"]: r for r in partner.records(resource)}
            assert {i["id"]: i for i in items} == expected
    a_clients = {c["id"] for c in store.partners[0].records("clients")}
    assert a_clients.isdisjoint(c["id"] for c in store.partners[1].records("clients"))


def test_acting_on_another_partners_records_is_not_found(api: TestClient, store: Store) -> None:
    b_client = store.partners[1].records("clients")[0]["id"]
    b_renewal = store.partners[1].records("renewals")[0]["id"]
    owner = {"owner": "partner"}
    results = act(
        api,
        TOKEN_A,
        {"key": "k1", "kind": "end_services", "target_id": b_client},
        {"key": "k2", "kind": "set_renewal_owner", "target_id": b_renewal, "payload": owner},
    )
    assert [(r["outcome"], r["reason"]) for r in results] == [
        ("rejected", "no such client"),
        ("rejected", "no such renewal"),
    ]
    assert store.partners[1].get("clients", b_client) is not None


def test_small_pages_over_http_drain_exactly_once(api: TestClient, store: Store) -> None:
    items, deleted, _ = pull_all(api, TOKEN_A, "renewals", limit=4)
    assert len(items) == len({i["id"] for i in items}) == 60 and not deleted


def test_a_drained_feed_answers_small_and_keeps_its_token(api: TestClient) -> None:
    _, _, token = pull_all(api, TOKEN_A, "clients")
    act(api, TOKEN_A, {"key": "n", "kind": "resolve_alert", "target_id": "a-000000"})
    response = api.get("/v1/changes/clients", params={"since": token}, headers=auth(TOKEN_A))
    assert response.json() == {"items": [], "deleted": [], "next": token, "has_more": False}
    assert len(response.content) < 200


def test_incremental_pull_returns_just_the_change(api: TestClient, store: Store) -> None:
    _, _, token = pull_all(api, TOKEN_A, "clients")
    owner = store.partners[0].records("employees")[1]["email"]
    payload = {"owner_email": owner}
    act(
        api,
        TOKEN_A,
        {"key": "o", "kind": "assign_owner", "target_id": "c-000004", "payload": payload},
    )
    items, deleted, _ = pull_all(api, TOKEN_A, "clients", since=token)
    assert [(i["id"], i["owner_email"]) for i in items] == [("c-000004", owner)] and not deleted


def test_end_services_sends_tombstones(api: TestClient) -> None:
    tokens = {r: pull_all(api, TOKEN_A, r)[2] for r in ("clients", "subscriptions", "credits")}
    [result] = act(api, TOKEN_A, {"key": "e", "kind": "end_services", "target_id": "c-000005"})
    assert result["outcome"] == "applied"
    assert pull_all(api, TOKEN_A, "clients", since=tokens["clients"])[:2] == ([], ["c-000005"])
    _, gone, _ = pull_all(api, TOKEN_A, "subscriptions", since=tokens["subscriptions"])
    assert gone and all(sub_id.startswith("s-000005-") for sub_id in gone)
    assert pull_all(api, TOKEN_A, "credits", since=tokens["credits"])[:2] == ([], [])


@pytest.mark.parametrize("since", ["garbage", "MTox", "%%%"])
def test_unknown_tokens_are_410(api: TestClient, since: str) -> None:
    response = api.get("/v1/changes/clients", params={"since": since}, headers=auth(TOKEN_A))
    assert_api_error(response, 410, "token_expired")


def test_a_token_from_an_earlier_run_is_410(api: TestClient) -> None:
    _, _, token = pull_all(api, TOKEN_A, "clients")
    restarted = Store.generate(60, seed=7, today=TODAY, tokens=[TOKEN_A, TOKEN_B])
    with TestClient(create_app(restarted)) as other:
        response = other.get("/v1/changes/clients", params={"since": token}, headers=auth(TOKEN_A))
    assert_api_error(response, 410, "token_expired")


def test_a_token_of_another_resource_or_partner_is_410(api: TestClient) -> None:
    _, _, clients_token = pull_all(api, TOKEN_A, "clients")
    response = api.get("/v1/changes/alerts", params={"since": clients_token}, headers=auth(TOKEN_A))
    assert_api_error(response, 410, "token_expired")
    response = api.get(
        "/v1/changes/clients", params={"since": clients_token}, headers=auth(TOKEN_B)
    )
    assert_api_error(response, 410, "token_expired")


def test_bad_requests_get_api_error_bodies(api: TestClient) -> None:
    headers = auth(TOKEN_A)
    assert_api_error(api.get("/v1/changes/planets", headers=headers), 404, "unknown_resource")
    for limit in (0, MAX_PAGE_SIZE + 1, "ten"):
        response = api.get("/v1/changes/clients", params={"limit": limit}, headers=headers)
        assert_api_error(response, 422, "invalid_request")
    assert api.get(
        "/v1/changes/clients", params={"limit": MAX_PAGE_SIZE}, headers=headers
    ).is_success
    assert_api_error(
        api.post("/v1/actions", json={"nope": 1}, headers=headers), 422, "invalid_request"
    )
    assert_api_error(api.post("/v1/actions", content=b"{", headers=headers), 422, "invalid_request")
    assert_api_error(api.get("/v1/elsewhere", headers=headers), 404, "not_found")
    assert_api_error(api.delete("/v1/health"), 405, "method_not_allowed")


def test_default_page_size_applies(api: TestClient) -> None:
    response = api.get("/v1/changes/usage", headers=auth(TOKEN_A))
    page = response.json()
    assert len(page["items"]) == 600 and page["has_more"] is False


def test_openapi_describes_the_endpoints(api: TestClient) -> None:
    document = api.get("/openapi.json").json()
    assert {"/v1/health", "/v1/changes/{resource}", "/v1/actions", "/v1/admin/faults"} <= set(
        document["paths"]
    )
    changes = document["paths"]["/v1/changes/{resource}"]["get"]
    assert {"200", "401", "410", "422"} <= set(changes["responses"])
    assert "ChangePage" in document["components"]["schemas"]
    assert "ApiError" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
