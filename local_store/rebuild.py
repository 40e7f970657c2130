"""A damaged cache: words for what went wrong, an integrity check, and a rebuild that keeps
the actions not yet sent.

Everything else in the cache is a copy of the server's data and comes back with the next
sync; the unsent outbox rows are the only thing that exists nowhere else, so the rebuild reads
them out before anything is moved, and writes what it salvaged to a JSON file when the old file
could not be read cleanly.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_store.database import (
    BUSY_TIMEOUT_MS,
    SCHEMA_VERSION,
    CacheError,
    CacheMissing,
    open_cache,
    write_transaction,
)
from local_store.outbox import PENDING

_OUTBOX_COLUMNS = (
    "key",
    "kind",
    "target_id",
    "target_table",
    "payload",
    "base_version",
    "created_at",
    "before",
)
_SIDE_FILES = ("-wal", "-shm")
"""SQLite's companions of a WAL database: they belong to the file and move with it."""


def describe_cache_error(exc: sqlite3.Error, path: Path | None = None) -> str:
    """One line for the user from an SQLite error, with the way out."""
    where = f"the cache at {path}" if path else "the local cache"
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL":
        return f"the disk holding {where} is full: free some space and try again (nothing was lost)"
    if name.startswith("SQLITE_READONLY"):
        return f"{where} is read-only: check the permissions of the file and its folder"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return f"{where} is damaged ({exc}): run `partnerops cache rebuild`"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        seconds = BUSY_TIMEOUT_MS // 1000
        return f"{where} stayed locked by another partnerops for {seconds} s: try again"
    if name.startswith("SQLITE_CANTOPEN"):
        return f"cannot open {where}: check that its folder exists and is writable"
    if name.startswith("SQLITE_IOERR"):
        return f"cannot read or write {where} ({name}): check the disk"
    return f"{where} failed: {exc}"


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    findings: list[str]
    """`PRAGMA integrity_check`'s lines (["ok"] for a sound file), or why it could not run."""


def check_cache(path: Path, *, max_findings: int = 20) -> CheckResult:
    """Run SQLite's integrity check without changing the file."""
    if not path.exists():
        raise CacheMissing(f"no cache at {path}: run `partnerops sync`")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        return CheckResult(False, [describe_cache_error(exc, path)])
    try:
        findings = [row[0] for row in conn.execute(f"PRAGMA integrity_check({max_findings})")]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        return CheckResult(False, [f"{path} cannot be read as SQLite ({exc})"])
    finally:
        conn.close()
    if findings == ["ok"] and version > SCHEMA_VERSION:
        return CheckResult(False, [f"sound, but written by a newer partnerops (schema {version})"])
    return CheckResult(findings == ["ok"], findings)


@dataclass(frozen=True)
class RebuildReport:
    moved_to: Path
    requeued: int
    salvage_file: Path | None
    """Where the salvaged actions were written, when the old file could not be read cleanly."""


def _read_pending(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The unsent actions, oldest first, and whether the read was clean. Reads what it can:
    rows before a damaged page still come out."""
    actions: list[dict[str, Any]] = []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error:
        return actions, False
    try:
        # The table itself in seq (rowid) order, no index: a damaged index or a lost page
        # further on still lets the rows before it out.
        cursor = conn.execute(
            f"SELECT state, {', '.join(_OUTBOX_COLUMNS)} FROM outbox NOT INDEXED ORDER BY seq"
        )
        for state, *row in cursor:
            if state == PENDING:
                actions.append(dict(zip(_OUTBOX_COLUMNS, row, strict=True)))
    except sqlite3.Error:
        return actions, False
    finally:
        conn.close()
    return actions, True


def _write_salvage(path: Path, actions: list[dict[str, Any]]) -> None:
    """Owner-only, like the cache: the actions hold client notes."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(actions, out, ensure_ascii=False, indent=2, default=str)


def _move_aside(path: Path, stamp: str) -> Path:
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    try:
        for suffix in ("", *_SIDE_FILES):
            source = path.with_name(path.name + suffix)
            if source.exists():
                source.rename(target.with_name(target.name + suffix))
    except OSError as exc:
        raise CacheError(f"cannot move {path} aside: {exc.strerror}") from None
    return target


def _requeue(conn: sqlite3.Connection, actions: list[dict[str, Any]]) -> None:
    """The same keys, so an action the server already applied is answered as a duplicate."""
    placeholders = ", ".join("?" for _ in (*_OUTBOX_COLUMNS, "state"))
    with write_transaction(conn):
        for action in actions:
            conn.execute(
                f"INSERT OR IGNORE INTO outbox ({', '.join(_OUTBOX_COLUMNS)}, state) "
                f"VALUES ({placeholders})",
                (*(action[c] for c in _OUTBOX_COLUMNS), PENDING),
            )


def rebuild_cache(path: Path, *, now: datetime | None = None) -> RebuildReport:
    """Move the cache aside and start a fresh one holding the old file's unsent actions."""
    if not path.exists():
        raise CacheMissing(f"no cache at {path}: run `partnerops sync` to create one")
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    actions, clean = _read_pending(path)
    salvage_file = None
    if not clean:
        # Written before anything moves: if the rest fails, the actions are still on disk.
        salvage_file = path.with_name(f"{path.name}.outbox-{stamp}.json")
        try:
            _write_salvage(salvage_file, actions)
        except OSError as exc:
            raise CacheError(
                f"cannot write the salvaged actions to {salvage_file}: {exc}"
            ) from None
    moved_to = _move_aside(path, stamp)
    conn = open_cache(path, create=True)
    try:
        _requeue(conn, actions)
    except sqlite3.Error as exc:
        raise CacheError(describe_cache_error(exc, path)) from None
    finally:
        conn.close()
    return RebuildReport(moved_to, len(actions), salvage_file)
