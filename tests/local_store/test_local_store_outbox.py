"""Local actions: effect and intent together, restorable, never overwritten by a pull."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from local_store import outbox, writes
from local_store.database import open_cache
from local_store.pending import pending_targets
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


ALERT_ROW = (
    "INSERT INTO alert (id, version, client_id, kind, severity, title, detail, raised_at, "
    "due_date, status, assignee, snoozed_until) VALUES ('a-1', 3, 'c-1', 'renewal', 'high', "
    "'Renewal decision due', 'x', '2026-11-20 08:00:00', NULL, 'open', NULL, NULL)"
)


def notes(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return conn.execute("SELECT target_type, target_id, text FROM note ORDER BY text").fetchall()


def test_note_is_shown_at_once_and_sent_under_its_own_id(conn: sqlite3.Connection) -> None:
    outbox.add_note(conn, "client", "c-1", "Called the CFO", "dana@example.com")
    [entry] = outbox.pending_actions(conn)
    note_id = conn.execute("SELECT id FROM note").fetchone()[0]
    assert (entry.kind, entry.target_table, entry.target_id) == ("add_note", "note", note_id)
    assert entry.payload["target_id"] == "c-1" and entry.base_version is None
    assert notes(conn) == [("client", "c-1", "Called the CFO")]


def test_refused_or_undone_note_disappears(conn: sqlite3.Connection) -> None:
    key = outbox.add_note(conn, "client", "c-1", "first", "dana@example.com")
    outbox.settle_refused(conn, key, outbox.REJECTED, "no such client", None)
    outbox.add_note(conn, "client", "c-1", "second", "dana@example.com")
    outbox.undo_last(conn)
    assert notes(conn) == []


@pytest.mark.parametrize(
    ("target_type", "target_id", "text", "error"),
    [
        ("deal", "c-1", "x", ValueError),
        ("client", "c-1", "   ", ValueError),
        ("client", "c-404", "x", LookupError),
    ],
)
def test_bad_note_writes_nothing(
    conn: sqlite3.Connection, target_type: str, target_id: str, text: str, error: type
) -> None:
    with pytest.raises(error):
        outbox.add_note(conn, target_type, target_id, text, "dana@example.com")
    assert notes(conn) == [] and outbox.count_pending(conn) == 0


def test_snooze_with_reason_undoes_status_and_reason_note_together(
    conn: sqlite3.Connection,
) -> None:
    conn.execute(ALERT_ROW)
    outbox.snooze_alert(conn, "a-1", date(2026, 12, 1), "client on holiday", "dana@example.com")
    assert conn.execute("SELECT status, snoozed_until FROM alert").fetchone() == (
        "snoozed",
        "2026-12-01",
    )
    assert notes(conn) == [("alert", "a-1", "Snoozed until 2026-12-01: client on holiday")]
    [entry] = outbox.pending_actions(conn)
    assert entry.payload["note_id"] == conn.execute("SELECT id FROM note").fetchone()[0]
    outbox.undo_last(conn)
    assert conn.execute("SELECT status, snoozed_until FROM alert").fetchone() == ("open", None)
    assert notes(conn) == []


def test_triage_actions_change_the_alert_locally(conn: sqlite3.Connection) -> None:
    conn.execute(ALERT_ROW)
    outbox.assign_alert(conn, "a-1", "dana@example.com")
    outbox.acknowledge_alert(conn, "a-1")
    assert conn.execute("SELECT status, assignee FROM alert").fetchone() == (
        "acknowledged",
        "dana@example.com",
    )
    outbox.resolve_alert(conn, "a-1")
    assert conn.execute("SELECT status FROM alert").fetchone()[0] == "resolved"
    kinds = [e.kind for e in outbox.pending_actions(conn)]
    assert kinds == ["assign_alert", "ack_alert", "resolve_alert"]
    assert set(kinds) <= {k.value for k in ActionKind}


def test_pending_targets_name_each_row_with_an_unsent_change(conn: sqlite3.Connection) -> None:
    assert pending_targets(conn) == {}
    outbox.assign_owner(conn, "c-1", "ana@partner.example")
    outbox.add_note(conn, "client", "c-1", "called them", "ana@partner.example")
    assert pending_targets(conn) == {"client": frozenset({"c-1"})}
    for entry in outbox.pending_actions(conn):
        outbox.settle_done(conn, entry.key)
    assert pending_targets(conn) == {}
    # A refused action is no longer waiting: the header counts it as refused instead.
    key = outbox.end_services(conn, "c-1")
    outbox.settle_refused(conn, key, outbox.REJECTED, "not allowed", None)
    assert pending_targets(conn) == {}
