"""`partnerops server …`: the team server and its admin commands (docs/team-server.md).

Imports only `typer` and `console.cli_common` at load time; `backend.team` (SQLAlchemy,
FastAPI) loads inside each command, so `partnerops --help` stays quick and Textual never loads.
No `from __future__ import annotations`: Typer evaluates the annotations.
"""

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from console.cli_common import EXIT_USAGE, fail, resolve_profile

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


def _upstream(  # type: ignore[no-untyped-def]
    demo: bool,
    clients: int,
    seed: int,
    data: Path | None,
    hubspot: bool = False,
    partner: str | None = None,
    hubspot_profile: str | None = None,
):
    from backend.team.upstream import data_file_upstream, generator_upstream

    if demo + (data is not None) + hubspot > 1:
        fail("give one upstream: --demo, --data or --hubspot", EXIT_USAGE)
    if not hubspot and (partner is not None or hubspot_profile is not None):
        fail("--partner and --hubspot-profile go with --hubspot", EXIT_USAGE)
    if hubspot:
        return _hubspot_upstream(partner, hubspot_profile)
    if data is not None:
        return data_file_upstream(data)
    if demo:
        return generator_upstream(clients, seed)
    return None


def _hubspot_upstream(partner: str | None, profile_name: str | None):  # type: ignore[no-untyped-def]
    """HubSpot, with the settings and property mapping of a HubSpot profile of the config file
    (what `partnerops hubspot properties -p NAME --write` writes), or the defaults."""
    from backend.team.hubspot import NoHubSpotToken, hubspot_upstream
    from sync.client import SyncError
    from sync.hubspot.settings import load_settings

    if not partner or not partner.strip():
        fail(
            "--hubspot needs --partner NAME: the partner the account's records belong to",
            EXIT_USAGE,
        )
    settings = load_settings({})
    if profile_name is not None:
        profile = resolve_profile(profile_name)
        if profile.source != "hubspot":
            fail(f'profile {profile.name!r} does not read from HubSpot (source = "hubspot")', 2)
        try:
            settings = load_settings(profile.settings)
        except SyncError as exc:
            fail(f"config of profile {profile.name!r}: {exc}", EXIT_USAGE)
    try:
        return hubspot_upstream(partner.strip(), settings, profile_name=profile_name or "NAME")
    except NoHubSpotToken as exc:
        fail(str(exc), EXIT_USAGE)
    except SyncError as exc:  # an unusable api_base_url
        fail(str(exc), EXIT_USAGE)


@contextmanager
def _opened(upstream, check: bool):  # type: ignore[no-untyped-def]
    """The upstream, closed afterwards; a HubSpot one checked first when `check` (scopes and
    mapping: one line and the exit code, before anything is served or written)."""
    from backend.team.hubspot import HubSpotUpstream
    from sync.client import SyncError

    if not isinstance(upstream, HubSpotUpstream):
        yield upstream
        return
    with upstream:
        if check:
            try:
                upstream.check()
            except SyncError as exc:
                fail(f"HubSpot: {exc}", exc.exit_code)
        yield upstream


DemoOption = Annotated[
    bool, typer.Option("--demo", help="Upstream: the demo generator (--clients, --seed).")
]
ClientsOption = Annotated[int, typer.Option(min=0, help="Demo: clients of the first partner.")]
SeedOption = Annotated[int, typer.Option(help="Demo: generator seed.")]
DataOption = Annotated[
    Path | None, typer.Option(help="Upstream: a JSON data file (docs/backend-api.md).")
]
HubSpotOption = Annotated[
    bool,
    typer.Option(
        "--hubspot",
        help="Upstream: HubSpot's partner clients and services, with the private app token "
        "from PARTNEROPS_HUBSPOT_TOKEN (needs --partner).",
    ),
]
PartnerOption = Annotated[
    str | None,
    typer.Option("--partner", help="HubSpot: the partner the account's records belong to."),
]
HubSpotProfileOption = Annotated[
    str | None,
    typer.Option(
        "--hubspot-profile",
        help="HubSpot: rate limits and property mapping from this profile's "
        "[profiles.NAME.hubspot] tables (default: the defaults).",
    ),
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
    hubspot: HubSpotOption = False,
    partner: PartnerOption = None,
    hubspot_profile: HubSpotProfileOption = None,
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

    upstream = _upstream(demo, clients, seed, data, hubspot, partner, hubspot_profile)
    try:
        with _opened(upstream, check=True) as checked:
            serve_team(
                database or default_database(),
                host,
                port,
                checked,
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
    hubspot: HubSpotOption = False,
    partner: PartnerOption = None,
    hubspot_profile: HubSpotProfileOption = None,
) -> None:
    """Pull upstream once into the database now (a running server's admins can POST
    /v1/admin/refresh instead)."""
    from backend.datafile import DataFileError
    from backend.team.upstream import refresh as refresh_records
    from sync.client import SyncError

    upstream = _upstream(demo, clients, seed, data, hubspot, partner, hubspot_profile)
    if upstream is None:
        fail("say where to pull from: --demo, --data FILE or --hubspot", EXIT_USAGE)
    engine = _engine(database)
    try:
        with _opened(upstream, check=False) as checked:
            for report in refresh_records(engine, checked):
                typer.echo(report.line())
    except DataFileError as exc:
        fail(str(exc))
    except SyncError as exc:  # HubSpot: scopes, mapping, token, limits; nothing was written
        fail(f"HubSpot: {exc}", exc.exit_code)
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
