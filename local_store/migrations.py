"""Schema migrations, one function per version step, applied in order inside a transaction.

To change the schema: bump `SCHEMA_VERSION` in `database.py` and append a step here that moves
a cache of the previous version forward (ALTER TABLE, backfills). Never edit a shipped step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel

from local_store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from local_store.database import SCHEMA_VERSION, schema_version, write_transaction


def _create_all(conn: sqlite3.Connection) -> None:
    dialect = sqlite_dialect.dialect()
    for table in SQLModel.metadata.sorted_tables:
        conn.execute(str(CreateTable(table).compile(dialect=dialect)))
        for index in table.indexes:
            conn.execute(str(CreateIndex(index).compile(dialect=dialect)))


STEPS: list[Callable[[sqlite3.Connection], None]] = [_create_all]
"""STEPS[n] migrates schema version n to n + 1."""

assert len(STEPS) == SCHEMA_VERSION


def migrate(conn: sqlite3.Connection) -> None:
    with write_transaction(conn):
        for version in range(schema_version(conn), SCHEMA_VERSION):
            STEPS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
