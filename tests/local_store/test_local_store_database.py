"""The cache file: owner-only, WAL, versioned, and clear about what it cannot open."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from local_store.database import SCHEMA_VERSION, CacheError, CacheMissing, open_cache
from local_store.paths import InvalidProfileName, cache_path


def test_new_cache_is_private_wal_and_current(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "p.sqlite3"
    conn = open_cache(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "client",
        "subscription",
        "renewal",
        "usage",
        "credit_event",
        "team_contact",
        "employee",
        "alert",
        "note",
        "outbox",
        "sync_state",
        "partner",
    } <= tables
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO sync_state (resource, resyncing) VALUES ('x', 0)")
    conn.execute("COMMIT")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) == 0o600


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    open_cache(path, create=True).execute(
        "INSERT INTO sync_state (resource, resyncing) VALUES ('x', 0)"
    )
    conn = open_cache(path)
    assert conn.execute("SELECT count(*) FROM sync_state").fetchone()[0] == 1


def test_missing_cache_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(CacheMissing, match="partnerops sync"):
        open_cache(tmp_path / "none.sqlite3")


def test_cache_from_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    open_cache(path, create=True).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(CacheError, match="newer partnerops"):
        open_cache(path)


def test_garbage_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError, match="damaged|cannot open"):
        open_cache(path)


def test_profile_names_cannot_escape_the_data_dir(isolated_environment: Path) -> None:
    assert cache_path("acme-2").parent == isolated_environment
    for bad in ("../evil", "a/b", "", ".hidden"):
        with pytest.raises(InvalidProfileName):
            cache_path(bad)


def test_sqlite_cannot_open_is_not_a_traceback(tmp_path: Path) -> None:
    directory = tmp_path / "dir.sqlite3"
    directory.mkdir()
    with pytest.raises(CacheError):
        open_cache(directory)
