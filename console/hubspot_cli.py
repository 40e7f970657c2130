"""`partnerops hubspot properties`: which HubSpot property feeds each console field.

Reads the account's property definitions for partner clients and partner services, shows the
property each console field maps to (and why: the config, a default name, a matching label),
the fields no property maps to, and the properties no field uses. `--map` sets a field's
property and `--write` saves the resulting mapping into the profile's config tables.
Imports only `typer`, `sync.profile` and, inside the command, `sync.hubspot`: never Textual.

Exit codes: 0 shown (and written), 1 HubSpot or the config file refused, 2 a usage error,
3 the token or its scopes were refused.
"""

from typing import Annotated

import typer

from console.cli_common import EXIT_USAGE, ProfileOption, fail, profile_from

app = typer.Typer(help="HubSpot as a source: map its properties.", no_args_is_help=True)

MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Set a field's property: partner_clients.FIELD=PROPERTY (repeatable).",
    ),
]
WriteOption = Annotated[
    bool, typer.Option("--write", help="Save the mapping shown into the config file.")
]


@app.command("properties")
def properties(
    ctx: typer.Context,
    profile: ProfileOption = None,
    assignments: MapOption = None,
    write: WriteOption = False,
) -> None:
    """Show how the account's HubSpot properties map to console fields."""
    from sync.client import SyncError
    from sync.hubspot.config_file import write_mapping
    from sync.hubspot.mapping_report import object_report, parse_assignments
    from sync.hubspot.preflight import OBJECT_TYPES, check_scopes
    from sync.hubspot.run import hubspot_client, hubspot_settings
    from sync.profile import config_path, with_token

    chosen = with_token(profile_from(ctx, profile))
    if chosen.source != "hubspot":
        fail(f'profile {chosen.name!r} does not read from HubSpot (source = "hubspot")', EXIT_USAGE)
    try:
        settings = hubspot_settings(chosen)
        wanted = parse_assignments(assignments or [])
    except SyncError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        with hubspot_client(chosen, settings) as api:
            discovered = check_scopes(api)
        reports = [
            object_report(
                object_type,
                discovered[object_type],
                {**settings.mapping.get(object_type, {}), **wanted.get(object_type, {})},
            )
            for object_type in OBJECT_TYPES
        ]
    except SyncError as exc:
        fail(str(exc), exc.exit_code)
    unmapped = []
    for report in reports:
        typer.echo(f"{report.object_type}")
        width = max(len(row.field) for row in report.rows)
        for row in report.rows:
            how = row.how
            if row.prop is None:
                how = "required: map it" if row.required else "none: a neutral default"
                if row.required:
                    unmapped.append(f"{report.object_type}.{row.field}")
            typer.echo(f"  {row.field:<{width}}  {row.prop or '(no property)':<32} {how}")
        typer.echo(f"  not mapped to any field: {', '.join(report.unused) or '(none)'}")
    if write:
        path = config_path()
        try:
            write_mapping(path, chosen.name, {r.object_type: r.mapped for r in reports})
        except SyncError as exc:
            fail(str(exc))
        typer.echo(f"partnerops: wrote the mapping of profile {chosen.name!r} to {path}")
    if unmapped:
        typer.echo(
            f"partnerops: no property maps to {', '.join(unmapped)}; the sync stops until each "
            f"is mapped: --map {unmapped[0]}=<property> --write",
            err=True,
        )
