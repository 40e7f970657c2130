"""`partnerops server …`: the team server and its admin commands (docs/team-server.md).

Imports only `typer` and `console.cli_common` at load time; `backend.team` (SQLAlchemy,
FastAPI) loads inside each command, so `partnerops --help` stays quick and Textual never loads.
No `from __future__ import annotations`: Typer evaluates the annotations.
"""

import sys
from pathlib import Path
from typing import Annotated

import typer

from console.cli_common import EXIT_USAGE, fail

app = typer.Typer(help="Run the team server and manage its people.", no_args_is_help=True)
user_app = typer.Typer(help="Issue, list and revoke people's tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        "-d",
        help="SQLite file or postgresql://… URL "
        "(default: PARTNEROPS_SERVER_DATABASE, else a file in the user data directory).",
    ),
]


def _engine(database: str | None):  # type: ignore[no-untyped-def]
    from backend.team.database import DatabaseError, default_database
    from backend.team.run import open_database

    try:
        return open_database(database or default_database())
    except DatabaseError as exc:
        fail(str(exc))


def _upstream(demo: bool, clients: int, seed: int, data: Path | None):  # type: ignore[no-untyped-def]
    from backend.team.upstream import data_file_upstream, generator_upstream

    if demo and data is not None:
        fail("give --demo or --data, not both", EXIT_USAGE)
    if data is not None:
        return data_file_upstream(data)
    if demo:
        return generator_upstream(clients, seed)
    return None


DemoOption = Annotated[
    bool, typer.Option("--demo", help="Upstream: the demo generator (--clients, --seed).")
]
ClientsOption = Annotated[int, typer.Option(min=0, help="Demo: clients of the first partner.")]
SeedOption = Annotated[int, typer.Option(help="Demo: generator seed.")]
DataOption = Annotated[
    Path | None, typer.Option(help="Upstream: a JSON data file (docs/backend-api.md).")
]


@app.command("run")
def run(
    database: DatabaseOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 = any free).")] = 8780,
    demo: DemoOption = False,
    clients: ClientsOption = 2000,
    seed: SeedOption = 7,
    data: DataOption = None,
    refresh_minutes: Annotated[
        float, typer.Option(min=0, help="Pull upstream again every N minutes (0 = only at start).")
    ] = 0,
    allow_remote: Annotated[
        bool, typer.Option(help="Listen on a non-loopback address (behind a TLS proxy).")
    ] = False,
    test_faults: Annotated[
        bool, typer.Option(help="Tests only: add the fault switches at /v1/admin/faults.")
    ] = False,
) -> None:
    """Serve the team: migrate the database, pull upstream (if given), serve until Ctrl-C."""
    from backend.datafile import DataFileError
    from backend.team.database import DatabaseError, default_database
    from backend.team.run import serve_team

    upstream = _upstream(demo, clients, seed, data)
    try:
        serve_team(
            database or default_database(),
            host,
            port,
            upstream,
            refresh_minutes=refresh_minutes,
            allow_remote=allow_remote,
            test_faults=test_faults,
            say=lambda line: typer.echo(line, err=True),
        )
    except (ValueError, DatabaseError, DataFileError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@app.command("migrate")
def migrate(database: DatabaseOption = None) -> None:
    """Bring the database's schema to the newest version (run also does it at start)."""
    _engine(database).dispose()
    typer.echo("partnerops: the database schema is up to date", err=True)


@app.command("refresh")
def refresh(
    database: DatabaseOption = None,
    demo: DemoOption = False,
    clients: ClientsOption = 2000,
    seed: SeedOption = 7,
    data: DataOption = None,
) -> None:
    """Pull upstream once into the database now (a running server's admins can POST
    /v1/admin/refresh instead)."""
    from backend.datafile import DataFileError
    from backend.team.upstream import refresh as refresh_records

    upstream = _upstream(demo, clients, seed, data)
    if upstream is None:
        fail("say where to pull from: --demo or --data FILE", EXIT_USAGE)
    engine = _engine(database)
    try:
        for report in refresh_records(engine, upstream):
            typer.echo(
                f"partner {report.partner}: {report.written:,} written, {report.deleted:,} deleted"
            )
    except DataFileError as exc:
        fail(str(exc))
    finally:
        engine.dispose()


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The person's email (their name in the audit).")],
    partner: Annotated[str, typer.Option(help="The partner (name or id) the token is for.")],
    role: Annotated[str, typer.Option(help="member or admin (admins read the audit).")] = (
        "member"
    ),
    database: DatabaseOption = None,
) -> None:
    """Issue a token; it is printed once on stdout and stored only as a hash."""
    from backend.team.people import PeopleError, add_person

    engine = _engine(database)
    try:
        token = add_person(engine, partner, email, role)
    except PeopleError as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        engine.dispose()
    typer.echo(f"partnerops: token for {email} ({role}); shown once, keep it safe:", err=True)
    typer.echo(token)


@user_app.command("list")
def user_list(database: DatabaseOption = None) -> None:
    """Everyone who has or had a token (never the tokens themselves)."""
    from backend.team.people import list_people
    from console.text import safe_text

    engine = _engine(database)
    try:
        rows = list_people(engine)
    finally:
        engine.dispose()
    typer.echo("partner\temail\trole\tcreated\trevoked")
    for row in rows:
        fields = (row.partner, row.email, row.role, row.created_at, row.revoked_at or "-")
        typer.echo("\t".join(safe_text(field) for field in fields))


@user_app.command("revoke")
def user_revoke(
    email: Annotated[str, typer.Argument(help="Whose tokens to revoke.")],
    partner: Annotated[str | None, typer.Option(help="Only at this partner.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Revoke a person's tokens; the next request with them gets 401."""
    from backend.team.people import PeopleError, revoke_person

    engine = _engine(database)
    try:
        count = revoke_person(engine, email, partner)
    except PeopleError as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        engine.dispose()
    if count == 0:
        fail(f"{email} has no active token", EXIT_USAGE)
    typer.echo(f"partnerops: revoked {count} token(s) of {email}", err=True)


@app.command("audit")
def audit_export(
    partner: Annotated[str, typer.Option(help="The partner (name or id) whose trail to export.")],
    format: Annotated[str, typer.Option(help="csv or jsonl.")] = "csv",
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Export a partner's audit trail: who did what, when, with what outcome."""
    from backend.team.audit import audit_csv, audit_jsonl, read_audit
    from backend.team.people import PeopleError, partner_id

    if format not in ("csv", "jsonl"):
        fail("--format must be csv or jsonl", EXIT_USAGE)
    engine = _engine(database)
    try:
        with engine.connect() as connection:
            found = partner_id(connection, partner)
            rows = read_audit(connection, found, limit=None)
    except PeopleError as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        engine.dispose()
    if output is None and sys.stdout.isatty():
        from console.text import safe_text

        # Keys and ids come from consoles: nothing they hold may drive the terminal.
        rows = [{name: safe_text(value) for name, value in row.items()} for row in rows]
    text = audit_csv(rows) if format == "csv" else audit_jsonl(rows)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
