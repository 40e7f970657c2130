"""Opening the cache: one SQLite file per profile, WAL, owner-only, versioned schema."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 4
BUSY_TIMEOUT_MS = 10_000


class CacheError(Exception):
    """The cache cannot be used; the message says why and what to do."""


class CacheMissing(CacheError):
    pass


def _create_private_file(path: Path) -> None:
    """Create the file owner-only before SQLite opens it, so it is never world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """Open a connection in autocommit mode; writers use `write_transaction`.

    SQLite gives the WAL and shared-memory files the database file's permissions.
    """
    if not path.exists():
        if not create:
            raise CacheMissing(f"no cache at {path}: run `partnerops sync` or `partnerops demo`")
        _create_private_file(path)
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise CacheError(f"cannot open the cache at {path}: {exc}") from None
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def open_cache(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """Open the cache, migrating it to the current schema if it is older."""
    conn = connect(path, create=create)
    try:
        version = schema_version(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CacheError(f"the cache at {path} is damaged ({exc})") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise CacheError(
            f"the cache at {path} was written by a newer partnerops (schema {version}, "
            f"this one knows {SCHEMA_VERSION}); upgrade partnerops"
        )
    if version < SCHEMA_VERSION:
        from local_store.migrations import migrate

        with write_transaction(conn):
            migrate(conn, SCHEMA_VERSION)
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` takes the write lock up front, so concurrent writers wait on the busy
    timeout instead of failing half-way with "database is locked"."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        # SQLite may have rolled back already (SQLITE_FULL does): a second ROLLBACK would
        # fail and hide the real cause.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
