"""Schema migrations, one function per version step, applied in order inside a transaction.

To change the schema: change the tables, bump `SCHEMA_VERSION` in `database.py` and add a step
here that moves a cache of the previous version forward (ALTER TABLE, backfills). Never edit a
shipped step.
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


def _create_missing_tables(conn: sqlite3.Connection) -> None:
    """Tables (and their indexes) added since the cache was written; existing ones stay."""
    dialect = sqlite_dialect.dialect()
    for table in SQLModel.metadata.sorted_tables:
        conn.execute(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)))
        for index in table.indexes:
            conn.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect)))


def _to_version_2(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE client ADD COLUMN health_reasons VARCHAR DEFAULT '[]' NOT NULL")
    _create_missing_tables(conn)


def _to_version_3(conn: sqlite3.Connection) -> None:
    # dirty_client and the usage-sort index (and signals_run, for caches from before it).
    _create_missing_tables(conn)
    # Whether an older sync left derived values owed is unknown: every client is recomputed once.
    conn.execute("INSERT OR IGNORE INTO dirty_client (client_id) SELECT id FROM client")
    conn.execute("DELETE FROM signals_run")


_TO_VERSION_4 = (
    # The tool names and onboarding milestones a newer server sends (NULL: not sent).
    "ALTER TABLE client ADD COLUMN tools VARCHAR",
    "ALTER TABLE client ADD COLUMN onboarding VARCHAR",
    # Local alerts became one item per client per concern (id local:<concern>:<client>).
    # Per concern and client the row a person triaged is kept, under its new id, with its
    # notes; the next rule run fills in every reason.
    "CREATE TEMP TABLE concern_of (rule TEXT PRIMARY KEY, concern TEXT NOT NULL)",
    "INSERT INTO concern_of VALUES ('renewal_pending', 'renewal_decision'), "
    "('engagement_low', 'engagement_risk'), ('engagement_drop', 'engagement_risk'), "
    "('usage_decline', 'engagement_risk'), ('upsell', 'engagement_risk'), "
    "('setup_issue', 'setup_issue'), ('credit_expiring', 'credit_expiring'), "
    "('onboarding_stalled', 'onboarding_stalled')",
    # Notes first, by id alone, so the notes of merged alerts all land on the kept item.
    "UPDATE local_alert_note SET alert_id = (SELECT 'local:' || k.concern || "
    "substr(alert_id, length(k.rule) + 7) FROM concern_of k "
    "WHERE substr(alert_id, 1, length(k.rule) + 7) = 'local:' || k.rule || ':') "
    "WHERE EXISTS (SELECT 1 FROM concern_of k "
    "WHERE substr(alert_id, 1, length(k.rule) + 7) = 'local:' || k.rule || ':')",
    "DELETE FROM local_alert WHERE rule NOT IN (SELECT rule FROM concern_of) "
    "OR rowid NOT IN (SELECT kept FROM (SELECT a.rowid AS kept, row_number() OVER ("
    "PARTITION BY k.concern, a.client_id ORDER BY (a.status != 'open' OR a.assignee IS NOT "
    "NULL) DESC, a.updated_at DESC) AS rank FROM local_alert a JOIN concern_of k "
    "ON k.rule = a.rule) WHERE rank = 1)",
    "UPDATE local_alert SET kind = (SELECT concern FROM concern_of k WHERE k.rule = "
    "local_alert.rule), id = 'local:' || (SELECT concern FROM concern_of k WHERE k.rule = "
    "local_alert.rule) || ':' || client_id",
    "DROP TABLE concern_of",
    "DELETE FROM local_undo",
    # Every client's health and alerts are recomputed with the new components and rules.
    "INSERT OR IGNORE INTO dirty_client (client_id) SELECT id FROM client",
    "DELETE FROM signals_run",
)


def _to_version_4(conn: sqlite3.Connection) -> None:
    for statement in _TO_VERSION_4:
        conn.execute(statement)


STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _to_version_2,
    2: _to_version_3,
    3: _to_version_4,
}
"""STEPS[n] migrates schema version n to n + 1. An empty file gets the current schema at once
(built from the tables), so steps only ever run on caches written by an older partnerops."""

assert sorted(STEPS) == list(range(1, SCHEMA_VERSION))


def migrate(conn: sqlite3.Connection) -> None:
    with write_transaction(conn):
        version = schema_version(conn)
        if version == 0:
            _create_all(conn)
        else:
            for step in range(version, SCHEMA_VERSION):
                STEPS[step](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
