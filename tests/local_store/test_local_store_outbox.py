"""Local actions: effect and intent together, restorable, never overwritten by a pull."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from local_store import outbox, writes
from local_store.database import open_cache
from sync.pull import to_row
from sync.wire import ActionKind, Client

CLIENT = {
    "id": "c-1",
    "version": 5,
    "hub_id": 101,
    "name": "Alder Analytics",
    "domain": "alder.io",
    "industry": "Software",
    "country": "DE",
    "relationship": "sourced",
    "mrr_cents": 125_000,
    "contact_tier": "10,000",
    "email_tier": "Pro",
    "engagement_score": 7,
    "tools_in_use": 6,
    "active_users": 12,
    "apps_in_use": ["Slack"],
    "setup_issues": [],
    "owner_email": None,
    "crm_url": "https://app.hubspot.com/x",
    "account_url": "https://app.hubspot.com/y",
    "services_status": "active",
}


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    connection = open_cache(tmp_path / "c.sqlite3", create=True)
    writes.commit_page(connection, page(CLIENT))
    return connection


def page(*records: dict) -> writes.PulledPage:
    rows = [to_row("clients", Client.model_validate(r)) for r in records]
    return writes.PulledPage("clients", rows, [], "token")


def client_status(conn: sqlite3.Connection) -> tuple[str, str | None]:
    return conn.execute(
        "SELECT services_status, owner_email FROM client WHERE id = 'c-1'"
    ).fetchone()


def test_kinds_match_the_wire() -> None:
    local_kinds = {"end_services", "set_renewal_owner", "assign_owner"}
    assert local_kinds <= {k.value for k in ActionKind}


def test_action_writes_effect_and_intent_together(conn: sqlite3.Connection) -> None:
    key = outbox.end_services(conn, "c-1")
    assert client_status(conn)[0] == "ending"
    [entry] = outbox.pending_actions(conn)
    assert (entry.key, entry.kind, entry.target_id, entry.base_version) == (
        key,
        "end_services",
        "c-1",
        5,
    )
    assert outbox.count_pending(conn) == 1


def test_failed_effect_leaves_no_outbox_row(conn: sqlite3.Connection) -> None:
    with pytest.raises(LookupError):
        outbox.end_services(conn, "c-404")
    with pytest.raises(sqlite3.Error):
        outbox.queue_action(
            conn,
            "assign_owner",
            "client",
            "c-1",
            {},
            [("UPDATE client SET nope = 1 WHERE id = ?", ("c-1",))],
        )
    assert outbox.count_pending(conn) == 0


def test_pull_does_not_overwrite_a_row_with_pending_action(conn: sqlite3.Connection) -> None:
    outbox.assign_owner(conn, "c-1", "dana@example.com")
    writes.commit_page(conn, page({**CLIENT, "version": 6, "owner_email": "sam@example.com"}))
    assert client_status(conn)[1] == "dana@example.com"
    outbox.settle_done(conn, outbox.pending_actions(conn)[0].key)
    writes.commit_page(conn, page({**CLIENT, "version": 7, "owner_email": "dana@example.com"}))
    assert client_status(conn)[1] == "dana@example.com"


def test_refused_action_restores_the_row_and_is_kept_with_reason(conn: sqlite3.Connection) -> None:
    key = outbox.end_services(conn, "c-1")
    outbox.settle_refused(conn, key, outbox.REJECTED, "not allowed", None)
    assert client_status(conn)[0] == "active"
    assert outbox.count_pending(conn) == 0
    [refused] = outbox.refused_actions(conn)
    assert refused.outcome_reason == "not allowed"


def test_conflict_keeps_the_servers_record(conn: sqlite3.Connection) -> None:
    key = outbox.assign_owner(conn, "c-1", "dana@example.com")
    server = to_row(
        "clients", Client.model_validate({**CLIENT, "version": 9, "owner_email": "lee@x.io"})
    )
    outbox.settle_refused(conn, key, outbox.CONFLICT, "changed", server)
    assert client_status(conn)[1] == "lee@x.io"
    assert conn.execute("SELECT version FROM client WHERE id = 'c-1'").fetchone()[0] == 9


def test_undo_takes_back_only_the_newest_unsent_action(conn: sqlite3.Connection) -> None:
    outbox.assign_owner(conn, "c-1", "dana@example.com")
    outbox.end_services(conn, "c-1")
    undone = outbox.undo_last(conn)
    assert undone is not None and undone.kind == "end_services"
    assert client_status(conn) == ("active", "dana@example.com")
    assert [e.kind for e in outbox.pending_actions(conn)] == ["assign_owner"]


def test_bad_renewal_owner_is_refused_before_anything_is_written(conn: sqlite3.Connection) -> None:
    with pytest.raises(ValueError):
        outbox.set_renewal_owner(conn, "r-1", "nobody")
    assert outbox.count_pending(conn) == 0


def test_payload_is_json(conn: sqlite3.Connection) -> None:
    outbox.assign_owner(conn, "c-1", "dana@example.com")
    raw = conn.execute("SELECT payload FROM outbox").fetchone()[0]
    assert json.loads(raw) == {"owner_email": "dana@example.com"}
