"""`partnerops login` / `logout`: a profile's token in the OS keyring.

The token is prompted for without echo, or read from standard input when that is not a
terminal (`partnerops login < token-file` in provisioning scripts); it is never an argument,
so it never lands in shell history or in `ps` output. Only `typer` and `sync.profile` are
imported here: `console.cli` imports this module to register the commands.
"""

import os

import typer

from console.cli_common import EXIT_USAGE, ProfileOption, fail
from sync.profile import (
    TOKEN_ENV,
    NoProfileConfigured,
    ProfileError,
    delete_token,
    ensure_keyring,
    load_profile,
    profile_name,
    store_token,
)


def _chosen(ctx: typer.Context, profile: str | None) -> str:
    """The profile's name; a broken config file is reported here, before any prompt."""
    try:
        return load_profile(profile or ctx.obj).name
    except NoProfileConfigured:
        return profile_name(profile or ctx.obj)  # logging in before writing the config is fine
    except ProfileError as exc:
        fail(str(exc), EXIT_USAGE)


def login(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Store the profile's backend token in the OS keyring (asked for, never echoed)."""
    name = _chosen(ctx, profile)
    try:
        ensure_keyring()  # before asking: a token typed into nowhere would be lost effort
        token = typer.prompt(f"Token for profile {name!r}", hide_input=True)
        store_token(name, token)
    except ProfileError as exc:
        fail(str(exc))
    typer.echo(f"partnerops: stored the token of profile {name!r} in the OS keyring", err=True)
    if os.environ.get(TOKEN_ENV):
        typer.echo(f"partnerops: note that {TOKEN_ENV} is set and takes precedence", err=True)


def logout(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Remove the profile's token from the OS keyring."""
    name = _chosen(ctx, profile)
    try:
        removed = delete_token(name)
    except ProfileError as exc:
        fail(str(exc))
    if removed:
        typer.echo(f"partnerops: removed the token of profile {name!r} from the OS keyring")
    else:
        typer.echo(f"partnerops: no token of profile {name!r} in the OS keyring")
