"""The TUI's read connections to the profile's cache.

The TUI never creates the cache (that is the sync's job); it opens what `partnerops sync`
wrote, moves a cache written by an older partnerops forward (an upgrade must not leave a
laptop without its data until it is back online), and says plainly what to do when there is
nothing usable.

Each thread reads through its own connection: the UI thread has one for the few-millisecond
page reads of the table, and workers borrow one from a small pool, so a long query in one
worker never waits on another's cursor.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local_store.database import (
    SCHEMA_VERSION,
    CacheError,
    CacheMissing,
    connect,
    open_cache,
    schema_version,
)

READER_CACHE_KIB = 256
"""SQLite's page cache per connection of the console (its default is 2 MiB): a connection per
busy worker, each keeping 2 MiB of pages the OS's file cache holds anyway, was a sixth of the
console's memory at 100,000 clients."""


def _keep_few_pages(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
    return conn


class CacheReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problem: str | None = None
        """Why the cache cannot be read, in words for the user; None when it can."""
        self._ui: sqlite3.Connection | None = None
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._ui is not None

    @property
    def ui(self) -> sqlite3.Connection:
        """The UI thread's connection; only for reads that take a few milliseconds."""
        if self._ui is None:
            raise CacheError(self.problem or "the cache is not open")
        return self._ui

    def open(self) -> bool:
        """Open the cache if it is usable; otherwise set `problem`. Returns `available`."""
        if self._ui is not None:
            return True
        try:
            conn = connect(self.path)
        except CacheMissing:
            self.problem = (
                "There is no local data for this profile yet. Run `partnerops sync` to fetch "
                "it, or `partnerops demo` to try the console with a sample portfolio."
            )
            return False
        except CacheError as exc:
            self.problem = str(exc)
            return False
        try:
            version = schema_version(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            self.problem = (
                f"The cache at {self.path} is damaged ({exc}). Run `partnerops cache rebuild` "
                "(it keeps actions waiting to sync)."
            )
            return False
        if 0 < version < SCHEMA_VERSION:
            conn.close()
            try:
                conn = open_cache(self.path)  # migrates, in one transaction
            except (CacheError, sqlite3.Error) as exc:
                self.problem = (
                    f"The local cache was written by an older partnerops and could not be "
                    f"upgraded ({exc}). Run `partnerops cache rebuild` (it keeps actions "
                    "waiting to sync)."
                )
                return False
            version = SCHEMA_VERSION
        if version == SCHEMA_VERSION:
            _keep_few_pages(conn)
            self._ui, self.problem = conn, None
            return True
        conn.close()
        if version == 0:
            self.problem = "The local cache is empty. Run `partnerops sync` to fill it."
        else:
            self.problem = (
                "The local cache was written by a newer partnerops. Upgrade partnerops to read it."
            )
        return False

    @contextmanager
    def borrow(self) -> Iterator[sqlite3.Connection]:
        """A connection for a worker thread, returned to the pool afterwards."""
        if self._ui is None:
            raise CacheError(self.problem or "the cache is not open")
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = _keep_few_pages(connect(self.path))
        try:
            yield conn
        finally:
            with self._lock:
                closed = self._ui is None
                if not closed:
                    self._idle.append(conn)
            if closed:
                conn.close()

    def close(self) -> None:
        with self._lock:
            connections, self._idle = self._idle, []
            if self._ui is not None:
                connections.append(self._ui)
                self._ui = None
        for conn in connections:
            conn.close()
