"""Local actions: each writes its local effect and an outbox row in one transaction.

The outbox row carries a UUID idempotency key and the intent ("end services for client X"),
plus a snapshot of the affected row so a refused or undone action can be put back exactly.
Action kinds are the wire's `ActionKind` values (a test keeps the two in step).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from local_store.database import write_transaction
from local_store.writes import utc_now_text

PENDING, REJECTED, CONFLICT = "pending", "rejected", "conflict"


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    key: str
    kind: str
    target_id: str
    target_table: str
    payload: dict[str, Any]
    base_version: int | None
    state: str
    outcome_reason: str | None
    created_at: str


Touch = tuple[str, str]
"""A cache row an action changes, as (table, id)."""


def _snapshot(conn: sqlite3.Connection, table: str, row_id: str) -> dict[str, Any] | None:
    cursor = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip((d[0] for d in cursor.description), row, strict=True))


def queue_action(
    conn: sqlite3.Connection,
    kind: str,
    table: str,
    target_id: str,
    payload: dict[str, Any],
    local_effect: list[tuple[str, tuple[Any, ...]]],
    *,
    creates: bool = False,
    also_touches: tuple[Touch, ...] = (),
) -> str:
    """Apply `local_effect` (SQL statements) and queue the intent, atomically. Returns the key.

    The target must exist, unless the action `creates` it. Every row touched (the target and
    `also_touches`) is snapshotted first, so a refusal or an undo puts all of them back, and
    removes the ones that did not exist.
    """
    key = str(uuid.uuid4())
    with write_transaction(conn):
        target_before = _snapshot(conn, table, target_id)
        if creates and target_before is not None:
            raise ValueError(f"{table} {target_id!r} already exists in the cache")
        if not creates and target_before is None:
            raise LookupError(f"no {table} {target_id!r} in the cache")
        snapshots = [
            {"table": t, "id": i, "row": _snapshot(conn, t, i)}
            for t, i in ((table, target_id), *also_touches)
        ]
        for sql, params in local_effect:
            conn.execute(sql, params)
        conn.execute(
            "INSERT INTO outbox (key, kind, target_id, target_table, payload, base_version, "
            "created_at, state, before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                kind,
                target_id,
                table,
                json.dumps(payload),
                target_before["version"] if target_before else None,
                utc_now_text(),
                PENDING,
                json.dumps(snapshots),
            ),
        )
    return key


def _entry(row: tuple) -> OutboxEntry:
    seq, key, kind, target_id, table, payload, base, state, reason, created = row
    return OutboxEntry(
        seq, key, kind, target_id, table, json.loads(payload), base, state, reason, created
    )


_ENTRY_COLUMNS = (
    "seq, key, kind, target_id, target_table, payload, base_version, state, outcome_reason, "
    "created_at"
)


def pending_actions(conn: sqlite3.Connection, limit: int = 1000) -> list[OutboxEntry]:
    rows = conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE state = ? ORDER BY seq LIMIT ?",
        (PENDING, limit),
    ).fetchall()
    return [_entry(r) for r in rows]


def refused_actions(conn: sqlite3.Connection) -> list[OutboxEntry]:
    """Actions the server rejected or that lost to a server change: shown, never retried."""
    rows = conn.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE state != ? ORDER BY seq", (PENDING,)
    ).fetchall()
    return [_entry(r) for r in rows]


def count_pending(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM outbox WHERE state = ?", (PENDING,)).fetchone()[0]


def _restore(conn: sqlite3.Connection, table: str, row_id: str, row: dict | None) -> None:
    """Put a row back as it was: absent if it was absent. Upserts only the columns given,
    so derived columns the cache computed stay."""
    if row is None:
        conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
        return
    columns = ", ".join(row)
    placeholders = ", ".join("?" for _ in row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in row if c != "id")
    conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates}",
        tuple(row.values()),
    )


def _restore_all(conn: sqlite3.Connection, before: str | None) -> None:
    for snapshot in json.loads(before) if before else []:
        _restore(conn, snapshot["table"], snapshot["id"], snapshot["row"])


def settle_done(conn: sqlite3.Connection, key: str) -> None:
    """Applied (or already applied): the next pull brings the server's version of the row."""
    with write_transaction(conn):
        conn.execute("DELETE FROM outbox WHERE key = ?", (key,))


def settle_refused(
    conn: sqlite3.Connection, key: str, state: str, reason: str, server_row: dict[str, Any] | None
) -> None:
    """Keep the server's state: its current row if it sent one, else the row as it was."""
    with write_transaction(conn):
        found = conn.execute(
            "SELECT target_table, target_id, before FROM outbox WHERE key = ?", (key,)
        ).fetchone()
        if found is None:
            return
        table, target_id, before = found
        conn.execute(
            "UPDATE outbox SET state = ?, outcome_reason = ? WHERE key = ?", (state, reason, key)
        )
        _restore_all(conn, before)
        if server_row is not None:
            _restore(conn, table, target_id, server_row)


def undo_last(conn: sqlite3.Connection) -> OutboxEntry | None:
    """Take back the newest action that has not been sent yet."""
    with write_transaction(conn):
        row = conn.execute(
            f"SELECT {_ENTRY_COLUMNS}, before FROM outbox WHERE state = ? "
            "ORDER BY seq DESC LIMIT 1",
            (PENDING,),
        ).fetchone()
        if row is None:
            return None
        entry = _entry(row[:-1])
        _restore_all(conn, row[-1])
        conn.execute("DELETE FROM outbox WHERE key = ?", (entry.key,))
    return entry


def dismiss_refused(conn: sqlite3.Connection, key: str) -> None:
    with write_transaction(conn):
        conn.execute("DELETE FROM outbox WHERE key = ? AND state != ?", (key, PENDING))


def dismiss_all_refused(conn: sqlite3.Connection) -> int:
    """Forget every refused action (the user has read why); returns how many there were."""
    with write_transaction(conn):
        return conn.execute("DELETE FROM outbox WHERE state != ?", (PENDING,)).rowcount


# The actions of the client and renewal screens.


def new_note_id() -> str:
    return f"n-{uuid.uuid4().hex}"


def _insert_note(
    note_id: str, target_type: str, target_id: str, text: str, author: str
) -> tuple[str, tuple[Any, ...]]:
    return (
        "INSERT INTO note (id, version, target_type, target_id, author, text, created_at) "
        "VALUES (?, 0, ?, ?, ?, ?, ?)",
        (note_id, target_type, target_id, author, text, utc_now_text()),
    )


def add_note(
    conn: sqlite3.Connection, target_type: str, target_id: str, text: str, author: str
) -> str:
    """A note on a client or an alert, shown at once and sent under the id made here."""
    if target_type not in ("client", "alert"):
        raise ValueError(f"a note belongs to a client or an alert, not a {target_type}")
    if not text.strip():
        raise ValueError("a note needs some text")
    if conn.execute(f"SELECT 1 FROM {target_type} WHERE id = ?", (target_id,)).fetchone() is None:
        raise LookupError(f"no {target_type} {target_id!r} in the cache")
    note_id = new_note_id()
    payload = {"target_type": target_type, "target_id": target_id, "text": text, "author": author}
    return queue_action(
        conn,
        "add_note",
        "note",
        note_id,
        payload,
        [_insert_note(note_id, target_type, target_id, text, author)],
        creates=True,
    )


def end_services(conn: sqlite3.Connection, client_id: str) -> str:
    return queue_action(
        conn,
        "end_services",
        "client",
        client_id,
        {},
        [("UPDATE client SET services_status = 'ending' WHERE id = ?", (client_id,))],
    )


def set_renewal_owner(conn: sqlite3.Connection, renewal_id: str, owner: str) -> str:
    if owner not in ("partner", "hubspot"):
        raise ValueError(f"renewal communication owner must be partner or hubspot, not {owner!r}")
    return queue_action(
        conn,
        "set_renewal_owner",
        "renewal",
        renewal_id,
        {"owner": owner},
        [("UPDATE renewal SET communication_owner = ? WHERE id = ?", (owner, renewal_id))],
    )


def assign_owner(conn: sqlite3.Connection, client_id: str, owner_email: str | None) -> str:
    return queue_action(
        conn,
        "assign_owner",
        "client",
        client_id,
        {"owner_email": owner_email},
        [("UPDATE client SET owner_email = ? WHERE id = ?", (owner_email, client_id))],
    )


# The triage actions of the inbox.


def acknowledge_alert(conn: sqlite3.Connection, alert_id: str) -> str:
    return queue_action(
        conn,
        "ack_alert",
        "alert",
        alert_id,
        {},
        [
            (
                "UPDATE alert SET status = 'acknowledged', snoozed_until = NULL WHERE id = ?",
                (alert_id,),
            )
        ],
    )


def snooze_alert(
    conn: sqlite3.Connection, alert_id: str, until: date, reason: str | None, author: str
) -> str:
    """Quiet until `until`; a reason is kept as a note on the alert, here and on the server."""
    payload: dict[str, Any] = {"until": until.isoformat(), "author": author}
    effect = [
        (
            "UPDATE alert SET status = 'snoozed', snoozed_until = ? WHERE id = ?",
            (until.isoformat(), alert_id),
        )
    ]
    touches: tuple[Touch, ...] = ()
    if reason and reason.strip():
        note_id = new_note_id()
        payload |= {"reason": reason, "note_id": note_id}
        text = f"Snoozed until {until.isoformat()}: {reason}"
        effect.append(_insert_note(note_id, "alert", alert_id, text, author))
        touches = (("note", note_id),)
    return queue_action(
        conn, "snooze_alert", "alert", alert_id, payload, effect, also_touches=touches
    )


def assign_alert(conn: sqlite3.Connection, alert_id: str, assignee: str | None) -> str:
    return queue_action(
        conn,
        "assign_alert",
        "alert",
        alert_id,
        {"assignee": assignee},
        [("UPDATE alert SET assignee = ? WHERE id = ?", (assignee, alert_id))],
    )


def resolve_alert(conn: sqlite3.Connection, alert_id: str) -> str:
    return queue_action(
        conn,
        "resolve_alert",
        "alert",
        alert_id,
        {},
        [("UPDATE alert SET status = 'resolved', snoozed_until = NULL WHERE id = ?", (alert_id,))],
    )
