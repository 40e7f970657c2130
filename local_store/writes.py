"""Writing pulled pages into the cache: each page and its change token in one transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from json import JSONEncoder

from local_store.database import write_transaction
from local_store.health import client_scope
from local_store.impact import forget_impact
from local_store.schema import PULLED_TABLES

ROLLUP_SOURCES = frozenset({"clients", "subscriptions", "renewals"})
"""Resources whose changes the clients table's derived columns depend on."""
IMPACT_SOURCES = frozenset({"partner", "clients", "alerts"})
"""Resources whose changes the stored impacts depend on (`local_store.impact`)."""

CLIENT_COLUMN = {
    "clients": "id",
    "subscriptions": "client_id",
    "renewals": "client_id",
    "usage": "client_id",
    "credits": "client_id",
    "alerts": "client_id",
}
"""Resources a client's derived values (rollups, health, local alerts) are computed from → the
column naming the client a row belongs to."""


_to_json = JSONEncoder().encode


@dataclass
class Quarantined:
    record_id: str | None
    reason: str
    raw: str


@dataclass
class PulledPage:
    """One validated page of a resource, ready to commit with the token that follows it."""

    resource: str
    rows: list[dict[str, object]]
    deleted: list[str]
    change_token: str
    quarantined: list[Quarantined] = field(default_factory=list)


def utc_now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def table_columns(resource: str) -> tuple[str, tuple[str, ...]]:
    """The table a resource lands in and the columns a pull writes."""
    return PULLED_TABLES[resource]


@cache
def _upsert_sql(resource: str) -> str:
    name, columns = table_columns(resource)
    placeholders = ", ".join(f":{c}" for c in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    # Rows with a local change still waiting to be pushed keep their local state; the push
    # answers for them and the next pull brings the server's version.
    return (
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({placeholders}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates} "
        "WHERE excluded.id NOT IN (SELECT target_id FROM outbox WHERE state = 'pending')"
    )


def change_token(conn: sqlite3.Connection, resource: str) -> str | None:
    row = conn.execute(
        "SELECT change_token FROM sync_state WHERE resource = ?", (resource,)
    ).fetchone()
    return row[0] if row else None


def is_resyncing(conn: sqlite3.Connection, resource: str) -> bool:
    row = conn.execute(
        "SELECT resyncing FROM sync_state WHERE resource = ?", (resource,)
    ).fetchone()
    return bool(row and row[0])


def _ensure_state(conn: sqlite3.Connection, resource: str) -> None:
    conn.execute(
        "INSERT INTO sync_state (resource, change_token, last_success, last_error, resyncing) "
        "VALUES (?, NULL, NULL, NULL, 0) ON CONFLICT(resource) DO NOTHING",
        (resource,),
    )


def _mark_dirty(conn: sqlite3.Connection, page: PulledPage) -> None:
    """Mark the clients a page touches: the owners its rows had before (a row may move to
    another client or go) and the owners they have now. Run before the page's writes."""
    column = CLIENT_COLUMN.get(page.resource)
    if column is None:
        return
    name, _ = table_columns(page.resource)
    ids = [row["id"] for row in page.rows] + page.deleted
    # One statement for the page's ids: a per-id statement costs more than the upsert.
    conn.execute(
        f"INSERT OR IGNORE INTO dirty_client (client_id) SELECT {column} FROM {name} "
        f"WHERE id IN (SELECT value FROM json_each(?)) AND {column} IS NOT NULL",
        (_to_json(ids),),
    )
    owners = {row[column] for row in page.rows if row[column] is not None}
    conn.executemany(
        "INSERT OR IGNORE INTO dirty_client (client_id) VALUES (?)",
        ((owner,) for owner in owners),
    )


def commit_page(conn: sqlite3.Connection, page: PulledPage) -> None:
    """Write a page, mark the clients it touches and move the change token, all or nothing."""
    name, _ = table_columns(page.resource)
    with write_transaction(conn):
        _ensure_state(conn, page.resource)
        _mark_dirty(conn, page)
        if page.rows:
            conn.executemany(_upsert_sql(page.resource), page.rows)
        if page.deleted:
            conn.executemany(f"DELETE FROM {name} WHERE id = ?", ((i,) for i in page.deleted))
        if is_resyncing(conn, page.resource):
            conn.executemany(
                "INSERT OR IGNORE INTO resync_seen (resource, record_id) VALUES (?, ?)",
                ((page.resource, row["id"]) for row in page.rows),
            )
        if page.quarantined:
            received = utc_now_text()
            conn.executemany(
                "INSERT INTO quarantine (resource, record_id, reason, raw, received_at) "
                "VALUES (?, ?, ?, ?, ?)",
                ((page.resource, q.record_id, q.reason, q.raw, received) for q in page.quarantined),
            )
        if page.resource in IMPACT_SOURCES and (page.rows or page.deleted):
            forget_impact(conn)
        owed = page.resource in ROLLUP_SOURCES and bool(page.rows or page.deleted)
        conn.execute(
            "UPDATE sync_state SET change_token = ?, rollups_owed = rollups_owed OR ? "
            "WHERE resource = ?",
            (page.change_token, owed, page.resource),
        )


def start_full_resync(conn: sqlite3.Connection, resource: str) -> None:
    """Forget the change token; rows not seen again by the end of the resync are removed."""
    with write_transaction(conn):
        _ensure_state(conn, resource)
        conn.execute("DELETE FROM resync_seen WHERE resource = ?", (resource,))
        conn.execute(
            "UPDATE sync_state SET change_token = NULL, resyncing = 1 WHERE resource = ?",
            (resource,),
        )


def finish_resource(conn: sqlite3.Connection, resource: str) -> int:
    """Record a drained feed; after a full resync, sweep rows the server no longer has."""
    name, _ = table_columns(resource)
    swept = 0
    with write_transaction(conn):
        _ensure_state(conn, resource)
        if is_resyncing(conn, resource):
            if resource in ROLLUP_SOURCES:
                conn.execute(
                    "UPDATE sync_state SET rollups_owed = 1 WHERE resource = ?", (resource,)
                )
            unseen = "id NOT IN (SELECT record_id FROM resync_seen WHERE resource = ?)"
            column = CLIENT_COLUMN.get(resource)
            if column is not None:
                conn.execute(
                    f"INSERT OR IGNORE INTO dirty_client (client_id) SELECT {column} FROM {name} "
                    f"WHERE {unseen} AND {column} IS NOT NULL",
                    (resource,),
                )
            swept = conn.execute(f"DELETE FROM {name} WHERE {unseen}", (resource,)).rowcount
            conn.execute("DELETE FROM resync_seen WHERE resource = ?", (resource,))
        conn.execute(
            "UPDATE sync_state SET last_success = ?, last_error = NULL, resyncing = 0 "
            "WHERE resource = ?",
            (utc_now_text(), resource),
        )
    return swept


def record_sync_error(conn: sqlite3.Connection, resource: str, message: str) -> None:
    with write_transaction(conn):
        _ensure_state(conn, resource)
        conn.execute("UPDATE sync_state SET last_error = ? WHERE resource = ?", (message, resource))


def rollups_owed(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("SELECT 1 FROM sync_state WHERE rollups_owed LIMIT 1").fetchone())


def update_client_rollups(conn: sqlite3.Connection, *, only_dirty: bool = False) -> None:
    """Recompute the clients table's derived columns (products owned, next renewal), of every
    client or only of those marked dirty. Runs in the caller's write transaction: the one that
    consumes the marks, so that a page another sync commits meanwhile keeps its marks."""
    conn.execute(
        f"""
        UPDATE client SET
          products = COALESCE((
            SELECT group_concat(label, ', ') FROM (
              SELECT replace(s.product, ' Hub', '') || ' ' || CASE s.edition
                WHEN 'Professional' THEN 'Pro' WHEN 'Enterprise' THEN 'Ent' ELSE s.edition
              END AS label
              FROM subscription s WHERE s.client_id = client.id ORDER BY s.product)), ''),
          next_renewal_date = (
            SELECT min(r.renewal_date) FROM renewal r WHERE r.client_id = client.id)
        {client_scope(only_dirty, "id")}
        """
    )
    conn.execute("UPDATE sync_state SET rollups_owed = 0")
