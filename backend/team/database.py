"""Opening the team server's database and bringing its schema up to date.

SQLite (a file, the default) and PostgreSQL go through the same SQLAlchemy code. Writes to one
partner are serialised (a row lock on its `team_partner` row, or SQLite's single writer), so
change numbers commit in order and a reader can never skip one that commits late.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError

VERSION_TABLE = "team_schema_version"
MIGRATIONS = Path(__file__).parent / "migrations"
DATABASE_ENV = "PARTNEROPS_SERVER_DATABASE"


class DatabaseError(Exception):
    """A database URL or file that cannot be used; the message is one line for the user."""


def default_database() -> str:
    """`PARTNEROPS_SERVER_DATABASE`, else a SQLite file in the user data directory."""
    configured = os.environ.get(DATABASE_ENV)
    if configured:
        return configured
    return str(Path(platformdirs.user_data_dir("partnerops")) / "team-server.sqlite3")


def database_url(database: str) -> str:
    """A URL SQLAlchemy can use: a bare path means SQLite; PostgreSQL goes through psycopg 3."""
    if "://" not in database:
        path = Path(database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return f"sqlite:///{path}"
    try:
        url = make_url(database)
    except ArgumentError:
        raise DatabaseError("the database must be a file path or a URL") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername not in ("sqlite", "postgresql+psycopg"):
        raise DatabaseError("the database must be SQLite (a path) or postgresql://…")
    return url.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_engine(database: str) -> Engine:
    url = database_url(database)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _tune_sqlite(engine)
        if url != "sqlite://":
            Path(make_url(url).database or "").touch(mode=0o600, exist_ok=True)
        return engine
    try:
        # No pre-ping (a round trip per request); a dropped connection is detected on use
        # and the pool replaced.
        return create_engine(url, pool_size=20, max_overflow=30, pool_recycle=1800)
    except ModuleNotFoundError:
        raise DatabaseError(
            "PostgreSQL needs the driver: pip install 'partnerops[postgres]'"
        ) from None


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # A writer takes the lock up front: upgrading a read lock later can deadlock.
        writes = connection.get_execution_options().get("writes", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The engine for a transaction that writes (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(writes=True)


def reader(engine: Engine) -> Engine:
    """The engine for a request's reads. On PostgreSQL in autocommit: each statement sees the
    latest commits, and returning the connection to the pool costs no ROLLBACK round trip."""
    if is_sqlite(engine):
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest version (a no-op when it is there already)."""
    from alembic import command

    with writer(engine).begin() as connection:
        command.upgrade(_alembic_config(connection), "head")


def schema_is_current(engine: Engine) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        current = set(context.get_current_heads())
        connection.execute(text("SELECT 1"))
        heads = set(ScriptDirectory.from_config(_alembic_config(connection)).get_heads())
    return current == heads
