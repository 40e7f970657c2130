"""Opening the cache: one SQLite file per profile, WAL, owner-only, versioned schema."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 7
BUSY_TIMEOUT_MS = 10_000


class CacheError(Exception):
    """The cache cannot be used; the message says why and what to do."""


class CacheMissing(CacheError):
    pass


_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside the cache: as private as the cache, and never links."""
_warned: set[Path] = set()


def warn(message: str) -> None:
    """One line on stderr, once per message: what a caller should know but need not stop for."""
    print(f"partnerops: {message}", file=sys.stderr)


def _make_private_dirs(folder: Path) -> None:
    """Create `folder` and each missing parent owner-only (mkdir's `parents` uses 0777)."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        candidate.mkdir(mode=0o700, exist_ok=True)


def _secure_data_dir(folder: Path) -> None:
    """0700 on a data dir we own; a warning about one that others can write and we cannot fix
    (they could replace the cache)."""
    info = folder.stat()
    others_write = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if info.st_uid == os.getuid():
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(folder, 0o700)
            if others_write and folder not in _warned:
                _warned.add(folder)
                warn(
                    f"the data dir {folder} was writable by other users "
                    f"({stat.S_IMODE(info.st_mode):04o}); made it 0700"
                )
    elif others_write and folder not in _warned:
        _warned.add(folder)
        warn(
            f"the data dir {folder} is writable by other users and not yours to fix: "
            "anyone could replace the cache; set PARTNEROPS_DATA_DIR to a private folder"
        )


def _refuse_links(path: Path) -> None:
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in _SQLITE_COMPANIONS)):
        if candidate.is_symlink():
            raise CacheError(
                f"{candidate} is a symbolic link: not following it (remove the link, or set "
                "PARTNEROPS_DATA_DIR to another folder)"
            )


def _secure_cache_files(path: Path) -> None:
    """0600 on the cache and SQLite's files beside it, at every open, not only when new."""
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in _SQLITE_COMPANIONS)):
        try:
            if stat.S_IMODE(candidate.stat().st_mode) != 0o600:
                os.chmod(candidate, 0o600)
        except FileNotFoundError:
            continue


def _create_private_file(path: Path) -> None:
    """Create the file owner-only before SQLite opens it, so it is never world-readable."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o600)
    os.close(fd)


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """Open a connection in autocommit mode; writers use `write_transaction`.

    Every open, not only the first, checks the files: no symbolic link at the cache's path
    (one would send the cache, or SQLite's files, wherever it points), the data dir 0700
    and the cache 0600. SQLite gives the WAL and shared-memory files the cache's permissions.
    """
    _refuse_links(path)
    if not path.exists():
        if not create:
            raise CacheMissing(f"no cache at {path}: run `partnerops sync` or `partnerops demo`")
        try:
            _make_private_dirs(path.parent)
            _create_private_file(path)
        except OSError as exc:
            raise CacheError(f"cannot create the cache at {path}: {exc.strerror or exc}") from None
    try:
        _secure_data_dir(path.parent)
        _secure_cache_files(path)
    except OSError as exc:
        raise CacheError(
            f"cannot make the cache at {path} private: {exc.strerror or exc}"
        ) from None
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
