"""Alembic's entry point, run on the connection `database.migrate` passes in (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from backend.team.database import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
