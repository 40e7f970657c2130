"""Which partner client each cached partner service belongs to, kept right when a service
moves: re-read for every record a sync changed on either side, and swept in full on schedule
(HubSpot does not say whether moving an association changes either record's
`hs_lastmodifieddate`, so the sweep catches moves that change neither)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from local_store import raw_properties, writes
from sync.hubspot.api import HubSpotClient
from sync.hubspot.mapping import CLIENTS, SERVICES, ObjectMapping, to_wire
from sync.pull import validate_page

RESOURCE, TABLE = "subscriptions", "subscription"


def _cached_owners(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute(f"SELECT id, client_id FROM {TABLE}").fetchall())


def _relink(conn: sqlite3.Connection, mapping: ObjectMapping, owners: dict[str, str]) -> int:
    """Rewrite these cached services with a new client, from the properties they were stored
    with; returns how many were rewritten."""
    if not owners:
        return 0
    stored = raw_properties.stored_properties(conn, SERVICES, sorted(owners))
    items = []
    for service_id, properties in stored.items():
        wire = to_wire(mapping, {"id": service_id, "properties": properties})
        wire["client_id"] = owners[service_id]
        items.append(wire)
    rows, _ = validate_page(RESOURCE, items)  # a bad record stays quarantined as it was
    token = writes.change_token(conn, RESOURCE) or ""
    writes.commit_page(conn, writes.PulledPage(RESOURCE, rows, [], token))
    return len(rows)


def link_services(
    api: HubSpotClient,
    conn: sqlite3.Connection,
    mapping: ObjectMapping,
    changed_clients: Iterable[str],
    changed_services: set[str],
) -> int:
    """Re-read the services of every client this sync changed (a service's own change has its
    client read with it) and move the cached ones that now belong elsewhere."""
    linked = api.associated_ids(CLIENTS, SERVICES, list(changed_clients))
    cached = _cached_owners(conn)
    moved = {
        service_id: client_id
        for client_id, service_ids in linked.items()
        for service_id in service_ids
        if service_id in cached
        and cached[service_id] != client_id
        and service_id not in changed_services
    }
    return _relink(conn, mapping, moved)


def sweep_associations(api: HubSpotClient, conn: sqlite3.Connection, mapping: ObjectMapping) -> int:
    """Read every cached service's client (batches of 1,000) and fix the ones that moved."""
    cached = _cached_owners(conn)
    linked = api.associated_ids(SERVICES, CLIENTS, sorted(cached))
    moved = {
        service_id: clients[0]
        for service_id, clients in linked.items()
        if clients and service_id in cached and cached[service_id] != clients[0]
    }
    return _relink(conn, mapping, moved)
