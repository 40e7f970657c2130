"""HubSpot's raw properties per record: written by the HubSpot pull, read by the raw view.

Plain `sqlite3` so the client panel can read it without importing SQLModel. Values are what
HubSpot sent (hostile strings): show them through `console.text`, never as markup.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from local_store.database import write_transaction

CLIENT_OBJECT = "partner_clients"


def raw_properties(conn: sqlite3.Connection, client_id: str) -> dict[str, str | None]:
    """The client's HubSpot properties by name, sorted; empty when the source is not HubSpot."""
    row = conn.execute(
        "SELECT properties FROM raw_properties WHERE id = ? AND object_type = ?",
        (client_id, CLIENT_OBJECT),
    ).fetchone()
    if row is None:
        return {}
    try:
        properties = json.loads(row[0])
    except json.JSONDecodeError:
        return {}
    if not isinstance(properties, dict):
        return {}
    return {str(k): None if v is None else str(v) for k, v in sorted(properties.items())}


def store_raw_properties(
    conn: sqlite3.Connection, object_type: str, records: Iterable[tuple[str, dict]]
) -> None:
    """Upsert (id, properties) pairs. Written just after the page that carries the same
    records: a kill in between leaves them one page behind, so that page counts as changed
    again next time, never as unchanged while its rows are missing."""
    with write_transaction(conn):
        conn.executemany(
            "INSERT INTO raw_properties (id, object_type, properties) VALUES (?, ?, ?) "
            "ON CONFLICT(id, object_type) DO UPDATE SET properties = excluded.properties",
            (
                (record_id, object_type, json.dumps(props, ensure_ascii=False, sort_keys=True))
                for record_id, props in records
            ),
        )


def stored_properties(
    conn: sqlite3.Connection, object_type: str, ids: list[str]
) -> dict[str, dict[str, object]]:
    """The properties stored for these ids, to tell changed records from unchanged ones."""
    stored: dict[str, dict[str, object]] = {}
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for record_id, text in conn.execute(
            f"SELECT id, properties FROM raw_properties WHERE object_type = ? AND id IN ({marks})",
            (object_type, *chunk),
        ):
            stored[record_id] = json.loads(text)
    return stored


def cached_ids(conn: sqlite3.Connection, table: str, ids: list[str]) -> list[str]:
    """Which of these ids have a row in `table` (one of the cache's synced tables)."""
    found: list[str] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        found += [
            r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)
        ]
    return found


def forget(conn: sqlite3.Connection, object_type: str, ids: list[str]) -> None:
    """Drop the raw properties of records that left the cache (archived in HubSpot)."""
    if not ids:
        return
    with write_transaction(conn):
        conn.executemany(
            "DELETE FROM raw_properties WHERE object_type = ? AND id = ?",
            ((object_type, record_id) for record_id in ids),
        )
