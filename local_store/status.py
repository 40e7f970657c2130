"""What `partnerops status` reports about a cache: freshness, counts, work waiting.

Timestamps come out as UTC ISO text ending in `Z`, like the exports'.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from local_store.queries import parse_utc

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
DEFAULT_STALE_AFTER_HOURS = 24.0


@dataclass(frozen=True)
class ResourceState:
    resource: str
    last_success: str | None
    last_error: str | None
    resyncing: bool


@dataclass(frozen=True)
class RefusedAction:
    """A local action the server refused; its local effect has been put back."""

    kind: str
    target_id: str
    state: str
    reason: str | None
    created_at: str | None


@dataclass(frozen=True)
class CacheStatus:
    resources: list[ResourceState]
    counts: dict[str, int]
    actions_waiting: int
    actions_refused: int
    quarantined: int
    last_sync: str | None
    """The newest successful sync of any resource."""
    refused: list[RefusedAction]
    quarantined_by_resource: dict[str, int]


def utc_text(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def last_sync(conn: sqlite3.Connection) -> datetime | None:
    """When the cache last synced anything: what "how old is this data" is measured from."""
    times = [parse_utc(text) for (text,) in conn.execute("SELECT last_success FROM sync_state")]
    known = [moment for moment in times if moment is not None]
    return max(known) if known else None


def stale_warning(synced: datetime | None, now: datetime, stale_after_hours: float) -> str | None:
    """A line for stderr when the cache is older than the profile allows (0: never warn)."""
    if stale_after_hours <= 0:
        return None
    if synced is None:
        return "the cache has never been synced; run `partnerops sync`"
    hours = (now - synced).total_seconds() / 3600
    if hours <= stale_after_hours:
        return None
    age = f"{int(hours)} hours" if hours < 48 else f"{int(hours // 24)} days"
    return (
        f"cached data is {age} old (last sync {synced.astimezone(UTC):%Y-%m-%d %H:%M} UTC); "
        "run `partnerops sync`"
    )


def cache_status(conn: sqlite3.Connection) -> CacheStatus:
    resources = [
        ResourceState(resource, utc_text(parse_utc(last_success)), last_error, bool(resyncing))
        for resource, last_success, last_error, resyncing in conn.execute(
            "SELECT resource, last_success, last_error, resyncing FROM sync_state ORDER BY resource"
        )
    ]
    counts = {
        table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in COUNTED_TABLES
    }
    waiting = conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]
    refused = [
        RefusedAction(kind, target_id, state, reason, utc_text(parse_utc(created_at)))
        for kind, target_id, state, reason, created_at in conn.execute(
            "SELECT kind, target_id, state, outcome_reason, created_at FROM outbox "
            "WHERE state != 'pending' ORDER BY seq"
        )
    ]
    by_resource = dict(
        conn.execute("SELECT resource, count(*) FROM quarantine GROUP BY resource ORDER BY 1")
    )
    return CacheStatus(
        resources=resources,
        counts=counts,
        actions_waiting=waiting,
        actions_refused=len(refused),
        quarantined=sum(by_resource.values()),
        last_sync=utc_text(last_sync(conn)),
        refused=refused,
        quarantined_by_resource=by_resource,
    )
