"""The migrations build exactly the schema the SQLModel tables describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from backend.team import tables
from backend.team.database import VERSION_TABLE, migrate, open_engine, schema_is_current


def test_the_migrated_schema_equals_the_models(database: str) -> None:
    engine = open_engine(database)
    try:
        assert not schema_is_current(engine)
        migrate(engine)
        assert schema_is_current(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "version_table": VERSION_TABLE,
                    "compare_type": True,
                    "include_name": lambda name, kind, parent: (
                        kind != "table" or name.startswith("team_")
                    ),
                },
            )
            assert compare_metadata(context, tables.TeamTable.metadata) == []
    finally:
        engine.dispose()


def test_migrating_again_changes_nothing_and_keeps_the_instance(database: str) -> None:
    engine = open_engine(database)
    try:
        migrate(engine)
        query = text("SELECT value FROM team_meta WHERE name = 'instance'")
        with engine.connect() as connection:
            instance = connection.execute(query).scalar_one()
        migrate(engine)
        with engine.connect() as connection:
            assert connection.execute(query).scalar_one() == instance
    finally:
        engine.dispose()
