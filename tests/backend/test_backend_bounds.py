"""Issue 20.3/20.4: a rejected action changes nothing, and the backend's input is bounded."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from backend_helpers import TODAY, TOKEN_A, TestClient, act, auth, pull_all

from backend import store as store_module
from backend.bodies import MAX_BODY_BYTES
from backend.server import RunningServer, start_in_thread
from backend.store import Store
from sync.wire import RESOURCE_MODELS, ActionKind


def _alert(store: Store, status: str = "open") -> str:
    return next(a["id"] for a in store.partners[0].records("alerts") if a["status"] == status)


def _tokens(api: TestClient) -> dict[str, str]:
    return {resource: pull_all(api, TOKEN_A, resource)[2] for resource in RESOURCE_MODELS}


def _nothing_changed_since(api: TestClient, tokens: dict[str, str]) -> None:
    for resource, token in tokens.items():
        items, deleted, _ = pull_all(api, TOKEN_A, resource, since=token)
        assert (resource, items, deleted) == (resource, [], [])


def _rejected_cases(store: Store) -> list[tuple[dict[str, Any], str]]:
    alert = _alert(store)
    until = (TODAY + timedelta(days=3)).isoformat()
    client_note = {"target_type": "client", "target_id": "c-000001", "author": "ops"}
    return [
        ({"kind": "end_services", "target_id": "c-999999"}, "no such client"),
        (
            {"kind": "set_renewal_owner", "target_id": "r-000001", "payload": {"owner": "bob"}},
            "owner must be 'partner' or 'hubspot'",
        ),
        (
            {
                "kind": "assign_owner",
                "target_id": "c-000001",
                "payload": {"owner_email": "nobody@example.com"},
            },
            "owner_email must be the email of one of the partner's employees, or null",
        ),
        (
            {
                "kind": "add_note",
                "target_id": "note-long",
                "payload": {**client_note, "text": "x" * 10_001},
            },
            "text is longer than 10000 characters",
        ),
        ({"kind": "ack_alert", "target_id": "a-missing"}, "no such alert"),
        (
            # The reported case: the alert was snoozed although the answer said rejected.
            {
                "kind": "snooze_alert",
                "target_id": alert,
                "payload": {"until": until, "reason": "away", "note_id": "bad id!"},
            },
            "note_id must be a new id of 1 to 64 letters, digits, '-' or '_'",
        ),
        (
            {
                "kind": "snooze_alert",
                "target_id": alert,
                "payload": {"until": until, "reason": "r" * 1_001},
            },
            "reason is longer than 1000 characters",
        ),
        (
            {"kind": "assign_alert", "target_id": alert, "payload": {"assignee": 7}},
            "assignee must be the email of one of the partner's employees, or null",
        ),
        ({"kind": "resolve_alert", "target_id": "x" * 65}, "no such alert"),
    ]


@pytest.mark.parametrize("case", range(9))
def test_a_rejected_action_of_every_kind_changes_nothing(
    api: TestClient, store: Store, case: int
) -> None:
    action, reason = _rejected_cases(store)[case]
    tokens = _tokens(api)
    [result] = act(api, TOKEN_A, {"key": f"k{case}", **action})
    assert (result["outcome"], result["reason"]) == ("rejected", reason)
    _nothing_changed_since(api, tokens)
    assert f"k{case}" not in store.partners[0].applied_keys


def test_every_kind_is_covered_by_a_rejection_case(store: Store) -> None:
    kinds = {action["kind"] for action, _ in _rejected_cases(store)}
    assert kinds == {kind.value for kind in ActionKind}


def test_an_overlong_key_is_rejected_and_not_remembered(api: TestClient, store: Store) -> None:
    key = "k" * 129
    [result] = act(api, TOKEN_A, {"key": key, "kind": "ack_alert", "target_id": _alert(store)})
    assert result["outcome"] == "rejected" and result["reason"] == "key must be 1 to 128 characters"
    assert len(result["key"]) == 128 and not store.partners[0].applied_keys


def test_remembered_keys_are_bounded(
    api: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "MAX_REMEMBERED_KEYS", 3)
    owner = {"owner": "hubspot"}
    for n in range(5):
        action = {"key": f"k{n}", "kind": "set_renewal_owner", "target_id": "r-000001"}
        assert act(api, TOKEN_A, {**action, "payload": owner})[0]["outcome"] == "applied"
    assert list(store.partners[0].applied_keys) == ["k2", "k3", "k4"]


@pytest.fixture
def running(store: Store) -> Iterator[RunningServer]:
    with start_in_thread(store) as server:
        yield server


def _raw_post(url: str, headers: list[str], body: bytes) -> bytes:
    """Send headers and part of a body over a socket, then read what the server answers."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = "\r\n".join(["POST /v1/actions HTTP/1.1", f"Host: {host}", *headers, "", ""])
        sock.sendall(head.encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_an_unauthenticated_huge_body_gets_401_without_being_read(
    running: RunningServer,
) -> None:
    # It claims 200 MB and sends 64 KB: an answer now proves the server did not wait for it.
    answer = _raw_post(
        running.url,
        ["Content-Type: application/json", f"Content-Length: {200 * 1024 * 1024}"],
        b"{" * 65536,
    )
    assert answer.startswith(b"HTTP/1.1 401")


def test_an_authenticated_oversized_body_gets_413(running: RunningServer) -> None:
    answer = _raw_post(
        running.url,
        [f"Authorization: Bearer {TOKEN_A}", f"Content-Length: {MAX_BODY_BYTES + 1}"],
        b"{" * 1024,
    )
    assert answer.startswith(b"HTTP/1.1 413") and b"payload_too_large" in answer


def test_a_chunked_body_is_cut_off_at_the_cap(running: RunningServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    response = httpx.post(
        f"{running.url}/v1/actions", content=chunks(), headers=auth(TOKEN_A), timeout=30
    )
    assert response.status_code == 413 and response.json()["error"] == "payload_too_large"


def test_an_invalid_body_is_one_line_after_authentication(api: TestClient) -> None:
    response = api.post("/v1/actions", content=b"{not json", headers=auth(TOKEN_A))
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"
    response = api.post("/v1/actions", content=b"{not json")
    assert response.status_code == 401
