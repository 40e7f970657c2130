"""A real reference backend on loopback, and ways to compare its state with a cache."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date

import pytest

from backend.server import RunningServer, start_in_thread
from backend.store import Store
from local_store.paths import cache_path
from local_store.tables import SYNCED_TABLES
from sync.profile import Profile

TODAY = date(2026, 11, 23)


@pytest.fixture
def backend() -> Iterator[RunningServer]:
    with start_in_thread(Store.generate(120, seed=11, today=TODAY)) as server:
        yield server


def profile_for(server: RunningServer, partner: int = 0, name: str = "test") -> Profile:
    return Profile(
        name=name,
        cache_path=cache_path(name),
        backend_url=server.url,
        token=server.store.partners[partner].token,
    )


def server_state(store: Store, partner: int = 0) -> dict[str, dict[str, int]]:
    """Every record's id and version per resource, as the backend has them."""
    keeper = store.partners[partner]
    return {r: {rec["id"]: rec["version"] for rec in keeper.records(r)} for r in SYNCED_TABLES}


def cache_state(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    return {
        resource: dict(conn.execute(f"SELECT id, version FROM {table.__tablename__}"))
        for resource, table in SYNCED_TABLES.items()
    }
