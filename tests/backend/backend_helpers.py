"""Shared helpers for the backend tests (a uniquely named module, unlike conftest)."""

from __future__ import annotations

import warnings
from datetime import date
from typing import Any

with warnings.catch_warnings():
    # Starlette nags about httpx in its TestClient; that is its business, not ours.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

TODAY = date(2025, 6, 15)
TOKEN_A = "token-partner-a"
TOKEN_B = "token-partner-b"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def pull_all(
    api: TestClient, token: str, resource: str, since: str | None = None, limit: int = 1000
) -> tuple[list[dict[str, Any]], list[str], str]:
    """Drain one resource's feed: (items in order, deleted ids, final token)."""
    items: list[dict[str, Any]] = []
    deleted: list[str] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if since is not None:
            params["since"] = since
        response = api.get(f"/v1/changes/{resource}", params=params, headers=auth(token))
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        deleted += page["deleted"]
        since = page["next"]
        if not page["has_more"]:
            return items, deleted, since


def act(api: TestClient, token: str, *actions: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.post("/v1/actions", json={"actions": list(actions)}, headers=auth(token))
    assert response.status_code == 200, response.text
    return response.json()["results"]
