"""`partnerops cache check|rebuild`: the way out of a damaged cache.

Imports only `typer`, `sync.profile` and (inside the commands) `local_store`: `console.cli`
imports this module to register the group, and scripted paths must not load Textual.
"""

import typer

from console.cli_common import ProfileOption, fail, profile_from

app = typer.Typer(help="Check or rebuild the local cache.", no_args_is_help=True)


@app.command("check")
def check(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Run SQLite's integrity check on the profile's cache and say the result."""
    from local_store.database import CacheError
    from local_store.rebuild import check_cache

    chosen = profile_from(ctx, profile)
    try:
        result = check_cache(chosen.cache_path)
    except CacheError as exc:
        fail(str(exc))
    if result.ok:
        typer.echo(f"partnerops: the cache at {chosen.cache_path} is sound")
        return
    typer.echo(f"partnerops: the cache at {chosen.cache_path} has problems:", err=True)
    for finding in result.findings:
        typer.echo(f"  {finding}", err=True)
    fail(f"run `partnerops cache rebuild --profile {chosen.name}` to start a fresh one")


@app.command("rebuild")
def rebuild(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Move the cache aside, start a fresh one and keep the actions not yet sent.

    Close the console on this profile first: a write it makes meanwhile would land in the
    file moved aside.
    """
    from local_store.database import CacheError
    from local_store.rebuild import rebuild_cache

    chosen = profile_from(ctx, profile)
    try:
        report = rebuild_cache(chosen.cache_path)
    except CacheError as exc:
        fail(str(exc))
    typer.echo(f"partnerops: moved the old cache to {report.moved_to}")
    if report.salvage_file is not None:
        typer.echo(
            f"partnerops: the old cache could not be read completely; the {report.requeued} "
            f"unsent actions found are also saved in {report.salvage_file}",
            err=True,
        )
    typer.echo(
        f"partnerops: fresh cache with {report.requeued} unsent actions kept; "
        f"run `partnerops sync --profile {chosen.name}` to fill it"
    )
