"""Schema migrations: `STEPS[n]` moves a cache of schema version n to n + 1.

A new cache gets the current schema at once (`schema.CREATE_STATEMENTS`), so steps only ever
run on caches written by an older partnerops. Each step holds the literal SQL of its own change,
never SQL built from today's tables: a shipped step must do the same thing on every release.

To change the schema: change the models in `tables.py`, run `python -m local_store.schema_gen`,
bump `SCHEMA_VERSION` in `database.py` and append a step here. The released versions' caches
in `tests/local_store/fixtures/` must still migrate to a schema equal to a new cache's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from local_store.schema import CREATE_STATEMENTS

_ADDED_DURING_VERSION_2 = (
    """CREATE TABLE IF NOT EXISTS local_alert (
    id VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    detail VARCHAR NOT NULL,
    fired_values VARCHAR NOT NULL,
    occurrence VARCHAR NOT NULL,
    raised_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    due_date DATE,
    status VARCHAR NOT NULL,
    assignee VARCHAR,
    snoozed_until DATE,
    cleared BOOLEAN NOT NULL,
    PRIMARY KEY (id)
)""",
    "CREATE INDEX IF NOT EXISTS ix_local_alert_client_id ON local_alert (client_id)",
    "CREATE INDEX IF NOT EXISTS ix_local_alert_kind ON local_alert (kind)",
    "CREATE INDEX IF NOT EXISTS ix_local_alert_status ON local_alert (status)",
    """CREATE TABLE IF NOT EXISTS local_alert_note (
    id VARCHAR NOT NULL,
    alert_id VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id)
)""",
    "CREATE INDEX IF NOT EXISTS ix_local_alert_note_alert_id ON local_alert_note (alert_id)",
    """CREATE TABLE IF NOT EXISTS local_undo (
    seq INTEGER NOT NULL,
    description VARCHAR NOT NULL,
    outbox_seq INTEGER NOT NULL,
    "before" VARCHAR NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (seq)
)""",
    """CREATE TABLE IF NOT EXISTS raw_properties (
    id VARCHAR NOT NULL,
    object_type VARCHAR NOT NULL,
    properties VARCHAR NOT NULL,
    PRIMARY KEY (id, object_type)
)""",
    """CREATE TABLE IF NOT EXISTS signals_run (
    id INTEGER NOT NULL,
    fingerprint VARCHAR NOT NULL,
    PRIMARY KEY (id)
)""",
    "CREATE INDEX IF NOT EXISTS ix_usage_client_period ON usage (client_id, period)",
)
"""Tables and indexes that version 2 gained while it was current, without a version bump: a
cache first written early in version 2 may lack them, so both steps below create them."""


def create_current(conn: sqlite3.Connection) -> None:
    """Give an empty file the current schema."""
    for statement in CREATE_STATEMENTS:
        conn.execute(statement)


def _to_version_2(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE client ADD COLUMN health_reasons VARCHAR DEFAULT '[]' NOT NULL")
    for statement in _ADDED_DURING_VERSION_2:
        conn.execute(statement)


def _to_version_3(conn: sqlite3.Connection) -> None:
    for statement in _ADDED_DURING_VERSION_2:
        conn.execute(statement)
    conn.execute(
        """CREATE TABLE IF NOT EXISTS dirty_client (
    client_id VARCHAR NOT NULL,
    PRIMARY KEY (client_id)
)"""
    )
    # The Clients table's usage sort reads this index in order instead of sorting every client.
    conn.execute("CREATE INDEX IF NOT EXISTS ix_client_tools_in_use ON client (tools_in_use)")
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


def _to_version_5(conn: sqlite3.Connection) -> None:
    # Who last triaged a backend alert, as a team server reports it (issue 17).
    conn.execute("ALTER TABLE alert ADD COLUMN changed_by VARCHAR")


_TO_VERSION_6 = (
    # At 100,000 clients (issue 14), Renewals: a window's totals read one covering index, and
    # the sorts by money or client name walk an index instead of sorting the whole window.
    "CREATE INDEX IF NOT EXISTS ix_renewal_window ON renewal (renewal_date, client_id, "
    "mrr_now_cents, mrr_change_cents, status, communication_owner)",
    "DROP INDEX IF EXISTS ix_renewal_renewal_date",
    "CREATE INDEX IF NOT EXISTS ix_renewal_mrr_change ON renewal (mrr_change_cents, id)",
    "CREATE INDEX IF NOT EXISTS ix_renewal_mrr_now ON renewal (mrr_now_cents, id)",
    "CREATE INDEX IF NOT EXISTS ix_client_name_nocase ON client (name COLLATE NOCASE)",
    # The Tier screen's monthly sums and a month's clients read one covering index.
    "CREATE INDEX IF NOT EXISTS ix_credit_event_month_kind ON credit_event (month, kind, "
    "client_id, points, mrr_basis_cents)",
    "DROP INDEX IF EXISTS ix_credit_event_month",
)


def _to_version_6(conn: sqlite3.Connection) -> None:
    for statement in _TO_VERSION_6:
        conn.execute(statement)


_TO_VERSION_7 = (
    # The inbox pages in the order of what is at stake (issue 14): each alert's impact is
    # stored for the day in `impact_run` and walked by an index, instead of computed for every
    # alert of a section to show its first page. The first run of the signals fills it.
    "ALTER TABLE alert ADD COLUMN impact FLOAT DEFAULT '0' NOT NULL",
    "CREATE INDEX IF NOT EXISTS ix_alert_impact ON alert (impact)",
    "ALTER TABLE local_alert ADD COLUMN impact FLOAT DEFAULT '0' NOT NULL",
    "CREATE INDEX IF NOT EXISTS ix_local_alert_impact ON local_alert (impact)",
    # A kind's alerts in that order too: a section of a rare kind need not walk them all.
    "CREATE INDEX IF NOT EXISTS ix_alert_kind_impact ON alert (kind COLLATE NOCASE, impact)",
    "DROP INDEX IF EXISTS ix_local_alert_kind",
    "CREATE INDEX IF NOT EXISTS ix_local_alert_kind_impact "
    "ON local_alert (kind COLLATE NOCASE, impact)",
    """CREATE TABLE IF NOT EXISTS impact_run (
    id INTEGER NOT NULL,
    day VARCHAR NOT NULL,
    PRIMARY KEY (id)
)""",
)


def _to_version_7(conn: sqlite3.Connection) -> None:
    for statement in _TO_VERSION_7:
        conn.execute(statement)


STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _to_version_2,
    2: _to_version_3,
    3: _to_version_4,
    4: _to_version_5,
    5: _to_version_6,
    6: _to_version_7,
}
"""STEPS[n] migrates schema version n to n + 1."""


def migrate(conn: sqlite3.Connection, target: int) -> None:
    """Move the cache to schema version `target`, inside the caller's write transaction (read
    under its lock, the version cannot move between the check and the steps)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == 0:
        create_current(conn)
    else:
        for step in range(version, target):
            STEPS[step](conn)
    conn.execute(f"PRAGMA user_version = {target}")
