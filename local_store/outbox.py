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
) -> str:
    """Apply `local_effect` (SQL statements) and queue the intent, atomically. Returns the key."""
    key = str(uuid.uuid4())
    with write_transaction(conn):
        before = _snapshot(conn, table, target_id)
        if before is None:
            raise LookupError(f"no {table} {target_id!r} in the cache")
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
                before["version"] if before else None,
                utc_now_text(),
                PENDING,
                json.dumps(before) if before else None,
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


def _restore(conn: sqlite3.Connection, table: str, row: dict[str, Any] | None) -> None:
    """Upsert only the columns given, so derived columns the cache computed stay."""
    if row is None:
        return
    columns = ", ".join(row)
    placeholders = ", ".join("?" for _ in row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in row if c != "id")
    conn.execute(
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates}",
        tuple(row.values()),
    )


def _loads(snapshot: str | None) -> dict[str, Any] | None:
    return json.loads(snapshot) if snapshot else None


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
            "SELECT target_table, before FROM outbox WHERE key = ?", (key,)
        ).fetchone()
        if found is None:
            return
        table, before = found
        conn.execute(
            "UPDATE outbox SET state = ?, outcome_reason = ? WHERE key = ?", (state, reason, key)
        )
        _restore(conn, table, server_row if server_row is not None else _loads(before))


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
        _restore(conn, entry.target_table, _loads(row[-1]))
        conn.execute("DELETE FROM outbox WHERE key = ?", (entry.key,))
    return entry


def dismiss_refused(conn: sqlite3.Connection, key: str) -> None:
    with write_transaction(conn):
        conn.execute("DELETE FROM outbox WHERE key = ? AND state != ?", (key, PENDING))


# The actions of the client and renewal screens.


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
