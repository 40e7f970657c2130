"""What `partnerops status` reports about a cache: freshness, counts, work waiting."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

COUNTED_TABLES = (
    "client",
    "subscription",
    "renewal",
    "usage",
    "credit_event",
    "alert",
    "note",
    "team_contact",
    "employee",
)


@dataclass(frozen=True)
class ResourceState:
    resource: str
    last_success: str | None
    last_error: str | None
    resyncing: bool


@dataclass(frozen=True)
class CacheStatus:
    resources: list[ResourceState]
    counts: dict[str, int]
    actions_waiting: int
    actions_refused: int
    quarantined: int


def cache_status(conn: sqlite3.Connection) -> CacheStatus:
    resources = [
        ResourceState(resource, last_success, last_error, bool(resyncing))
        for resource, last_success, last_error, resyncing in conn.execute(
            "SELECT resource, last_success, last_error, resyncing FROM sync_state ORDER BY resource"
        )
    ]
    counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in COUNTED_TABLES
    }
    waiting, refused = conn.execute(
        "SELECT count(*) FILTER (WHERE state = 'pending'), "
        "count(*) FILTER (WHERE state != 'pending') "
        "FROM outbox"
    ).fetchone()
    quarantined = conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    return CacheStatus(resources, counts, waiting, refused, quarantined)
