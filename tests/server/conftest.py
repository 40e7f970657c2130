"""Fixtures for the team server: every test runs on SQLite and on a real PostgreSQL.

PostgreSQL 16 comes from the `pgserver` wheel (in the test extras): one server per test run,
a fresh database per test.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import Team, start_team

# The HubSpot upstream's tests use the sync suite's HubSpot double (tests/sync/fake_hubspot.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))

_databases = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    import pgserver

    # Not under pytest's tmp dir: as root, pgserver runs PostgreSQL as its own user, which
    # must reach the data directory (pytest's is private to root).
    server = pgserver.get_server(tempfile.mkdtemp(prefix="partnerops-pg-"), cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL or path with nothing in it yet."""
    if request.param == "sqlite":
        return str(tmp_path / "team.sqlite3")
    server = request.getfixturevalue("postgres")
    name = f"team_{next(_databases)}"
    server.psql(f"CREATE DATABASE {name};")  # type: ignore[attr-defined]
    uri: str = server.get_uri(name)  # type: ignore[attr-defined]
    return uri


@pytest.fixture
def team(database: str) -> Iterator[Team]:
    with start_team(database) as started:
        yield started
