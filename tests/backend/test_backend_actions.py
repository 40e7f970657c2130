"""Pushed actions: each kind's effect, at-most-once keys, rejections and conflicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from backend_helpers import TODAY, TOKEN_A, TestClient, act, auth, pull_all

from backend.store import Store
from sync.wire import Alert, Note


def employee(store: Store, index: int = 0) -> str:
    return store.partners[0].records("employees")[index]["email"]


def open_alert(store: Store) -> dict:
    return next(a for a in store.partners[0].records("alerts") if a["status"] == "open")


def test_an_action_applies_once_and_a_replay_is_a_duplicate(api: TestClient, store: Store) -> None:
    action = {
        "key": "same",
        "kind": "set_renewal_owner",
        "target_id": "r-000001",
        "payload": {"owner": "hubspot"},
    }
    [first] = act(api, TOKEN_A, action)
    version = store.partners[0].get("renewals", "r-000001")["version"]
    assert first["outcome"] == "applied" and first["current"]["communication_owner"] == "hubspot"
    assert first["current"]["version"] == version
    replay = dict(action, payload={"owner": "partner"})
    assert [r["outcome"] for r in act(api, TOKEN_A, replay, replay)] == ["duplicate", "duplicate"]
    renewal = store.partners[0].get("renewals", "r-000001")
    assert renewal["communication_owner"] == "hubspot" and renewal["version"] == version


def test_a_rejected_key_changed_nothing_and_may_be_sent_again(api: TestClient) -> None:
    bad = {
        "key": "k",
        "kind": "set_renewal_owner",
        "target_id": "r-000001",
        "payload": {"owner": "bob"},
    }
    [result] = act(api, TOKEN_A, bad)
    assert result == {
        "key": "k",
        "outcome": "rejected",
        "reason": "owner must be 'partner' or 'hubspot'",
        "current": None,
    }
    [again] = act(api, TOKEN_A, dict(bad, payload={"owner": "partner"}))
    assert again["outcome"] == "applied"


def test_a_stale_base_version_is_a_conflict_with_the_current_record(
    api: TestClient, store: Store
) -> None:
    current = store.partners[0].get("clients", "c-000007")
    action = {
        "key": "c1",
        "kind": "assign_owner",
        "target_id": "c-000007",
        "payload": {"owner_email": None},
        "base_version": current["version"] - 1,
    }
    [result] = act(api, TOKEN_A, action)
    assert result["outcome"] == "conflict" and result["current"] == current
    assert store.partners[0].get("clients", "c-000007") == current
    [ok] = act(api, TOKEN_A, dict(action, key="c2", base_version=current["version"]))
    assert ok["outcome"] == "applied"
    ended = {
        "key": "c3",
        "kind": "end_services",
        "target_id": "c-000007",
        "base_version": current["version"],
    }
    [late] = act(api, TOKEN_A, ended)
    assert late["outcome"] == "conflict"


def test_end_services_removes_the_client_from_the_list(api: TestClient, store: Store) -> None:
    [result] = act(api, TOKEN_A, {"key": "e", "kind": "end_services", "target_id": "c-000008"})
    assert result["outcome"] == "applied" and result["current"] is None
    partner = store.partners[0]
    assert (
        partner.get("clients", "c-000008") is None and partner.get("renewals", "r-000008") is None
    )
    ids = {c["id"] for c in pull_all(api, TOKEN_A, "clients")[0]}
    assert "c-000008" not in ids and len(ids) == 59
    [again] = act(api, TOKEN_A, {"key": "e2", "kind": "end_services", "target_id": "c-000008"})
    assert again["outcome"] == "rejected" and again["reason"] == "no such client"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({}, "owner_email is required (an employee's email, or null)"),
        (
            {"owner_email": "stranger@example.com"},
            "owner_email must be the email of one of the partner's employees, or null",
        ),
    ],
)
def test_assign_owner_needs_a_known_employee(api: TestClient, payload: dict, reason: str) -> None:
    action = {"key": "a", "kind": "assign_owner", "target_id": "c-000001", "payload": payload}
    [result] = act(api, TOKEN_A, action)
    assert (result["outcome"], result["reason"]) == ("rejected", reason)


def test_add_note_on_a_client_and_on_an_alert(api: TestClient, store: Store) -> None:
    alert = open_alert(store)
    _, _, token = pull_all(api, TOKEN_A, "notes")
    results = act(
        api,
        TOKEN_A,
        {
            "key": "n1",
            "kind": "add_note",
            "target_id": "note-n1",
            "payload": {
                "target_id": "c-000001",
                "target_type": "client",
                "text": "Called them",
                "author": employee(store),
            },
        },
        {
            "key": "n2",
            "kind": "add_note",
            "target_id": "note-n2",
            "payload": {
                "target_id": alert["id"],
                "target_type": "alert",
                "text": "Owner informed",
                "author": "ops",
            },
        },
        {
            "key": "n3",
            "kind": "add_note",
            "target_id": "note-n3",
            "payload": {
                "target_id": "c-000001",
                "target_type": "client",
                "text": "  ",
                "author": "ops",
            },
        },
        {
            "key": "n4",
            "kind": "add_note",
            "target_id": "note-n4",
            "payload": {
                "target_id": "c-000001",
                "target_type": "deal",
                "text": "x",
                "author": "ops",
            },
        },
        {
            "key": "n5",
            "kind": "add_note",
            "target_id": "note-n5",
            "payload": {
                "target_id": alert["id"],
                "target_type": "client",
                "text": "x",
                "author": "ops",
            },
        },
    )
    assert [r["outcome"] for r in results] == [
        "applied",
        "applied",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert results[2]["reason"] == "text must be a non-empty string"
    assert results[3]["reason"] == "target_type must be 'client' or 'alert'"
    assert results[4]["reason"] == "no such client"
    notes, _, _ = pull_all(api, TOKEN_A, "notes", since=token)
    assert [(n["id"], n["target_type"], n["text"]) for n in notes] == [
        ("note-n1", "client", "Called them"),
        ("note-n2", "alert", "Owner informed"),
    ]
    for note in notes:
        Note.model_validate(note)


@pytest.mark.parametrize(
    ("note_id", "reason"),
    [
        ("note-n1", "a note with this id already exists"),
        ("bad id!", "a note id is 1 to 64 letters, digits, '-' or '_'"),
    ],
)
def test_add_note_needs_a_new_well_formed_id(
    api: TestClient, store: Store, note_id: str, reason: str
) -> None:
    payload = {"target_id": "c-000001", "target_type": "client", "text": "x", "author": "ops"}
    act(api, TOKEN_A, {"key": "n1", "kind": "add_note", "target_id": "note-n1", "payload": payload})
    [result] = act(
        api, TOKEN_A, {"key": "n2", "kind": "add_note", "target_id": note_id, "payload": payload}
    )
    assert (result["outcome"], result["reason"]) == ("rejected", reason)


def test_alert_triage_actions(api: TestClient, store: Store) -> None:
    alert = open_alert(store)
    until = (TODAY + timedelta(days=3)).isoformat()
    key = alert["id"]
    assignee = {"assignee": employee(store, 2)}
    snooze = {"until": until, "reason": "on holiday"}
    results = act(
        api,
        TOKEN_A,
        {"key": "1", "kind": "ack_alert", "target_id": key},
        {"key": "2", "kind": "assign_alert", "target_id": key, "payload": assignee},
        {"key": "3", "kind": "snooze_alert", "target_id": key, "payload": snooze},
    )
    assert [r["outcome"] for r in results] == ["applied"] * 3
    snoozed = Alert.model_validate(store.partners[0].get("alerts", key))
    assert snoozed.status == "snoozed" and snoozed.snoozed_until.isoformat() == until
    assert snoozed.assignee == employee(store, 2)
    notes = store.partners[0].feeds["notes"].ids_where("target_id", key)
    texts = [store.partners[0].get("notes", note_id)["text"] for note_id in notes]
    assert f"Snoozed until {until}: on holiday" in texts
    [resolved] = act(api, TOKEN_A, {"key": "4", "kind": "resolve_alert", "target_id": key})
    assert (
        resolved["current"]["status"] == "resolved" and resolved["current"]["snoozed_until"] is None
    )
    late = act(
        api,
        TOKEN_A,
        {"key": "5", "kind": "ack_alert", "target_id": key},
        {"key": "6", "kind": "snooze_alert", "target_id": key, "payload": {"until": until}},
    )
    assert [(r["outcome"], r["reason"]) for r in late] == [
        ("rejected", "the alert is already resolved"),
        ("rejected", "the alert is already resolved"),
    ]


@pytest.mark.parametrize(
    ("until", "reason"),
    [
        (None, "until must be an ISO date (YYYY-MM-DD)"),
        ("next week", "until must be an ISO date (YYYY-MM-DD)"),
        (TODAY.isoformat(), "until must be after today (2025-06-15)"),
    ],
)
def test_snooze_needs_a_future_date(api: TestClient, store: Store, until, reason: str) -> None:
    action = {
        "key": "s",
        "kind": "snooze_alert",
        "target_id": open_alert(store)["id"],
        "payload": {"until": until},
    }
    [result] = act(api, TOKEN_A, action)
    assert (result["outcome"], result["reason"]) == ("rejected", reason)


def test_unknown_kind_and_oversized_batches_are_refused(api: TestClient) -> None:
    bad_kind = {"actions": [{"key": "x", "kind": "delete_everything", "target_id": "c-000001"}]}
    response = api.post("/v1/actions", json=bad_kind, headers=auth(TOKEN_A))
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"
    many = {
        "actions": [{"key": str(n), "kind": "ack_alert", "target_id": "a"} for n in range(5001)]
    }
    response = api.post("/v1/actions", json=many, headers=auth(TOKEN_A))
    assert response.status_code == 422 and response.json()["error"] == "too_many_actions"
