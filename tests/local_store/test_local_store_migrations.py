"""Caches of every released schema version move forward to exactly the schema a new cache gets,
keeping their rows; and the generated plain-SQL schema stays equal to the models."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cache_fixtures import table_names

from local_store.database import SCHEMA_VERSION, open_cache
from local_store.migrations import STEPS
from local_store.schema import PULLED_TABLES

FIXTURES = Path(__file__).parent / "fixtures"
RELEASED = sorted(FIXTURES.glob("cache_v*.sql"))

Shape = dict[str, object]

KEPT_TABLES = (
    *(table for table, _ in PULLED_TABLES.values()),
    "outbox",
    "sync_state",
    "quarantine",
    "raw_properties",
    "local_alert_note",
)
"""What the server sent and what the user did: every step keeps all of it. (Derived and
local state, like the dirty marks or the local alerts, is each step's own business.)"""


def schema_shape(conn: sqlite3.Connection) -> Shape:
    """Tables, their columns (with type, NOT NULL, default and key) and indexes (with their
    columns and uniqueness): what a query can tell apart, not how the SQL was spelt. Column
    order is left out: ALTER TABLE appends, and the code reads rows by column name."""
    shape: Shape = {}
    for table in table_names(conn):
        columns = sorted(tuple(row[1:]) for row in conn.execute(f"PRAGMA table_info({table})"))
        indexes = sorted(
            (
                name,
                unique,
                origin,
                tuple(info[2] for info in conn.execute(f"PRAGMA index_info({name})")),
            )
            for _, name, unique, origin, _ in conn.execute(f"PRAGMA index_list({table})")
        )
        shape[table] = {"columns": columns, "indexes": indexes}
    return shape


def load_dump(dump: Path, path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(dump.read_text())
    conn.close()


def test_every_released_version_has_a_fixture() -> None:
    versions = {int(p.stem.removeprefix("cache_v").split("_")[0]) for p in RELEASED}
    assert versions == set(range(1, SCHEMA_VERSION + 1)), (
        "a cache of every schema version, the current one too: run "
        "`python tests/local_store/cache_fixtures.py` once for a new version"
    )


def test_steps_cover_every_version() -> None:
    assert sorted(STEPS) == list(range(1, SCHEMA_VERSION))


@pytest.mark.parametrize("dump", RELEASED, ids=[p.stem for p in RELEASED])
def test_released_cache_migrates_to_the_new_cache_schema_keeping_rows(
    dump: Path, tmp_path: Path
) -> None:
    old = tmp_path / "old.sqlite3"
    load_dump(dump, old)
    before = sqlite3.connect(old)
    present = schema_shape(before)
    counts = {table: _count(before, table) for table in KEPT_TABLES if table in present}
    before.close()
    assert counts["client"], "the fixture has clients"

    migrated = open_cache(old)
    fresh = open_cache(tmp_path / "new.sqlite3", create=True)
    assert migrated.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert schema_shape(migrated) == schema_shape(fresh)
    assert {table: _count(migrated, table) for table in counts} == counts


def _count(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_version_1_clients_get_empty_health_reasons(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    load_dump(FIXTURES / "cache_v1.sql", path)
    conn = open_cache(path)
    assert {row[0] for row in conn.execute("SELECT health_reasons FROM client")} == {"[]"}


def test_version_2_signals_run_is_forgotten_and_usage_sort_uses_the_index(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    load_dump(FIXTURES / "cache_v2.sql", path)
    clients = {row[0] for row in sqlite3.connect(path).execute("SELECT id FROM client")}
    conn = open_cache(path)
    assert conn.execute("SELECT count(*) FROM signals_run").fetchone()[0] == 0
    # Nothing tells what an older sync left owed: every client is recomputed once.
    assert {row[0] for row in conn.execute("SELECT client_id FROM dirty_client")} == clients
    plan = " ".join(
        str(row[3])
        for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM client ORDER BY tools_in_use DESC, rowid DESC"
        )
    )
    assert "ix_client_tools_in_use" in plan and "TEMP B-TREE" not in plan


def test_generated_schema_equals_the_models(tmp_path: Path) -> None:
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    from local_store import tables  # noqa: F401  (registers the models on SQLModel.metadata)
    from local_store.migrations import create_current
    from local_store.schema_gen import render

    engine = create_engine(f"sqlite:///{tmp_path / 'models.sqlite3'}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    from_models = sqlite3.connect(tmp_path / "models.sqlite3")
    from_sql = sqlite3.connect(tmp_path / "sql.sqlite3")
    create_current(from_sql)
    regenerate = "the models changed: run `python -m local_store.schema_gen`"
    assert schema_shape(from_sql) == schema_shape(from_models), regenerate
    for resource, model in tables.SYNCED_TABLES.items():
        name, pulled = PULLED_TABLES[resource]
        assert name == model.__tablename__, regenerate
        derived = tables.DERIVED_COLUMNS.get(name, frozenset())
        assert set(pulled) == set(model.model_fields) - derived, regenerate
    assert set(PULLED_TABLES) == set(tables.SYNCED_TABLES), regenerate
    generated = Path(sys.modules["local_store.schema"].__file__ or "").read_text()
    assert generated == render(), regenerate


def test_cache_path_of_the_tui_does_not_import_sqlmodel() -> None:
    """The TUI's first action (an ack, a note, an undo) goes through the outbox and the
    writers; opening and migrating a cache must not pull in SQLModel either."""
    probe = (
        "import sys, tempfile, pathlib\n"
        "import local_store.outbox, local_store.writes, local_store.alert_triage\n"
        "from local_store.database import open_cache\n"
        "open_cache(pathlib.Path(tempfile.mkdtemp()) / 'c.sqlite3', create=True)\n"
        "print(sorted(m for m in ('sqlmodel', 'sqlalchemy', 'pydantic') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_cache_of_version_3_merges_local_alerts_per_concern(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite3"
    load_dump(FIXTURES / "cache_v3.sql", path)
    conn = sqlite3.connect(path)
    client = conn.execute("SELECT id FROM client ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("DELETE FROM local_alert_note")
    conn.execute("DELETE FROM local_alert")
    # As version 3 wrote them: one alert per rule; two of them now make one item.
    for rule, kind, status in (
        ("engagement_low", "engagement_low", "open"),
        ("upsell", "upsell", "acknowledged"),
        ("setup_issue", "setup_issue", "snoozed"),
    ):
        conn.execute(
            "INSERT INTO local_alert (id, client_id, rule, kind, severity, title, detail, "
            "fired_values, occurrence, raised_at, updated_at, due_date, status, assignee, "
            "snoozed_until, cleared) VALUES (?, ?, ?, ?, 'info', 't', 'd', '{}', 'o', "
            "'2026-11-01T00:00:00', '2026-11-01T00:00:00', NULL, ?, NULL, NULL, 0)",
            (f"local:{rule}:{client}", client, rule, kind, status),
        )
        conn.execute(
            "INSERT INTO local_alert_note (id, alert_id, author, text, created_at) "
            "VALUES (?, ?, 'ana', ?, '2026-11-02T00:00:00')",
            (f"n-{rule}", f"local:{rule}:{client}", f"about {rule}"),
        )
    conn.commit()
    conn.close()
    conn = open_cache(path)
    alerts = dict(conn.execute("SELECT id, status FROM local_alert"))
    # The triaged row is the one kept per concern.
    assert alerts == {
        f"local:engagement_risk:{client}": "acknowledged",
        f"local:setup_issue:{client}": "snoozed",
    }
    notes = sorted(conn.execute("SELECT alert_id, text FROM local_alert_note"))
    assert notes == [
        (f"local:engagement_risk:{client}", "about engagement_low"),
        (f"local:engagement_risk:{client}", "about upsell"),
        (f"local:setup_issue:{client}", "about setup_issue"),
    ]
    assert client in {row[0] for row in conn.execute("SELECT client_id FROM dirty_client")}
    columns = [row[1] for row in conn.execute("PRAGMA table_info(client)")]
    assert {"tools", "onboarding"} <= set(columns)
