"""Starting the team server: open and migrate the database, pull upstream, serve.

`serve_team` runs in the foreground (`partnerops server run`); `start_team_in_thread` serves
in a background thread for tests and benchmarks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from backend.server import (
    RunningServer,
    bind_socket,
    is_loopback,
    socket_url,
    start_app_in_thread,
    uvicorn_server,
)
from backend.team.app import create_team_app
from backend.team.database import DatabaseError, migrate, open_engine
from backend.team.people import list_partners, list_people
from backend.team.records import forget_old_keys
from backend.team.upstream import Refresher, Upstream


def open_database(database: str) -> Engine:
    """The engine of a database brought up to the newest schema; DatabaseError in one line."""
    engine = open_engine(database)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["unknown error"])[0]
        raise DatabaseError(f"cannot open the database: {reason[:200]}") from None
    return engine


def start_team_in_thread(
    engine: Engine,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    refresher: Refresher | None = None,
    test_faults: bool = False,
    today: Callable[[], date] | None = None,
) -> RunningServer[Engine]:
    app = create_team_app(engine, refresher=refresher, test_faults=test_faults, today=today)
    return start_app_in_thread(app, engine, host, port)


def serve_team(
    database: str,
    host: str,
    port: int,
    upstream: Upstream | None,
    *,
    refresh_minutes: float = 0,
    allow_remote: bool = False,
    test_faults: bool = False,
    say: Callable[[str], None] = print,
) -> None:
    """Run in the foreground until Ctrl-C. Raises ValueError, DatabaseError or OSError."""
    if not is_loopback(host) and not allow_remote:
        raise ValueError(
            f"refusing to listen on {host} without --allow-remote: put the team server behind "
            "a TLS proxy (docs/team-server.md) and say so explicitly"
        )
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    engine = open_database(database)
    with engine.begin() as connection:
        forget_old_keys(connection)
    refresher = Refresher(engine, upstream, refresh_minutes * 60) if upstream else None
    if refresher is not None:
        say("pulling upstream…")
        refresher.run_now()
        if refresher.last_error:
            say(f"upstream pull failed: {refresher.last_error}")
        for report in refresher.last_reports:
            say(report.line())
        refresher.start_schedule()
    partners = list_partners(engine)
    if not partners:
        say("no partners yet: start with --demo or --data FILE to fill the database")
    elif not any(row.revoked_at is None for row in list_people(engine)):
        say("no one has a token yet: partnerops server user add EMAIL --partner NAME")
    sock = bind_socket(host, port)
    say(f"listening on {socket_url(host, sock)}")
    app = create_team_app(engine, refresher=refresher, test_faults=test_faults)
    try:
        uvicorn_server(app).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        if refresher is not None:
            refresher.stop()
        sock.close()
        engine.dispose()
